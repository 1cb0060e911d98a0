"""Which event loop serves this process's connections, and a stop check for long-lived tasks."""

from __future__ import annotations

import asyncio
import threading
import weakref

_lock = threading.Lock()  # the list is read from worker threads while the loop thread adds
_served: list[weakref.ref[asyncio.AbstractEventLoop]] = []


def serve(loop: asyncio.AbstractEventLoop) -> None:
    """Record a loop that serves connections (the hub does when it is created on it)."""
    with _lock:
        _served[:] = [ref for ref in _served if ref() not in (None, loop)]
        _served.append(weakref.ref(loop))


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The running loop that serves connections: the caller's own, else the latest recorded.

    In a server there is one (daphne's); a worker thread of it (a websocket command, a sync
    view, a coalesced job) and a plain thread of the process get the same. None in a process
    that serves no connection (a management command) or once that loop has stopped.
    """
    with _lock:
        loops = [loop for ref in reversed(_served) if (loop := ref()) is not None]
    try:
        own = asyncio.get_running_loop()
    except RuntimeError:
        own = None
    if own is not None:
        return own if own in loops else None
    return next((loop for loop in loops if loop.is_running()), None)


def stop_if_cancelled() -> None:
    """Raise CancelledError if the current task was asked to stop.

    For the loops of long-lived tasks (hub, presence heartbeat): a layer may turn a cancellation
    into another error (channels-redis cleans up on cancellation and may fail doing so), and on
    Python 3.11 `asyncio.wait_for` can swallow one. A task that went on looping would never
    finish, and closing its event loop would wait for it forever.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
