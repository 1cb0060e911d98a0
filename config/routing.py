"""Websocket URLs: each app lists its own in `<app>/routing.py`; anything else is refused."""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import re_path

from community.routing import websocket_urlpatterns as community_ws
from deliberation.routing import websocket_urlpatterns as deliberation_ws
from forum.routing import websocket_urlpatterns as forum_ws

# 4404 ("no such room"), in the 4000–4999 range the protocol leaves to applications
# (docs/realtime.md), like 4403 for a refusal.
NOT_FOUND = 4404


class NoSuchRoom(AsyncWebsocketConsumer):
    """An unknown /ws/ path: accept, then close with 4404 (no traceback, no 1011)."""

    async def connect(self):
        await self.accept()
        await self.close(code=NOT_FOUND)


websocket_urlpatterns = [
    *community_ws,
    *forum_ws,
    *deliberation_ws,
    re_path(r"", NoSuchRoom.as_asgi()),
]
