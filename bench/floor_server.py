"""The floor: a plain `websockets` server that fans a frame out with `websockets.broadcast()`.

Run by bench/fanout.py as a subprocess: `python -m bench.floor_server --port P`.
Participants connect to `/`; the trigger connects to `/moderator` and sends
`{"round": r, "size": bytes}`; the server builds one frame of exactly `size` UTF-8 bytes, shaped
like the app's event frame, broadcasts it to every connection (the trigger's included, as the
moderator is in the room in the app), then replies `{"type": "ok"}` to the trigger.
No compression, like daphne (autobahn accepts no permessage-deflate offer by default).
"""

from __future__ import annotations

import argparse
import asyncio
import json

import websockets
from websockets.asyncio.server import broadcast, serve


def frame_of_size(round_: int, size: int) -> str:
    """An event frame like the app's, padded with text to exactly `size` UTF-8 bytes."""

    def encode(text: str) -> str:
        data = {"round": round_, "text": text}
        frame = {"type": "bench.announce", "room": "floor.1", "seq": round_, "data": data}
        return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))

    missing = max(0, size - len(encode("").encode()))
    return encode("议" * (missing // 3) + "x" * (missing % 3))


async def main(port: int) -> None:
    connections: set = set()

    async def handler(ws) -> None:
        connections.add(ws)
        try:
            if ws.request.path == "/moderator":
                async for message in ws:
                    order = json.loads(message)
                    broadcast(connections, frame_of_size(order["round"], order["size"]))
                    await ws.send('{"type":"ok"}')
            else:
                await ws.wait_closed()
        finally:
            connections.discard(ws)

    async with serve(
        handler, "127.0.0.1", port, compression=None, ping_interval=None, max_size=2**24
    ):
        print("floor server ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    try:
        asyncio.run(main(args.port))
    except (KeyboardInterrupt, websockets.ConnectionClosed):
        pass
