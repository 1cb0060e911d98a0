"""Which event loop a sync thread works for (asgiref records it for the threads it starts)."""

from __future__ import annotations

import asyncio
import os

from asgiref.sync import SyncToAsync


def caller_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop whose asgiref worker thread is calling, if any."""
    local = SyncToAsync.threadlocal
    if getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(local, "main_event_loop", None)
    return loop if loop is not None and loop.is_running() else None


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
