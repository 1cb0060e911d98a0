"""A process-local room hub: each event crosses the channel layer once per process.

Every process has one hub channel. The hub joins a room's group when its first local
connection enters the room, receives each event frame once (already encoded by the
publisher) and writes that same text to every local connection in the room. Connections
still waiting for their snapshot have their frames buffered, then flushed after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Protocol

from channels.layers import get_channel_layer

from realtime.protocol import group_name

log = logging.getLogger(__name__)
GROUP_REFRESH_SECONDS = 3600  # channels-redis forgets group members after a day
DISPATCH_BATCH = 50  # connections written per event-loop turn (docs/benchmarks.md, Fan-out)
_GONE: list = []  # sentinel: the connection left the room


class Connection(Protocol):
    async def send_text(self, text: str) -> None: ...


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

    async def _run(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("hub receive failed; retrying")
                await asyncio.sleep(1)
                continue
            if message.get("type") == "hub.frame":
                await self.dispatch(message["room"], message["seq"], message["text"])

    async def dispatch(self, room: str, seq: int, text: str) -> None:
        """Write one encoded frame to every local connection in the room.

        Writes go out in batches of `batch` connections with a turn of the event loop between
        them, so the server's socket writes for the first batch happen while the rest are being
        queued (daphne only writes to a socket on its next loop turn), instead of every socket
        waiting until all are queued. Each connection's state is read when its turn comes: it
        may have left, or been sent its snapshot, during an earlier batch.
        """
        members = self.rooms.get(room)
        if not members:
            return
        order = list(members)
        for start in range(0, len(order), self.batch):
            if start:
                await asyncio.sleep(0)
            for conn in order[start : start + self.batch]:
                held = members.get(conn, _GONE)
                if held is None:
                    try:
                        await conn.send_text(text)
                    except Exception:  # a broken connection must not stop the others
                        log.debug("send to a closed connection failed", exc_info=True)
                elif held is not _GONE:
                    held.append((seq, text))

    async def _refresh_groups(self) -> None:
        while True:
            await asyncio.sleep(GROUP_REFRESH_SECONDS)
            for room in list(self.rooms):
                with contextlib.suppress(Exception):
                    await self.layer.group_add(group_name(room), self.channel)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """The hub of the running event loop (one per process in production)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub()
    return hub
