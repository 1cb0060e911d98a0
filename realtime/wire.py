"""Writing an event's websocket frame straight to daphne's sockets (the hub's fast path).

The one module that reaches into library internals, behind one switch:
`settings.FANGHUA["REALTIME_DIRECT_WRITES"]` (env `REALTIME_DIRECT_WRITES`). Off, `wire_for`
returns None and `direct_send` returns the `send` it was given, so every frame goes through the
ordinary ASGI `send` (Channels' session wrapper, daphne, autobahn, Twisted) and nothing here
runs. `make bench` measures the fan-out both ways in the same run (docs/benchmarks.md).

Daphne turns each ASGI `websocket.send` into: autobahn `sendMessage` (UTF-8 encoding, a frame
header, traffic counters, per connection) → Twisted `transport.write`, which does not write but
registers the socket with the event loop as a writer (`epoll_ctl`), writes on the next loop turn
and unregisters it again (another `epoll_ctl`). For one event sent to 1,000 connections that is
most of the fan-out's time (docs/benchmarks.md, "Fan-out"). The plain `websockets` library builds
the frame once and `send()`s it to the socket at once, registering a writer only when the kernel
buffer is full.

`RoomWire` does the same for a connection served by daphne: the hub builds the frame bytes once
per event (`text_frame`) and `RoomWire.write` sends them to the connection's socket with one
`send()`; whatever the kernel does not take at once is left to Twisted (`transport.write`), which
writes it when the socket is writable, in order. Anything unusual — not daphne, TLS, compression
or masking negotiated, autobahn's own send queue in use, the connection not open — makes
`write` return False and the caller uses the ordinary ASGI `send`, so the behaviour there is
daphne's own. `wire_for(send)` returns None for any other server (the test suite's
`WebsocketCommunicator`, uvicorn, …).

This reaches into daphne (the `send` callable is `partial(Server.handle_reply, protocol)`),
autobahn (`WebSocketServerProtocol` state and options), Twisted (`tcp.Connection` buffers) and
Channels (`InstanceSessionWrapper.real_send`), at the versions pinned in requirements.txt;
`tests/realtime/test_wire.py` checks the frames byte for byte against the `websockets` library's
and runs the path on a real daphne server, so an upgrade that changes any of it fails there.
"""

from __future__ import annotations

import functools
import logging
import struct

from channels.sessions import InstanceSessionWrapper
from django.conf import settings

log = logging.getLogger(__name__)

_OPCODE_TEXT_FIN = 0x81
# autobahn attributes `RoomWire.write` reads (set when the connection is made)
_PROTOCOL_ATTRIBUTES = (
    "state",
    "transport",
    "_perMessageCompress",
    "send_queue",
    "maskServerFrames",
    "logFrames",
    "logOctets",
    "trackedTimings",
    "maxMessagePayloadSize",
    "autoFragmentSize",
)


def enabled() -> bool:
    """Whether frames may bypass the ASGI send (the `REALTIME_DIRECT_WRITES` setting)."""
    return bool(settings.FANGHUA.get("REALTIME_DIRECT_WRITES", True))


def direct_send(send):
    """The ASGI `send` without Channels' session wrapper around it, when it is there.

    That wrapper reads the session on every message to save it on `http.response.start`; a
    websocket never sends one, so for a room it does nothing but cost: about a quarter of the
    time of each frame written during a fan-out (docs/benchmarks.md). Unchanged when direct
    writes are off.
    """
    if not enabled():
        return send
    wrapper = getattr(send, "__self__", None)
    if isinstance(wrapper, InstanceSessionWrapper) and callable(
        getattr(wrapper, "real_send", None)
    ):
        return wrapper.real_send
    return send


def text_frame(text: str) -> bytes:
    """The unmasked, unfragmented websocket frame of one text message (RFC 6455, 5.2)."""
    payload = text.encode()
    n = len(payload)
    if n <= 125:
        header = struct.pack("!BB", _OPCODE_TEXT_FIN, n)
    elif n <= 0xFFFF:
        header = struct.pack("!BBH", _OPCODE_TEXT_FIN, 126, n)
    else:
        header = struct.pack("!BBQ", _OPCODE_TEXT_FIN, 127, n)
    return header + payload


class RoomWire:
    """Writes prepared frames to one daphne websocket connection's socket."""

    __slots__ = ("connections", "open_state", "protocol", "tcp")

    def __init__(self, connections: dict, protocol, open_state: int, tcp: type) -> None:
        self.connections = connections  # daphne Server.connections: protocol → details
        self.protocol = protocol
        self.open_state = open_state
        self.tcp = tcp

    def write(self, frame: bytes) -> bool:
        """Send a frame from `text_frame`; False when this connection must use the ASGI send."""
        p = self.protocol
        details = self.connections.get(p)
        if details is None or "disconnected" in details:
            return True  # what daphne does: a closed connection's frames are dropped
        if (
            p.state != self.open_state
            or p._perMessageCompress is not None
            or p.send_queue
            or p.maskServerFrames
            or p.logFrames
            or p.logOctets
            or p.trackedTimings
            or 0 < p.maxMessagePayloadSize < len(frame) - 2
            or 0 < p.autoFragmentSize < len(frame) - 2
        ):
            return False
        t = p.transport
        if (
            not isinstance(t, self.tcp)
            or t.TLS
            or not t.connected
            or t.disconnecting
            or t._writeDisconnected
        ):
            return False
        if t._tempDataBuffer or t.offset < len(t.dataBuffer):
            t.write(frame)  # earlier bytes still wait for the socket: queue behind them
            return True
        sent = t.writeSomeData(frame)
        if sent == len(frame):
            return True
        if isinstance(sent, int) and sent >= 0:
            t.write(frame[sent:])  # the kernel buffer is full: Twisted writes the rest
        else:
            t.write(frame)  # the connection is lost; Twisted's write path reports it
        return True


def wire_for(send) -> RoomWire | None:
    """A `RoomWire` for the connection behind this ASGI `send`, when daphne serves it and
    direct writes are on."""
    if not enabled():
        return None
    if not isinstance(send, functools.partial) or len(send.args) != 1 or send.keywords:
        return None
    try:
        from autobahn.websocket.protocol import WebSocketProtocol
        from daphne.server import Server
        from daphne.ws_protocol import WebSocketProtocol as DaphneWebSocketProtocol
        from twisted.internet import tcp
    except ImportError:  # pragma: no cover - daphne is a requirement
        return None
    server = getattr(send.func, "__self__", None)
    protocol = send.args[0]
    if (
        not isinstance(server, Server)
        or getattr(send.func, "__func__", None) is not Server.handle_reply
        or not isinstance(protocol, DaphneWebSocketProtocol)
        or not isinstance(getattr(server, "connections", None), dict)
        or not all(hasattr(protocol, name) for name in _PROTOCOL_ATTRIBUTES)
    ):
        return None
    return RoomWire(server.connections, protocol, WebSocketProtocol.STATE_OPEN, tcp.Connection)
