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
