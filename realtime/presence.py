"""Who is connected to a room, kept in the database and counted from fresh heartbeats.

Presence travels as counts and deltas, not lists (docs/realtime.md, "Presence"): each
`presence.changed` says how many are online now and who joined or left since the room's previous
`presence.changed`, or only `more: true` when that delta is longer than `DELTA_CAP`. The set the
last event described is kept per room (`PresenceState`), and the next delta is taken against it
with that row locked, so several processes publishing for one room each send an exact delta.
Lists go only to those who ask for them, a page at a time (`page`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from realtime.models import Presence, PresenceState
from realtime.protocol import event_type
from realtime.publish import publish

PRESENCE_CHANGED = event_type(
    "presence.changed",
    "Who came and went. data: {online: int, joined?: [{id, name}], left?: [id]} "
    "or {online: int, more: true} when the change is too long to list",
)
DELTA_CAP = 20  # more people joined + left than this in one event: only the count, `more: true`
PAGE_SIZE = 50  # names in one page of the list (and in a snapshot)


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


def live_ids(room: str) -> set[int]:
    """Distinct users with a live connection in the room, as the database says now."""
    return set(
        Presence.objects.filter(room=room, last_seen__gte=_fresh_after()).values_list(
            "user_id", flat=True
        )
    )


def online_count(room: str) -> int:
    return (
        Presence.objects.filter(room=room, last_seen__gte=_fresh_after())
        .values("user_id")
        .distinct()
        .count()
    )


def named(ids) -> list[dict[str, Any]]:
    """[{id, name}] of these users, by id."""
    users = get_user_model().objects.filter(pk__in=list(ids)).order_by("pk")
    return [{"id": u.pk, "name": str(u)} for u in users]


def published(room: str) -> tuple[int, list[int]]:
    """The set the room's last `presence.changed` described (sorted ids) and that event's seq."""
    row = PresenceState.objects.filter(room=room).values_list("seq", "user_ids").first()
    return (0, []) if row is None else (row[0], row[1])


def page(room: str, *, after: int | None = None, limit: int = PAGE_SIZE) -> dict[str, Any]:
    """One page of who is online, by id after `after`: {online, users, next, seq}.

    Read from the set the last `presence.changed` (of `seq`) described, so that applying the
    events after `seq` to it gives the current list. `next` is the `after` of the next page,
    or None on the last."""
    seq, ids = published(room)
    rest = [i for i in ids if after is None or i > after]
    chunk = rest[:limit]
    return {
        "online": len(ids),
        "users": named(chunk),
        "next": chunk[-1] if len(rest) > limit else None,
        "seq": seq,
    }


def section(room: str, *, names: bool) -> dict[str, Any]:
    """A snapshot's presence: the count; with `names`, also the first page of the list and its
    `next` (the `after` of the next page for `presence_list`, None when there is none)."""
    if not names:
        return {"online": len(published(room)[1])}
    first = page(room)
    return {"online": first["online"], "users": first["users"], "next": first["next"]}


def _locked_state(room: str) -> PresenceState:
    row = PresenceState.objects.select_for_update().filter(room=room).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return PresenceState.objects.create(room=room)
    except IntegrityError:  # created concurrently by another process
        return PresenceState.objects.select_for_update().get(room=room)


def delta(before: set[int], now: set[int]) -> dict[str, Any]:
    """The data of a `presence.changed` from the set `before` to the set `now`."""
    joined, left = now - before, before - now
    data: dict[str, Any] = {"online": len(now)}
    if len(joined) + len(left) > DELTA_CAP:
        data["more"] = True
        return data
    if joined:
        data["joined"] = named(joined)
    if left:
        data["left"] = sorted(left)
    return data


@transaction.atomic
def publish_presence(room: str) -> int | None:
    """Tell the room who joined and left since its last `presence.changed` (nothing when no one
    did); returns the event's seq."""
    state = _locked_state(room)
    now = live_ids(room)
    before = set(state.user_ids)
    if now == before and state.seq:
        return None
    seq = publish(room, PRESENCE_CHANGED, delta(before, now))
    state.user_ids, state.seq = sorted(now), seq
    state.save(update_fields=["user_ids", "seq"])
    return seq


def apply(current: dict[str, Any] | None, data: dict[str, Any]) -> dict[str, Any]:
    """A client's presence after one `presence.changed` (static/js/meeting/state.js mirrors it).

    The count is always the event's. A list held ({users, next}) is changed by the delta, or on
    `more` kept but marked `stale`: the client asks for it again. The input is not modified."""
    new: dict[str, Any] = {"online": data["online"]}
    if current is None or "users" not in current:
        return new
    new["next"] = current.get("next")
    if data.get("more") or current.get("stale"):
        return {**new, "users": list(current["users"]), "stale": True}
    gone = set(data.get("left", ()))
    users = {u["id"]: u for u in current["users"] if u["id"] not in gone}
    for u in data.get("joined", ()):
        users[u["id"]] = dict(u)
    return {**new, "users": [users[k] for k in sorted(users)]}
