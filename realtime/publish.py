"""Publish-on-commit: the one way services send events to rooms."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import IntegrityError, transaction
from django.db.models import F

from realtime.loops import caller_loop
from realtime.models import RoomSequence
from realtime.protocol import SNAPSHOT, check_room, event_frame, group_name

log = logging.getLogger(__name__)
SEND_TIMEOUT = 5.0  # seconds to hand a frame to the channel layer before giving up
T = TypeVar("T")


def _next_seq(room: str) -> int:
    if not RoomSequence.objects.filter(room=room).update(seq=F("seq") + 1):
        try:
            with transaction.atomic():
                RoomSequence.objects.create(room=room, seq=1)
                return 1
        except IntegrityError:  # created concurrently
            RoomSequence.objects.filter(room=room).update(seq=F("seq") + 1)
    return RoomSequence.objects.values_list("seq", flat=True).get(room=room)


def current_seq(room: str) -> int:
    """The room's last seq (0 when nothing was ever published)."""
    return RoomSequence.objects.filter(room=room).values_list("seq", flat=True).first() or 0


def publish(room: str, type: str, data: dict[str, Any]) -> int:
    """Take the room's next seq inside the current transaction; send the event after commit.

    A rolled-back transaction sends nothing and leaves the seq untouched.
    """
    check_room(room)
    with transaction.atomic():
        seq = _next_seq(room)
        frame = event_frame(room=room, type=type, seq=seq, data=data)
        transaction.on_commit(lambda: send_frame(room, seq, frame))
    return seq


def send_frame(room: str, seq: int, frame: str) -> None:
    """Hand an encoded frame to the channel layer (once per process, see realtime.hub)."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "hub.frame", "room": room, "seq": seq, "text": frame}
    loop = caller_loop()
    try:
        if loop is None:  # a management command or a plain thread: a loop of our own
            async_to_sync(layer.group_send)(group_name(room), message)
            return
        # A worker thread of the server's loop: hand the send to that loop, but never wait
        # forever — while the server shuts down its loop stops and would never answer.
        future = asyncio.run_coroutine_threadsafe(layer.group_send(group_name(room), message), loop)
        future.result(timeout=SEND_TIMEOUT)
    except Exception:  # the data is committed; clients resync on the next gap
        log.exception("could not send %s#%s to the channel layer", room, seq)


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
