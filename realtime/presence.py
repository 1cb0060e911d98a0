"""Who is connected to a room, kept in the database and counted from fresh heartbeats."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from realtime.models import Presence
from realtime.protocol import event_type
from realtime.publish import publish

PRESENCE_CHANGED = event_type(
    "presence.changed", "Who is connected. data: {online: int, users: [{id, name}]}"
)


def _fresh_after():
    heartbeat = settings.FANGHUA.get("PRESENCE_HEARTBEAT", 30)
    return timezone.now() - timedelta(seconds=3 * heartbeat)


def enter(*, room: str, user_id: int, channel_name: str) -> None:
    Presence.objects.update_or_create(
        channel_name=channel_name,
        defaults={"room": room, "user_id": user_id, "last_seen": timezone.now()},
    )


def leave(*, channel_name: str) -> None:
    Presence.objects.filter(channel_name=channel_name).delete()


def heartbeat(*, channel_name: str) -> None:
    heartbeat_many(channel_names=[channel_name])


def heartbeat_many(*, channel_names: list[str]) -> None:
    """Refresh the rows of these connections (one query per 500, not one per connection)."""
    now = timezone.now()
    for i in range(0, len(channel_names), 500):
        Presence.objects.filter(channel_name__in=channel_names[i : i + 500]).update(last_seen=now)


def online(room: str) -> dict[str, Any]:
    """Distinct users with a live connection in the room."""
    ids = set(
        Presence.objects.filter(room=room, last_seen__gte=_fresh_after()).values_list(
            "user_id", flat=True
        )
    )
    users = get_user_model().objects.filter(pk__in=ids).order_by("pk")
    return {"online": len(ids), "users": [{"id": u.pk, "name": str(u)} for u in users]}


def online_count(room: str) -> int:
    return (
        Presence.objects.filter(room=room, last_seen__gte=_fresh_after())
        .values("user_id")
        .distinct()
        .count()
    )


@transaction.atomic
def publish_presence(room: str) -> None:
    publish(room, PRESENCE_CHANGED, online(room))
