"""Database calls from websocket code, on one long-lived connection.

Channels' `database_sync_to_async` runs every database call of every consumer on one shared
thread (asgiref's thread-sensitive executor: Channels consumers run in no `ThreadSensitiveContext`)
and, with `CONN_MAX_AGE = 0`, opens and closes a connection around each call. On SQLite in WAL
mode, closing the last connection checkpoints the log and the next write recreates it; on
PostgreSQL each call pays a new connection. That cost sat in front of every event a moderator's
action publishes (measured: 4–20 ms, see docs/benchmarks.md). `db_call` keeps that thread's
connection open for up to `KEEP_SECONDS` — one connection per server process — and still closes
it the usual way when it is broken or was left in a transaction.

HTTP requests are untouched: Django runs each in a thread of its own, where a kept connection
would leak, so `CONN_MAX_AGE` stays 0 for them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from asgiref.sync import SyncToAsync
from django.db import connections

KEEP_SECONDS = 60.0
_RAW = "_realtime_kept_raw"


def recycle_connections() -> None:
    """`close_old_connections`, except that a connection opened here lives `KEEP_SECONDS`."""
    for conn in connections.all(initialized_only=True):
        raw = conn.connection
        if raw is not None and conn.close_at is not None and getattr(conn, _RAW, None) is not raw:
            setattr(conn, _RAW, raw)  # first seen: the connection was opened just now
            conn.close_at = max(conn.close_at, time.monotonic() + KEEP_SECONDS)
        conn.close_if_unusable_or_obsolete()


class _RealtimeSyncToAsync(SyncToAsync):
    def thread_handler(self, loop, *args: Any, **kwargs: Any) -> Any:
        recycle_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            recycle_connections()


def db_call(func: Callable[..., Any]) -> Callable[..., Any]:
    """Like `channels.db.database_sync_to_async`, keeping the thread's connection open."""
    return _RealtimeSyncToAsync(func, thread_sensitive=True)


def close_kept_connection(timeout: float = 10) -> None:
    """Close the connection `db_call` keeps, from sync code outside the event loop (the test
    suite does after each test, so the test database can be flushed and dropped)."""
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout)
