"""Fuzzing a websocket room with hypothesis: the frames, and a socket driven from sync tests.

Hypothesis runs synchronous test functions; a room's socket lives on an event loop of its own
(`Room`), so one socket serves every example of a test (opening one per example would cost a
snapshot each). After each fuzzed frame a `ping` with a known id follows it: everything that
arrives before the pong is the room's answer to the fuzzed frame.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connections
from hypothesis import strategies as st

from realtime.coalesce import coalescer_of
from realtime.protocol import ERROR_CODES, MAX_INCOMING_BYTES
from tests.wsclient import open_socket, receive

# Every key a command of any room reads (deliberation/meetings/commands.py, forum/consumers.py).
KNOWN_KEYS = [
    "agree",
    "base_version",
    "body",
    "budget_minutes",
    "choice",
    "choices",
    "comment_id",
    "direction",
    "item_id",
    "kind",
    "majority_rule",
    "max_choices",
    "open",
    "options",
    "order",
    "parent_id",
    "proposal_id",
    "results_live",
    "role",
    "seconds",
    "secret",
    "speech_id",
    "stance",
    "title",
    "token",
    "user_id",
    "voters",
    "votes",
]

HUGE_INTS = [2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**100, -(10**100)]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(HUGE_INTS)
    | st.floats()  # NaN and ±Infinity too: Python's json reads them back
    | st.text(max_size=40)
    | st.sampled_from(["", "for", "against", "up", "down", "moderator", "recorder", "x" * 3000])
    | st.sampled_from(
        ["\x00", "a\x00b", "\ud800", "x\udfffy", "\u202e", "<script>"]
    )  # NUL, lone surrogates
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
command_data = st.dictionaries(
    st.sampled_from(KNOWN_KEYS) | st.text(max_size=8), json_values, max_size=5
)
client_ids = st.from_regex(r"[A-Za-z0-9_.:-]{1,64}", fullmatch=True)
bad_ids = st.none() | st.integers() | st.text(max_size=80) | st.lists(st.integers(), max_size=2)


def deep(n: int, opener: str = "[", closer: str = "]") -> str:
    return opener * n + closer * n


def _nested_in_data(n: int) -> str:
    inner = deep(n)
    return '{"id":"deep","type":"ping","data":{"x":' + inner + "}}"


def wire_text(value: Any) -> str:
    """JSON text as a websocket carries it: UTF-8, so a lone surrogate travels as `\\udXXX`."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode()
    except UnicodeEncodeError:
        return json.dumps(value)
    return text


_KEY_READ = re.compile(r'data(?:\.get\(|\[|, )"(\w+)"')


def keys_read_by(function: Callable) -> list[str]:
    """The keys of `data` a command handler reads (`data.get("k")`, `data["k"]`, `_int(data, "k")`)."""
    return sorted(set(_KEY_READ.findall(inspect.getsource(function))))


def command_frames(types: list[str], keys: list[str] = ()) -> st.SearchStrategy[tuple[str, str]]:
    """Well-formed envelopes of the room's own commands; their data holds any of `keys` (the
    ones the command reads) with fuzzed values, and sometimes other keys."""
    data = st.fixed_dictionaries({}, optional={k: json_values for k in keys}) | command_data
    return st.fixed_dictionaries(
        {"id": client_ids, "type": st.sampled_from(types), "data": data}
    ).map(lambda f: ("text", wire_text(f)))


def malformed_frames() -> st.SearchStrategy[tuple[str, str | bytes]]:
    """(kind, payload): every other sort of frame a client could send, as text or bytes."""
    text = st.one_of(
        st.fixed_dictionaries(  # an envelope with a made-up command, or a built-in one
            {
                "id": client_ids,
                "type": st.sampled_from(["ping", "resync"]) | st.text(max_size=12),
                "data": command_data,
            }
        ).map(wire_text),
        st.fixed_dictionaries(  # an envelope with fields of the wrong type
            {"id": client_ids | bad_ids, "type": json_values, "data": json_values}
        ).map(json.dumps),
        json_values.map(json.dumps),  # not an object, or an object without the envelope
        st.text(max_size=200),  # mostly not JSON at all
        st.integers(MAX_INCOMING_BYTES // 4, 8000).map(deep),  # past any recursion limit
        st.integers(17, 400).map(lambda n: deep(n, '{"a":', "}").replace('{"a":}', '{"a":1}')),
        st.integers(17, 3000).map(_nested_in_data),
        st.integers(MAX_INCOMING_BYTES - 40, 4 * MAX_INCOMING_BYTES).map(
            lambda n: json.dumps({"id": "big", "type": "ping", "data": {"p": "芳" * (n // 3)}})
        ),
    )
    return st.one_of(
        text.map(lambda t: ("text", t)), st.binary(max_size=300).map(lambda b: ("bytes", b))
    )


class ErrorLog(logging.Handler):
    """Collects every record at ERROR or above (a traceback in the log is a failure)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def _until(done: Callable[[], bool], timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not done() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)


class Room:
    """One open socket on an event loop of its own, for synchronous (hypothesis) tests."""

    def __init__(self, path: str, user) -> None:
        self.loop = asyncio.new_event_loop()
        self.comm, ok, code = self.run(open_socket(path, user))
        assert ok, f"{path} refused the connection ({code})"
        assert self.run(receive(self.comm))["type"] == "snapshot"
        self.probes = 0

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def exchange(self, kind: str, payload: str | bytes) -> list[dict[str, Any]]:
        """Send one frame, then a ping; return the frames that came before the pong."""

        async def go() -> list[dict[str, Any]]:
            # send_input, not send_to: an empty frame is a frame too
            key = "bytes" if kind == "bytes" else "text"
            await self.comm.send_input({"type": "websocket.receive", key: payload})
            self.probes += 1
            probe = f"probe-{self.probes}"
            await self.comm.send_to(text_data=json.dumps({"id": probe, "type": "ping", "data": {}}))
            got = []
            while True:
                # A crashed consumer raises here; a socket closed (1011 or any code) fails the
                # `websocket.send` assertion of receive_from.
                frame = await receive(self.comm, timeout=10)
                if frame.get("in_reply_to") == probe:
                    assert frame == {"type": "ok", "in_reply_to": probe, "data": {"pong": True}}
                    return got
                got.append(frame)

        return self.run(go())

    def close(self) -> None:
        self.run(self.comm.disconnect())
        # Jobs the commands coalesced (realtime.coalesce) run on this loop and in its worker
        # threads: let them finish before the loop goes, or one would still be reading while
        # the test database is flushed (on PostgreSQL a SELECT and the TRUNCATE can deadlock).
        coalescer = coalescer_of(self.loop)
        self.run(_until(lambda: coalescer.pending() == 0, timeout=10))
        self.run(self.loop.shutdown_default_executor())
        # asgiref's executor thread keeps its connection (PostgreSQL would not drop the test DB)
        self.run(sync_to_async(connections.close_all)())
        self.loop.close()


def the_answer(frames_: list[dict[str, Any]]) -> dict[str, Any]:
    """The one ok/error reply among the frames (events and snapshots may come with it)."""
    replies = [f for f in frames_ if f["type"] in ("ok", "error")]
    assert len(replies) == 1, replies
    reply = replies[0]
    if reply["type"] == "error":
        assert reply["code"] in ERROR_CODES and reply["code"] != "server_error", reply
        assert isinstance(reply["message"], str) and reply["message"]
    return reply
