"""A tiny ASGI app for tests/realtime/test_wire.py, served by a real daphne subprocess.

Frames go out through `realtime.wire` and through the ordinary ASGI `send`, interleaved, behind
Channels' session middleware (as every room is), so the test sees whether the direct socket path
is taken under daphne and keeps frames whole and in order.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from channels.sessions import SessionMiddlewareStack  # noqa: E402

from realtime.wire import direct_send, text_frame, wire_for  # noqa: E402


async def room(scope, receive, send):
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    send = direct_send(send)
    wire = wire_for(send)
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": "wire" if wire else "no wire"})
    while True:
        message = await receive()
        if message["type"] != "websocket.receive":
            return
        # "burst N SIZE": N frames of SIZE characters, alternating wire and ASGI send
        _, n, size = message["text"].split()
        for i in range(int(n)):
            text = f"{i:06d}" + "议" * (int(size) - 6)
            if i % 2 and wire is not None and wire.write(text_frame(text)):
                continue
            await send({"type": "websocket.send", "text": text})


application = SessionMiddlewareStack(room)
