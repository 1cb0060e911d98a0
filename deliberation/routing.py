"""Websocket URLs of this app (collected by config.routing)."""

from django.urls import path

websocket_urlpatterns: list = []

# --- votes: the ballot room (consumers_votes)
from deliberation.consumers_votes import BallotConsumer  # noqa: E402

websocket_urlpatterns += [path("ws/ballots/<int:ballot_id>/", BallotConsumer.as_asgi())]
# --- end votes
