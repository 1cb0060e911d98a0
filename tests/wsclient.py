"""Drive the real ASGI application's websockets as a logged-in person."""

from __future__ import annotations

import json

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application


@sync_to_async
def session_cookie(user) -> str:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def open_socket(path: str, user=None, origin: str = "http://127.0.0.1"):
    """Connect to `path`; return (communicator, connected, first frame or close code)."""
    headers = [(b"host", b"127.0.0.1"), (b"origin", origin.encode())]
    if user is not None:
        headers.append(
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={await session_cookie(user)}".encode())
        )
    comm = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await comm.connect(timeout=5)
    return comm, connected, code


async def receive(comm, timeout: float = 3) -> dict:
    return json.loads(await comm.receive_from(timeout=timeout))


async def receive_until(comm, type_: str, timeout: float = 3) -> dict:
    """Read frames until one of `type_` arrives (skipping e.g. presence events)."""
    while True:
        frame = await receive(comm, timeout)
        if frame["type"] == type_:
            return frame


async def command(comm, id_: str, type_: str, data: dict | None = None) -> dict:
    """Send a command and return its ok/error reply (skipping events in between)."""
    await comm.send_to(text_data=json.dumps({"id": id_, "type": type_, "data": data or {}}))
    while True:
        frame = await receive(comm)
        if frame.get("in_reply_to") == id_:
            return frame
