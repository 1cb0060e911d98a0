"""Coalesce bursts: run a function at most once per window per key, after the burst.

`schedule(key, fn, delay)` starts a timer for `key` unless one is already waiting; when it
fires, `fn()` runs once, so every call made during the window is served by that one run. A
call that arrives while `fn` is running schedules one more run after it, so the last state is
always published. `fn` should read the current state itself (e.g. counts from the database)
rather than carry it from the first call.

The timers live on an event loop: the one the process hub runs on (`realtime.loops.server_loop`,
recorded by `realtime.hub` when it starts), so a server coalesces on the loop that serves its
connections; in a process that serves none (a management command, a sync test) they live on one
loop of this module's own, in a daemon thread. `fn` is sync: it
runs in a worker thread of that loop (`sync_to_async`, not thread-sensitive, so a tally never
waits behind the websockets' database thread), with Django's `close_old_connections` around it.
`schedule` and `flush` may be called from any thread; only public asyncio and asgiref calls
are used.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections

from realtime.loops import server_loop

log = logging.getLogger(__name__)


class Coalescer:
    """The coalescing timers of one event loop; `schedule` may be called from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = weakref.ref(loop)  # weak: a closed loop (a finished test) may go
        self._lock = threading.Lock()  # the state is read and changed from several threads
        self._waiting: set[str] = set()
        self._running: set[str] = set()
        self._again: dict[str, tuple[Callable[[], None], float]] = {}
        self._jobs: set[asyncio.Task] = set()  # strong references until each run is done
        _coalescers.add(self)

    def schedule(self, key: str, fn: Callable[[], None], delay: float) -> None:
        """Run `fn` once, `delay` seconds from now, unless a run for `key` is already waiting."""
        with self._lock:
            if key in self._waiting:
                return
            if key in self._running:
                self._again[key] = (fn, delay)
                return
            self._waiting.add(key)
        loop = self.loop
        loop.call_soon_threadsafe(loop.call_later, delay, self._fire, key, fn)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        loop = self._loop()
        if loop is None:
            raise RuntimeError("the coalescer's event loop is gone")
        return loop

    def pending(self) -> int:
        """How many keys wait, run or will run again (0 while the loop is stopped or closed)."""
        loop = self._loop()
        if loop is None or loop.is_closed() or not loop.is_running():
            return 0  # its timers cannot fire (a finished test's loop); running jobs: `_active`
        with self._lock:
            return len(self._waiting) + len(self._running) + len(self._again)

    def _fire(self, key: str, fn: Callable[[], None]) -> None:
        with self._lock:
            self._waiting.discard(key)
            self._running.add(key)
        task = self.loop.create_task(self._run(key, fn))
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    async def _run(self, key: str, fn: Callable[[], None]) -> None:
        try:
            await sync_to_async(_run_job, thread_sensitive=False)(fn)
        except Exception:
            log.exception("coalesced job %s failed", key)
        finally:
            with self._lock:
                self._running.discard(key)
                again = self._again.pop(key, None)
            if again is not None:
                self.schedule(key, *again)


_active_lock = threading.Lock()
_active = 0  # jobs running in worker threads now, whatever became of their loop


def _run_job(fn: Callable[[], None]) -> None:
    global _active
    with _active_lock:
        _active += 1
    try:
        close_old_connections()
        fn()
    finally:
        # A worker thread of the loop, any of several: it keeps no connection between jobs, even
        # where connections persist (SQLite's CONN_MAX_AGE), so none is left in an idle thread.
        connections.close_all()
        with _active_lock:
            _active -= 1


_coalescers: weakref.WeakSet[Coalescer] = weakref.WeakSet()
_lock = threading.Lock()
_of_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Coalescer] = (
    weakref.WeakKeyDictionary()
)
_own: Coalescer | None = None


def coalescer_of(loop: asyncio.AbstractEventLoop) -> Coalescer:
    """The coalescer whose timers live on that loop (callable from any thread)."""
    with _lock:
        coalescer = _of_loop.get(loop)
        if coalescer is None:
            coalescer = _of_loop[loop] = Coalescer(loop)
        return coalescer


def _own_coalescer() -> Coalescer:
    """The coalescer of this module's own loop, started on first use (no hub in the process)."""
    global _own
    with _lock:
        if _own is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="coalesce", daemon=True).start()
            _own = Coalescer(loop)  # the thread keeps the loop alive
        return _own


def schedule(key: str, fn: Callable[[], None], delay: float = 0.3) -> None:
    """Run `fn` once, `delay` seconds from now, unless a run for `key` is already waiting."""
    loop = server_loop()
    coalescer = coalescer_of(loop) if loop is not None else _own_coalescer()
    coalescer.schedule(key, fn, delay)


def pending() -> int:
    """How many keys are waiting or running (tests wait for this to reach 0).

    A job still running in a worker thread counts even when its loop has closed (a finished
    test's), so that nothing touches the database after `flush` says it is done."""
    with _active_lock:
        active = _active
    return max(sum(c.pending() for c in list(_coalescers)), active)


def flush(timeout: float = 5.0) -> bool:
    """Wait until nothing is waiting or running; return whether that happened in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pending() == 0:
            return True
        time.sleep(0.02)
    return pending() == 0
