"""The bench's "moderator's action" in a hall room (bench-only; see bench/asgi.py)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from community.consumers import HallConsumer
from community.permissions import is_moderator
from realtime.protocol import event_type
from realtime.publish import publish

BENCH_ANNOUNCE = event_type(
    "bench.announce", "Bench only: a moderator's announcement. data: {round, text}"
)
MAX_TEXT = 8000


@transaction.atomic
def announce(*, user, hall, room: str, round: int, text: str) -> int:
    """Publish one announcement to the hall room; only the hall's moderators may."""
    if not is_moderator(user, hall):
        raise PermissionDenied("只有主持人可以发布。")
    if not isinstance(round, int) or not isinstance(text, str) or len(text) > MAX_TEXT:
        raise ValidationError("round 必须是整数，text 必须是不超过 8000 字的文本。")
    return publish(room, BENCH_ANNOUNCE, {"round": round, "text": text})


class BenchHallModeratorConsumer(HallConsumer):
    """The hall room with one extra command; the moderator is not counted as present."""

    handlers = {"bench.announce": "handle_announce"}
    track_presence = False
    rate_per_second = 50.0

    def handle_announce(self, user, data: dict[str, Any]) -> dict[str, Any]:
        seq = announce(
            user=user,
            hall=self.hall,
            room=self.room,
            round=data.get("round"),
            text=data.get("text", ""),
        )
        return {"seq": seq}
