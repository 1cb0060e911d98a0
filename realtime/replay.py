"""Commands are applied at most once: a retried command gets its first answer (docs/realtime.md).

The client's command `id` is its idempotency key: unique per command (a counter and the time)
and kept when the command is sent again after a reconnect. The process remembers, per person
and room, the last `PER_PERSON` commands for `KEEP_SECONDS` — the task that ran each one, so a
retry that arrives while the first run is still going waits for it instead of running again.
In-process only: a reconnect lands on the same daphne process in our one-process deployment; a
retry that reaches another process (or arrives after a restart) runs again, and the services'
own checks (one hand per person, one ballot per voter…) still refuse the double.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable

PER_PERSON = 200  # commands remembered per person and room
KEEP_SECONDS = 300.0  # a reconnect within five minutes is answered from memory
MAX_PEOPLE = 5000  # person-and-room pairs remembered in one process (oldest forgotten first)


class RecentCommands:
    """Bounded memory of the commands a process ran: (person, room) → key → task → frame."""

    def __init__(
        self, per_person: int = PER_PERSON, keep: float = KEEP_SECONDS, people: int = MAX_PEOPLE
    ) -> None:
        self.per_person, self.keep, self.people = per_person, keep, people
        self._seen: OrderedDict[tuple[int, str], OrderedDict[str, tuple[float, asyncio.Task]]] = (
            OrderedDict()
        )

    def earlier(self, user_id: int, room: str, key: str) -> asyncio.Task | None:
        """The run of a command with this key by this person in this room, if remembered."""
        entries = self._seen.get((user_id, room))
        if not entries or key not in entries:
            return None
        at, task = entries[key]
        if time.monotonic() - at > self.keep:
            del entries[key]
            return None
        return task

    def run(self, user_id: int, room: str, key: str, work: Awaitable[str]) -> asyncio.Task:
        """Start `work` (which returns the reply frame) and remember it under `key`."""
        task = asyncio.ensure_future(work)
        entries = self._seen.pop((user_id, room), None) or OrderedDict()
        self._seen[(user_id, room)] = entries  # most recently used last
        entries[key] = (time.monotonic(), task)
        while len(entries) > self.per_person:
            entries.popitem(last=False)
        while len(self._seen) > self.people:
            self._seen.popitem(last=False)
        return task


_memories: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RecentCommands] = (
    weakref.WeakKeyDictionary()
)


def get_recent() -> RecentCommands:
    """The command memory of the running event loop (one per process in production)."""
    loop = asyncio.get_running_loop()
    memory = _memories.get(loop)
    if memory is None:
        memory = _memories[loop] = RecentCommands()
    return memory
