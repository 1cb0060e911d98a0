"""The websocket consumer every room builds on: auth, snapshot, deltas, commands, presence.

An app subclasses `RoomConsumer` and fills in `authorize` (which room, or refuse),
`build_snapshot` (sync, reads through the app's selectors) and `handlers` (command type →
sync function calling the app's service). Only this package imports Channels.

Powers end when they are taken away: `authorize` runs again, on the person's account and roles
read afresh, as soon as a service says her access changed (`realtime.publish.access_changed`,
through the hub), before the first command after that, and at least every
`REALTIME_REAUTHORIZE_SECONDS` before a command. A room she may no longer see is closed with
4403 after an error frame `revoked` giving the reason; otherwise her commands run with her new
roles, and the services refuse what she may no longer do.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
import weakref
from collections.abc import Callable
from typing import Any, ClassVar

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy

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
from realtime.replay import get_recent
from realtime.wire import direct_send, text_frame, wire_for

log = logging.getLogger(__name__)
PRESENCE_DEBOUNCE = 0.5  # seconds: a burst of joins makes one presence event
CLOSE_FORBIDDEN = 4403
REAUTHORIZE_SECONDS = 60.0  # default of settings.FANGHUA["REALTIME_REAUTHORIZE_SECONDS"]


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


NOT_ALLOWED = gettext_lazy("不允许此操作。")
NOT_FOUND = gettext_lazy("找不到要操作的对象。")
SERVER_ERROR = gettext_lazy("服务器出错，未做任何更改。")
RATE_LIMITED = gettext_lazy("操作太频繁，请稍候。")
UNKNOWN_TYPE = gettext_lazy("未知的指令：%(type)s")


def error_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return ";".join(str(m) for m in exc.messages)
    return str(exc) or str(NOT_ALLOWED)


def scope_language(scope) -> str:
    """The language the person chose for the site (its cookie), else the site's own."""
    chosen = (scope.get("cookies") or {}).get(settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class RoomConsumer(AsyncWebsocketConsumer):
    """A connection to one room."""

    # command type → name of a sync method taking (user, data) and returning a dict or None
    handlers: ClassVar[dict[str, str]] = {}
    track_presence: ClassVar[bool] = True
    rate_per_second: ClassVar[float] = 10.0
    rate_burst: ClassVar[int] = 20

    # Why the room closes when the person may no longer be in it (a room may say it its way).
    revoked_message: ClassVar[Any] = gettext_lazy(
        "您的成员身份或角色已经变更，不能再留在这里，连接已关闭。"
    )
    account_closed_message: ClassVar[Any] = gettext_lazy("您的账户已注销或已停用，连接已关闭。")
    # Added to a refusal once the person's access changed while this socket was open.
    changed_note: ClassVar[Any] = gettext_lazy(
        "（您的角色或成员身份刚刚变更，相应的权限已经收回。）"
    )

    room: str | None = None
    wire = None  # realtime.wire.RoomWire when daphne serves the connection
    hub = None
    _uid: int | None = None  # the person, while the hub tells this connection about her access
    _revoked = False  # closed because the person may no longer be here: frames are ignored
    _access_changed = False  # her access changed while this socket was open

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
        self.hub = get_hub()
        user = self.user
        if user is not None and user.is_authenticated:
            # Listen before reading her roles: a change that commits meanwhile is not missed.
            self._uid = user.pk
            await self.hub.watch(self._uid, self)
            self._access_seen = self.hub.access_version(self._uid)
        self._authorised_at = time.monotonic()
        self._reauth_every = settings.FANGHUA.get(
            "REALTIME_REAUTHORIZE_SECONDS", REAUTHORIZE_SECONDS
        )
        self._reauth_lock = asyncio.Lock()
        self._reauth_tasks: set[asyncio.Task] = set()
        room = await db_call(self.authorize)(user)
        if room is None:
            await self._unwatch()
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.room = room
        self._tokens = float(self.rate_burst)
        self._stamp = time.monotonic()
        await self.accept()
        await self.hub.join(room, self)
        await self.send_snapshot()
        if self.track_presence:
            await db_call(presence.enter)(
                room=room, user_id=self.user.pk, channel_name=self.channel_name
            )
            self._presence_changed()
            get_heartbeat().add(self.channel_name)
        if self._reauthorize_due():  # her access changed while she was connecting
            await self.reauthorize()

    async def disconnect(self, code) -> None:
        await self._leave_room()
        await self._unwatch()

    async def _unwatch(self) -> None:
        if self._uid is not None and self.hub is not None:
            await self.hub.unwatch(self._uid, self)
            self._uid = None

    async def _leave_room(self) -> None:
        """Stop the room's frames and presence for this connection (once)."""
        room, self.room = self.room, None
        if room is None:
            return
        await self.hub.leave(room, self)
        if self.track_presence:
            get_heartbeat().discard(self.channel_name)
            await db_call(presence.leave)(channel_name=self.channel_name)
            self._presence_changed(room)
        await self.left_room(room)

    async def left_room(self, room: str) -> None:
        """Called once this connection has left its room (closed, or the person was removed)."""

    # --- re-authorisation (docs/realtime.md, "Powers end when they are taken away")
    def access_changed(self) -> None:
        """Called by the hub when a service said this person's access changed."""
        if self.room is None or self._revoked:
            return  # still connecting: `connect` checks the count when it is done
        # A context of its own (not the caller's): it runs like a command of this connection.
        loop = asyncio.get_running_loop()
        task = loop.create_task(self._reauthorize_now(), context=contextvars.Context())
        self._reauth_tasks.add(task)
        task.add_done_callback(self._reauth_tasks.discard)

    async def _reauthorize_now(self) -> None:
        try:
            await self.reauthorize()
        except Exception:
            log.exception("re-authorising a connection to %s failed", self.room)

    def _reauthorize_due(self) -> bool:
        """Whether her access changed since it was last checked, or the check is old (O(1))."""
        if self._uid is None:
            return False
        if self.hub.access_version(self._uid) != self._access_seen:
            return True
        return time.monotonic() - self._authorised_at >= self._reauth_every

    def _authorize_again(self) -> tuple[Any, str | None]:
        """The person's account read afresh (no roles cached on it), and the room it may join."""
        user = get_user_model()._default_manager.filter(pk=self._uid).first()
        if user is None or not user.is_active:
            return None, None
        return user, self.authorize(user)

    async def reauthorize(self, in_reply_to: str | None = None) -> bool:
        """Check the room again with the person's account and roles as they are now.

        Returns False, having closed the room (4403, after an error frame `revoked` that names
        `in_reply_to`), when she may no longer be here; True otherwise, her commands from now on
        running with her current roles.
        """
        async with self._reauth_lock:
            if self._revoked or self.room is None:
                return not self._revoked
            if not self._reauthorize_due():  # done meanwhile by another call
                return True
            version = self.hub.access_version(self._uid)
            changed = version != self._access_seen
            user, room = await db_call(self._authorize_again)()
            self._access_seen, self._authorised_at = version, time.monotonic()
            if user is None:
                await self.revoke(self.account_closed_message, in_reply_to)
                return False
            if room != self.room:
                await self.revoke(self.revoked_message, in_reply_to)
                return False
            self.scope["user"] = user
            self._access_changed = self._access_changed or changed
            return True

    def say(self, message, **values) -> str:
        """One of the room's own messages (a lazy text) in the person's language."""
        with translation.override(scope_language(self.scope)):
            return str(message) % values if values else str(message)

    async def revoke(self, message, in_reply_to: str | None = None) -> None:
        """Close the room for this person: say why, stop its frames, close with 4403."""
        if self._revoked:
            return
        self._revoked = True
        await self._leave_room()
        await self._unwatch()
        with contextlib.suppress(Exception):
            await self.send_text(error_frame(in_reply_to, "revoked", self.say(message)))
        with contextlib.suppress(Exception):
            await self.close(code=CLOSE_FORBIDDEN)

    def _presence_changed(self, room: str | None = None) -> None:
        room = room or self.room

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
        if self._revoked:  # closing: the reason was sent
            return
        try:
            command = parse_command(text_data)
        except ProtocolError as exc:
            await self.send_text(error_frame(exc.in_reply_to, exc.code, exc.message))
            return
        if not self._allow():
            await self.send_text(error_frame(command.id, "rate_limited", self.say(RATE_LIMITED)))
            return
        if command.type == PING:
            await self.send_text(ok_frame(command.id, {"pong": True}))
            return
        if self._reauthorize_due() and not await self.reauthorize(command.id):
            return  # refused with the reason, and the room closed
        if command.type == RESYNC:
            await self.send_snapshot()
            await self.send_text(ok_frame(command.id))
            return
        method_name = self.handlers.get(command.type)
        if method_name is None:
            await self.send_text(
                error_frame(command.id, "unknown_type", self.say(UNKNOWN_TYPE, type=command.type))
            )
            return
        uid = getattr(self.user, "pk", None)
        if uid is None:  # no person to remember commands for
            frame = await self._run_command(method_name, command)
        else:
            # The same key again (a retry after a reconnect): the first answer, not a second run.
            memory = get_recent()
            task = memory.earlier(uid, self.room, command.id)
            if task is None:
                task = memory.run(
                    uid, self.room, command.id, self._run_command(method_name, command)
                )
            frame = await asyncio.shield(task)  # runs to its end even if this socket closes
        with contextlib.suppress(Exception):
            await self.send_text(frame)

    async def _run_command(self, method_name: str, command) -> str:
        """Run a command's handler; return the reply frame (ok, or the error saying why)."""
        method: Callable[..., dict | None] = getattr(self, method_name)
        try:
            result = await db_call(method)(self.user, command.data)
        except PermissionDenied as exc:
            message = error_message(exc)
            if self._access_changed:
                message += self.say(self.changed_note)
            return error_frame(command.id, "forbidden", message)
        except ValidationError as exc:
            return error_frame(command.id, "invalid", error_message(exc))
        except ObjectDoesNotExist:
            return error_frame(command.id, "not_found", self.say(NOT_FOUND))
        except Exception:
            log.exception("command %s failed in %s", command.type, self.room)
            return error_frame(command.id, "server_error", self.say(SERVER_ERROR))
        return ok_frame(command.id, result or {})
