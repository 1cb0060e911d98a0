"""A process-local room hub: each event crosses the channel layer once per process.

Every process has one hub channel. The hub joins a room's group when its first local
connection enters the room and writes each event frame (already encoded by the publisher) to
every local connection in the room. Connections still waiting for their snapshot have their
frames buffered, then flushed after it.

An event committed in this process (a command on one of its connections, an HTTP action, a
timer) reaches the hub directly (`Hub.publish`, from `realtime.publish.send_frame`): it is
written to the local connections at once, and sent through the channel layer only for the hubs
of *other* processes (in order, by one sender task; with the in-memory layer there are none).
Events from other processes arrive through the layer; a hub skips its own. All events go
through one queue per hub and are written one after another, so every local connection gets
them in the order the hub received them.

The hub also knows whose connections it serves: it joins a person's access group
(`access.<user id>`) while it has a connection of hers, and when a service says her access
changed (`realtime.publish.access_changed`: a membership, role, admin assignment or the account)
it counts one more change for her and asks each of her local connections to re-authorise. With `REALTIME_DIRECT_WRITES` on, frames go straight
to daphne's sockets where possible (`realtime.wire`), built once per event; otherwise, and for
any other server, each connection's ASGI `send`.

The hub records the loop it runs on (`realtime.loops.serve`): sync code of the process (a
worker thread of that loop, a plain thread) finds it there, to hand committed events to the hub
(`realtime.publish`) and to coalesce bursts on it (`realtime.coalesce`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from channels.layers import InMemoryChannelLayer, get_channel_layer

from realtime import loops
from realtime.loops import stop_if_cancelled
from realtime.protocol import access_group, group_name
from realtime.wire import RoomWire, text_frame

log = logging.getLogger(__name__)
GROUP_REFRESH_SECONDS = 3600  # channels-redis forgets group members after a day
DISPATCH_BATCH = 50  # connections written per event-loop turn (docs/benchmarks.md, Fan-out)
SEND_TIMEOUT = 5.0  # seconds to hand a frame to the channel layer before giving up
_GONE: list = []  # sentinel: the connection left the room


class Connection(Protocol):
    # The connection's socket when daphne serves it (realtime.wire), else None.
    wire: RoomWire | None

    async def send_text(self, text: str) -> None: ...

    def access_changed(self) -> None:
        """The person's access changed: re-authorise (called on the hub's loop; must not block)."""


class Hub:
    batch = DISPATCH_BATCH

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel: str | None = None
        # room → connection → None when live, or the list of (seq, text) held until its snapshot
        self.rooms: dict[str, dict[Connection, list[tuple[int, str]] | None]] = {}
        self._task: asyncio.Task | None = None
        self._refresh: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        self._debounced: dict[tuple[str, str], asyncio.TimerHandle] = {}
        self._jobs: set[asyncio.Task] = set()  # strong references until each job is done
        self._inbox: deque[tuple[str, int, str]] = deque()  # events waiting to be written
        self._writer: asyncio.Task | None = None
        self._outbox: asyncio.Queue | None = None  # events for other processes' hubs
        self._sender: asyncio.Task | None = None
        # user id → that person's local connections (any room), and how often her access
        # changed while she was connected here (connections compare it on every command)
        self.people: dict[int, set[Connection]] = {}
        self.access: dict[int, int] = {}
        _every_hub.add(self)

    async def _start(self) -> None:
        if self.channel is None:
            self.channel = await self.layer.new_channel("hub.")
            self._task = asyncio.ensure_future(self._run())
            self._refresh = asyncio.ensure_future(self._refresh_groups())

    async def join(self, room: str, conn: Connection) -> None:
        """Add a connection to a room; its frames are held until `activate`."""
        async with self._lock:
            await self._start()
            if room not in self.rooms:
                self.rooms[room] = {}
                await self.layer.group_add(group_name(room), self.channel)
            self.rooms[room][conn] = []

    def hold(self, room: str, conn: Connection) -> None:
        """Hold this connection's frames again (while it is sent a fresh snapshot)."""
        if conn in self.rooms.get(room, {}):
            self.rooms[room][conn] = []

    def activate(self, room: str, conn: Connection, seq: int) -> list[str]:
        """Mark the connection live after a snapshot at `seq`; return held frames newer than it."""
        members = self.rooms.get(room, {})
        held = members.get(conn) or []
        if conn in members:
            members[conn] = None
        return [text for s, text in held if s > seq]

    async def leave(self, room: str, conn: Connection) -> None:
        async with self._lock:
            members = self.rooms.get(room)
            if members is None:
                return
            members.pop(conn, None)
            if not members:
                del self.rooms[room]
                with contextlib.suppress(Exception):
                    await self.layer.group_discard(group_name(room), self.channel)

    # --- whose connections: re-authorisation when a person's access changes
    async def watch(self, user_id: int, conn: Connection) -> None:
        """Serve this person's connection: hear about changes to her access from now on."""
        async with self._lock:
            await self._start()
            conns = self.people.get(user_id)
            if conns is None:
                conns = self.people[user_id] = set()
                await self.layer.group_add(access_group(user_id), self.channel)
            conns.add(conn)

    async def unwatch(self, user_id: int, conn: Connection) -> None:
        async with self._lock:
            conns = self.people.get(user_id)
            if conns is None:
                return
            conns.discard(conn)
            if not conns:
                del self.people[user_id]
                self.access.pop(user_id, None)
                with contextlib.suppress(Exception):
                    await self.layer.group_discard(access_group(user_id), self.channel)

    def access_version(self, user_id: int) -> int:
        """How often this person's access changed while she was connected here (O(1))."""
        return self.access.get(user_id, 0)

    def access_changed(self, user_id: int, *, forward: bool = True) -> None:
        """A person's access changed: her local connections re-authorise now; other processes'
        hubs are told through the channel layer (runs on the hub's loop)."""
        conns = self.people.get(user_id)
        if conns:
            self.access[user_id] = self.access.get(user_id, 0) + 1
            for conn in list(conns):
                try:
                    conn.access_changed()
                except Exception:  # one broken connection must not keep the others open
                    log.exception("re-authorising a connection failed")
        if forward and self._others_watch(user_id):
            message = {"type": "hub.access", "user": user_id, "origin": self.channel}
            self._send_later(access_group(user_id), message)

    def _others_watch(self, user_id: int) -> bool:
        """Whether a hub other than this one may serve a connection of this person."""
        if isinstance(self.layer, InMemoryChannelLayer):
            return any(
                hub is not self and hub.layer is self.layer and user_id in hub.people
                for hub in list(_every_hub)
            )
        return True

    def local_count(self, room: str) -> int:
        return len(self.rooms.get(room, ()))

    def debounce(self, room: str, key: str, delay: float, job: Callable[[], Awaitable]) -> None:
        """Run `job` once after `delay` seconds, however often it is asked for meanwhile."""
        if (room, key) in self._debounced:
            return
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self._debounced.pop((room, key), None)
            task = asyncio.ensure_future(job())
            self._jobs.add(task)
            task.add_done_callback(self._jobs.discard)

        self._debounced[(room, key)] = loop.call_later(delay, fire)

    # --- events in
    def publish(self, room: str, seq: int, text: str) -> None:
        """An event committed in this process: write it to the local connections now, and send
        it through the channel layer for other processes' hubs (runs on the hub's loop)."""
        if room in self.rooms:
            self._enqueue(room, seq, text)
        if self._others_listen(room):
            self._forward(room, seq, text)

    def _others_listen(self, room: str) -> bool:
        """Whether a hub other than this one may be in the room's group."""
        if isinstance(self.layer, InMemoryChannelLayer):  # one process: only hubs of this one
            return any(
                hub is not self and hub.layer is self.layer and room in hub.rooms
                for hub in list(_every_hub)
            )
        return True

    def _forward(self, room: str, seq: int, text: str) -> None:
        message = {"type": "hub.frame", "room": room, "seq": seq, "text": text}
        self._send_later(group_name(room), {**message, "origin": self.channel})

    def _send_later(self, group: str, message: dict[str, Any]) -> None:
        if self._outbox is None:
            self._outbox = asyncio.Queue()
            self._sender = asyncio.ensure_future(self._send_out())
        self._outbox.put_nowait((group, message))

    async def _send_out(self) -> None:
        """Hand events to the channel layer one at a time, so they leave in order."""
        while True:
            stop_if_cancelled()
            group, message = await self._outbox.get()
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
                # cancellation that races the send's completion, and this loop would then run
                # on after its event loop asked it to stop (a hang when the loop closes).
                async with asyncio.timeout(SEND_TIMEOUT):
                    await self.layer.group_send(group, message)
            except asyncio.CancelledError:
                raise
            except Exception:  # the data is committed; clients resync on the next gap
                stop_if_cancelled()
                log.exception("could not send %s to the channel layer", message.get("room", group))

    async def _run(self) -> None:
        while True:
            stop_if_cancelled()
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                stop_if_cancelled()
                log.exception("hub receive failed; retrying")
                await asyncio.sleep(1)
                continue
            if message.get("origin") == self.channel:
                continue
            if message.get("type") == "hub.frame":
                self._enqueue(message["room"], message["seq"], message["text"])
            elif message.get("type") == "hub.access":
                self.access_changed(message["user"], forward=False)

    # --- events out
    def _enqueue(self, room: str, seq: int, text: str) -> None:
        self._inbox.append((room, seq, text))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._write_all())

    async def _write_all(self) -> None:
        while self._inbox:
            room, seq, text = self._inbox.popleft()
            try:
                await self.dispatch(room, seq, text)
            except Exception:
                log.exception("fan-out of %s#%s failed", room, seq)

    async def dispatch(self, room: str, seq: int, text: str) -> None:
        """Write one encoded frame to every local connection in the room.

        Writes go out in batches of `batch` connections with a turn of the event loop between
        them, so that incoming frames are not kept waiting behind a large room. Each
        connection's state is read when its turn comes: it may have left, or been sent its
        snapshot, during an earlier batch. A connection with a `wire` (daphne) is sent the
        frame bytes built once for all; the others get the text through their ASGI `send`.
        """
        members = self.rooms.get(room)
        if not members:
            return
        order = list(members)
        frame: bytes | None = None
        for start in range(0, len(order), self.batch):
            if start:
                await asyncio.sleep(0)
            for conn in order[start : start + self.batch]:
                held = members.get(conn, _GONE)
                if held is None:
                    wire = getattr(conn, "wire", None)
                    if wire is not None:
                        if frame is None:
                            frame = text_frame(text)
                        if _write(conn, wire, frame):
                            continue
                    try:
                        await conn.send_text(text)
                    except Exception:  # a broken connection must not stop the others
                        log.debug("send to a closed connection failed", exc_info=True)
                elif held is not _GONE:
                    held.append((seq, text))

    async def _refresh_groups(self) -> None:
        while True:
            stop_if_cancelled()
            await asyncio.sleep(GROUP_REFRESH_SECONDS)
            groups = [group_name(room) for room in list(self.rooms)]
            groups += [access_group(user_id) for user_id in list(self.people)]
            for group in groups:
                with contextlib.suppress(Exception):
                    await self.layer.group_add(group, self.channel)


def _write(conn: Any, wire: RoomWire, frame: bytes) -> bool:
    """Send the frame through the connection's wire; False to use its ASGI send instead."""
    try:
        return wire.write(frame)
    except Exception:  # not expected: use daphne's own path for this connection from now on
        log.exception("direct socket write failed; falling back to the ASGI send")
        conn.wire = None
        return False


_every_hub: weakref.WeakSet[Hub] = weakref.WeakSet()  # this process's, for the in-memory layer
_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """The hub of the running event loop (one per process in production)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub()
        loops.serve(loop)
    return hub


def hub_of(loop: asyncio.AbstractEventLoop) -> Hub | None:
    """The hub of that event loop, if it has one (callable from any thread)."""
    return _hubs.get(loop)
