"""Websocket URLs of this app (collected by config.routing)."""

from django.urls import path

from forum.consumers import MeConsumer, ProposalConsumer

websocket_urlpatterns = [
    path("ws/proposals/<int:proposal_id>/", ProposalConsumer.as_asgi()),
    path("ws/me/", MeConsumer.as_asgi()),
]
