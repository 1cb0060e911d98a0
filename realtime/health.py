"""A real round trip through the channel layer, for /healthz."""

from __future__ import annotations

import asyncio
import uuid

from channels.layers import get_channel_layer


async def channel_layer_roundtrip(timeout: float = 2.0) -> None:
    """Send a message to a fresh channel and receive it back; raise if that fails."""
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = await layer.new_channel("health.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "health.ping", "token": token})
    message = await asyncio.wait_for(layer.receive(channel), timeout)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned a different message")
