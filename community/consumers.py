"""The hall room: members see who is online in their hall."""

from __future__ import annotations

from typing import Any

from community.models import Hall
from realtime import presence
from realtime.consumers import RoomConsumer


def hall_room(hall_id: int) -> str:
    return f"hall.{hall_id}"


class HallConsumer(RoomConsumer):
    def authorize(self, user) -> str | None:
        if user is None or not user.is_authenticated:
            return None
        hall = (
            Hall.objects.select_related("compound__community")
            .filter(pk=self.scope["url_route"]["kwargs"]["hall_id"])
            .first()
        )
        if hall is None or not user.has_perm("community.join_hall_room", hall):
            return None
        self.hall = hall
        return hall_room(hall.pk)

    def build_snapshot(self) -> dict[str, Any]:
        return {
            "hall": {"id": self.hall.pk, "name": self.hall.name},
            **presence.section(self.room, names=True),
        }
