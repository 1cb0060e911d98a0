"""The websocket consumer every room builds on: auth, snapshot, deltas, commands, presence.

An app subclasses `RoomConsumer` and fills in `authorize` (which room, or refuse),
`build_snapshot` (sync, reads through the app's selectors) and `handlers` (command type →
sync function calling the app's service). Only this package imports Channels.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Callable
from typing import Any, ClassVar

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError

from realtime import presence
from realtime.db import db_call
from realtime.hub import get_hub
from realtime.loops import stop_if_cancelled
from realtime.protocol import (
    PING,
    RESYNC,
    ProtocolError,
    error_frame,
    ok_frame,
    parse_command,
)
from realtime.publish import snapshot_frame
from realtime.wire import direct_send, text_frame, wire_for

log = logging.getLogger(__name__)
PRESENCE_DEBOUNCE = 0.5  # seconds: a burst of joins makes one presence event
CLOSE_FORBIDDEN = 4403


class PresenceHeartbeat:
    """Refreshes the presence rows of all of a process's connections with one query per beat."""

    def __init__(self) -> None:
        self.channels: set[str] = set()
        self._task: asyncio.Task | None = None

    def add(self, channel_name: str) -> None:
        self.channels.add(channel_name)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())

    def discard(self, channel_name: str) -> None:
        self.channels.discard(channel_name)
        if not self.channels and self._task is not None:
            self._task.cancel()
            self._task = None

    async def beat(self) -> None:
        if self.channels:
            await db_call(presence.heartbeat_many)(channel_names=sorted(self.channels))

    async def _run(self) -> None:
        while True:
            stop_if_cancelled()
            await asyncio.sleep(settings.FANGHUA.get("PRESENCE_HEARTBEAT", 30))
            try:
                await self.beat()
            except Exception:
                stop_if_cancelled()  # a cancellation turned into another error: stop
                log.exception("presence heartbeat failed")


_heartbeats: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PresenceHeartbeat] = (
    weakref.WeakKeyDictionary()
)


def get_heartbeat() -> PresenceHeartbeat:
    """The presence heartbeat of the running event loop (one per process in production)."""
    loop = asyncio.get_running_loop()
    beat = _heartbeats.get(loop)
    if beat is None:
        beat = _heartbeats[loop] = PresenceHeartbeat()
    return beat


def error_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return ";".join(str(m) for m in exc.messages)
    return str(exc) or "不允许此操作。"


class RoomConsumer(AsyncWebsocketConsumer):
    """A connection to one room."""

    # command type → name of a sync method taking (user, data) and returning a dict or None
    handlers: ClassVar[dict[str, str]] = {}
    track_presence: ClassVar[bool] = True
    rate_per_second: ClassVar[float] = 10.0
    rate_burst: ClassVar[int] = 20

    room: str | None = None
    wire = None  # realtime.wire.RoomWire when daphne serves the connection

    async def __call__(self, scope, receive, send):
        # No per-connection channel: rooms are fanned out by the process hub (realtime.hub).
        self.scope = scope
        self.channel_layer = None
        self.channel_name = f"conn.{id(self)}.{time.monotonic_ns()}"
        # With REALTIME_DIRECT_WRITES on: no session wrapper for frames, and daphne's socket
        # (realtime.wire); off: the ASGI send as given.
        self.base_send = direct_send(send)
        self.wire = wire_for(self.base_send)
        try:
            while True:  # one source of messages: no need for Channels' await_many_dispatch
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def dispatch(self, message) -> None:
        # Channels' dispatch first runs `close_old_connections` on the database thread for every
        # message: a round trip to that thread before each command. `db_call` recycles the
        # connection around every call it makes, so for frames that trip is skipped.
        if message["type"] == "websocket.receive":
            await self.websocket_receive(message)
        else:
            await super().dispatch(message)

    # --- to fill in
    def authorize(self, user) -> str | None:
        """Return the room this user may join from this URL, or None to refuse. Sync."""
        raise NotImplementedError

    def build_snapshot(self) -> dict[str, Any]:
        """Return the room's full state for this user. Sync; runs with the room's seq locked."""
        raise NotImplementedError

    # --- connection life
    @property
    def user(self):
        return self.scope.get("user")

    async def connect(self) -> None:
        room = await db_call(self.authorize)(self.user)
        if room is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.room = room
        self._tokens = float(self.rate_burst)
        self._stamp = time.monotonic()
        await self.accept()
        self.hub = get_hub()
        await self.hub.join(room, self)
        await self.send_snapshot()
        if self.track_presence:
            await db_call(presence.enter)(
                room=room, user_id=self.user.pk, channel_name=self.channel_name
            )
            self._presence_changed()
            get_heartbeat().add(self.channel_name)

    async def disconnect(self, code) -> None:
        if self.room is None:
            return
        await self.hub.leave(self.room, self)
        if self.track_presence:
            get_heartbeat().discard(self.channel_name)
            await db_call(presence.leave)(channel_name=self.channel_name)
            self._presence_changed()

    def _presence_changed(self) -> None:
        room = self.room

        async def job() -> None:
            await db_call(presence.publish_presence)(room)

        self.hub.debounce(room, "presence", PRESENCE_DEBOUNCE, job)

    async def send_text(self, text: str) -> None:
        wire = self.wire
        if wire is not None and wire.write(text_frame(text)):
            return
        await self.base_send({"type": "websocket.send", "text": text})

    async def send_snapshot(self) -> None:
        """Send a full snapshot, then whatever arrived for the room after it."""
        self.hub.hold(self.room, self)
        seq, frame = await db_call(snapshot_frame)(self.room, self.build_snapshot)
        await self.send_text(frame)
        for text in self.hub.activate(self.room, self, seq):
            await self.send_text(text)

    # --- commands
    def _allow(self) -> bool:
        now = time.monotonic()
        self._tokens = min(
            self.rate_burst, self._tokens + (now - self._stamp) * self.rate_per_second
        )
        self._stamp = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    async def receive(self, text_data=None, bytes_data=None) -> None:
        try:
            command = parse_command(text_data)
        except ProtocolError as exc:
            await self.send_text(error_frame(exc.in_reply_to, exc.code, exc.message))
            return
        if not self._allow():
            await self.send_text(error_frame(command.id, "rate_limited", "操作太频繁,请稍候。"))
            return
        if command.type == PING:
            await self.send_text(ok_frame(command.id, {"pong": True}))
            return
        if command.type == RESYNC:
            await self.send_snapshot()
            await self.send_text(ok_frame(command.id))
            return
        method_name = self.handlers.get(command.type)
        if method_name is None:
            await self.send_text(
                error_frame(command.id, "unknown_type", f"未知的指令:{command.type}")
            )
            return
        method: Callable[..., dict | None] = getattr(self, method_name)
        try:
            result = await db_call(method)(self.user, command.data)
        except PermissionDenied as exc:
            frame = error_frame(command.id, "forbidden", error_message(exc))
        except ValidationError as exc:
            frame = error_frame(command.id, "invalid", error_message(exc))
        except ObjectDoesNotExist:
            frame = error_frame(command.id, "not_found", "找不到要操作的对象。")
        except Exception:
            log.exception("command %s failed in %s", command.type, self.room)
            frame = error_frame(command.id, "server_error", "服务器出错,未做任何更改。")
        else:
            frame = ok_frame(command.id, result or {})
        with contextlib.suppress(Exception):
            await self.send_text(frame)
