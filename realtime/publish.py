"""Publish-on-commit: the one way services send events to rooms."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from channels.layers import get_channel_layer
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F

from realtime.hub import hub_of
from realtime.loops import server_loop
from realtime.models import RoomSequence
from realtime.protocol import SNAPSHOT, access_group, check_room, event_frame, group_name

log = logging.getLogger(__name__)
SEND_TIMEOUT = 5.0  # seconds to hand a frame to the channel layer before giving up
T = TypeVar("T")


def _returning_update(connection) -> bool:
    """Whether the database can `UPDATE … RETURNING` (PostgreSQL; SQLite from 3.35)."""
    if connection.vendor == "postgresql":
        return True
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version_info >= (3, 35)
    return False


def _bump(room: str) -> int | None:
    """Add one to the room's seq and return it (None: the room has no row yet)."""
    connection = connections[router.db_for_write(RoomSequence)]
    if not _returning_update(connection):
        if not RoomSequence.objects.filter(room=room).update(seq=F("seq") + 1):
            return None
        return RoomSequence.objects.values_list("seq", flat=True).get(room=room)
    # One statement instead of an UPDATE and a SELECT, written out because the ORM compiles
    # a queryset anew on every call (this is on the path of every event).
    table = connection.ops.quote_name(RoomSequence._meta.db_table)
    with connection.cursor() as cursor:
        seq, key = (connection.ops.quote_name(c) for c in ("seq", "room"))
        cursor.execute(
            f"UPDATE {table} SET {seq} = {seq} + 1 WHERE {key} = %s RETURNING {seq}", [room]
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def _next_seq(room: str) -> int:
    seq = _bump(room)
    if seq is not None:
        return seq
    try:
        with transaction.atomic():
            RoomSequence.objects.create(room=room, seq=1)
            return 1
    except IntegrityError:  # created concurrently
        return _bump(room)


def current_seq(room: str) -> int:
    """The room's last seq (0 when nothing was ever published)."""
    return RoomSequence.objects.filter(room=room).values_list("seq", flat=True).first() or 0


def publish(room: str, type: str, data: dict[str, Any]) -> int:
    """Take the room's next seq inside the current transaction; send the event after commit.

    A rolled-back transaction sends nothing and leaves the seq untouched.
    """
    check_room(room)
    # No savepoint of its own: inside a service's transaction a failure here fails the service.
    with transaction.atomic(savepoint=False):
        seq = _next_seq(room)
        frame = event_frame(room=room, type=type, seq=seq, data=data)
        transaction.on_commit(lambda: send_frame(room, seq, frame))
    return seq


def send_frame(room: str, seq: int, frame: str) -> None:
    """Hand an encoded, committed event to the hubs (see realtime.hub).

    In a process whose hub runs (a server: a websocket command, an HTTP action, a coalesced
    job), the frame goes to that hub directly, through the loop reference the hub recorded
    (`realtime.loops.server_loop`): it writes it to this process's connections and forwards it
    through the channel layer to other processes only. This thread does not wait for either.
    Elsewhere (a management command, a process nobody is connected to) it goes through the
    channel layer.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    loop = server_loop()
    hub = hub_of(loop) if loop is not None else None
    try:
        if hub is not None:
            loop.call_soon_threadsafe(hub.publish, room, seq, frame)
            return
        message = {"type": "hub.frame", "room": room, "seq": seq, "text": frame}
        asyncio.run(_group_send(layer, group_name(room), message))
    except Exception:  # the data is committed; clients resync on the next gap
        log.exception("could not send %s#%s to the channel layer", room, seq)


def access_changed(user_id: int) -> None:
    """After commit, make every open socket of this person re-authorise at once.

    For services that change what a person may do or see: a membership's state, the roles held,
    an admin assignment, the account deactivated or deleted. Each socket of hers, in every
    process, reloads her account and roles and asks its room again (`RoomConsumer.reauthorize`):
    a room she may no longer see is closed with 4403, and her next command runs with her new
    roles. A rolled-back change tells nobody.
    """
    user_id = int(user_id)
    transaction.on_commit(lambda: send_access(user_id))


def send_access(user_id: int) -> None:
    """Tell the hubs that a person's access changed (like `send_frame`: the process's own hub
    directly, which forwards to the others; without a running hub, through the channel layer)."""
    layer = get_channel_layer()
    if layer is None:
        return
    loop = server_loop()
    hub = hub_of(loop) if loop is not None else None
    try:
        if hub is not None:
            # A context of its own: the re-authorisations it starts must not inherit this
            # thread's (asgiref would take them for calls nested in this worker thread).
            loop.call_soon_threadsafe(hub.access_changed, user_id, context=contextvars.Context())
            return
        message = {"type": "hub.access", "user": user_id}
        asyncio.run(_group_send(layer, access_group(user_id), message))
    except Exception:  # the change is committed; sockets still re-authorise within a minute
        log.exception("could not tell the hubs that user %s's access changed", user_id)


async def _group_send(layer, group: str, message: dict[str, Any]) -> None:
    # A loop of this call's own, and never waiting forever (a layer that does not answer).
    async with asyncio.timeout(SEND_TIMEOUT):
        await layer.group_send(group, message)


def snapshot(room: str, build: Callable[[], T]) -> tuple[int, T]:
    """Build a room's snapshot together with the seq it corresponds to.

    The room's sequence row is locked while the snapshot is read, so no event of the room
    commits in between: the snapshot holds exactly the events up to `seq`.
    """
    check_room(room)
    with transaction.atomic():
        row = RoomSequence.objects.select_for_update().filter(room=room).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = RoomSequence.objects.create(room=room, seq=0)
            except IntegrityError:
                row = RoomSequence.objects.select_for_update().get(room=room)
        return row.seq, build()


def snapshot_frame(room: str, build: Callable[[], dict[str, Any]]) -> tuple[int, str]:
    """A snapshot as an encoded frame."""
    seq, data = snapshot(room, build)
    return seq, event_frame(room=room, type=SNAPSHOT, seq=seq, data=data)
