"""Websocket URLs: each app lists its own in `<app>/routing.py`."""

from community.routing import websocket_urlpatterns as community_ws
from deliberation.routing import websocket_urlpatterns as deliberation_ws
from forum.routing import websocket_urlpatterns as forum_ws

websocket_urlpatterns = [*community_ws, *forum_ws, *deliberation_ws]
