"""Websocket URLs of this app (collected by config.routing)."""

websocket_urlpatterns: list = []
