"""Websocket URLs of this app (collected by config.routing)."""

from django.urls import path

from deliberation.meetings.consumers import MeetingConsumer
from deliberation.votes.consumers import BallotConsumer

websocket_urlpatterns: list = [
    path("ws/meetings/<int:meeting_id>/", MeetingConsumer.as_asgi()),
    path("ws/ballots/<int:ballot_id>/", BallotConsumer.as_asgi()),
]
