"""Coalesce bursts: run a function at most once per window per key, after the burst (per process).

`schedule(key, fn, delay)` starts a timer for `key` unless one is already waiting; when it
fires, `fn()` runs once on the timer thread, so every call made during the window is served by
that one run. A call that arrives while `fn` is running schedules one more run, so the last
state is always published. `fn` should read the current state itself (e.g. counts from the
database) rather than carry it from the first call. The thread's database connection is closed
after each run.

When `schedule` is called from a thread that asgiref started for an event loop (a sync view or
a websocket handler under daphne), `fn` runs with that loop as asgiref's main loop, so
`async_to_sync(channel_layer.…)` inside it goes through the loop that owns the layer (needed by
the in-memory layer; harmless with Redis).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from asgiref.sync import SyncToAsync

from realtime.loops import caller_loop

log = logging.getLogger(__name__)

_lock = threading.Lock()
_waiting: dict[str, threading.Timer] = {}
_running: set[str] = set()
_again: dict[str, tuple[Callable[[], None], float]] = {}


def schedule(key: str, fn: Callable[[], None], delay: float = 0.3) -> None:
    """Run `fn` once, `delay` seconds from now, unless a run for `key` is already waiting."""
    with _lock:
        if key in _waiting:
            return
        if key in _running:
            _again[key] = (fn, delay)
            return
        timer = threading.Timer(delay, _run, args=(key, fn, caller_loop()))
        timer.daemon = True
        _waiting[key] = timer
    timer.start()


def _run(key: str, fn: Callable[[], None], loop=None) -> None:
    with _lock:
        _waiting.pop(key, None)
        _running.add(key)
    try:
        if loop is not None and loop.is_running():
            SyncToAsync.threadlocal.main_event_loop = loop
            SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()
        fn()
    except Exception:
        log.exception("coalesced job %s failed", key)
    finally:
        from django.db import connections

        connections.close_all()
        with _lock:
            _running.discard(key)
            again = _again.pop(key, None)
        if again is not None:
            schedule(key, *again)


def pending() -> int:
    """How many keys are waiting or running (tests wait for this to reach 0)."""
    with _lock:
        return len(_waiting) + len(_running) + len(_again)


def flush(timeout: float = 5.0) -> bool:
    """Wait until nothing is waiting or running; return whether that happened in time."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pending() == 0:
            return True
        time.sleep(0.02)
    return pending() == 0
