"""A bare ASGI app for daphne that fans a frame out itself: what daphne can do at best.

`bench/fanout.py --daphne-raw` measures it next to the app and the floor, to tell how much of
the app's time is daphne's own per-connection send (Twisted + autobahn) and how much is ours
(channel layer, hub, consumer, the moderator's database transaction). No Django, no auth.
Participants connect to `/`, the trigger to `/moderator` (same orders as bench/floor_server.py);
the frame is sent to 50 connections per event-loop turn, like realtime.hub.
"""

from __future__ import annotations

import asyncio
import json

from bench.floor_server import frame_of_size

BATCH = 50
connections: dict = {}


async def application(scope, receive, send):
    if scope["type"] != "websocket":
        return
    if (await receive())["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    connections[send] = None
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                break
            if scope["path"] == "/moderator" and message.get("text"):
                order = json.loads(message["text"])
                frame = {
                    "type": "websocket.send",
                    "text": frame_of_size(order["round"], order["size"]),
                }
                targets = list(connections)
                for start in range(0, len(targets), BATCH):
                    if start:
                        await asyncio.sleep(0)
                    for target in targets[start : start + BATCH]:
                        await target(frame)
                await send({"type": "websocket.send", "text": '{"type":"ok"}'})
    finally:
        connections.pop(send, None)
