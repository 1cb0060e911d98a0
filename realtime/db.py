"""Database calls from websocket code.

`db_call` is Channels' `database_sync_to_async`: the function runs on the thread that asgiref
keeps for thread-sensitive code, with Django's `close_old_connections` before and after it.
Connections are not kept by hand: on PostgreSQL they come from Django's connection pool
(`DATABASES["default"]["OPTIONS"]["pool"]`, psycopg 3; `CONN_MAX_AGE` is 0), so each call
borrows one and gives it back; on SQLite each call opens the file and closes it again.
"""

from __future__ import annotations

from channels.db import database_sync_to_async

db_call = database_sync_to_async
