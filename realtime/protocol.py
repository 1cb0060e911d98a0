"""The realtime protocol: envelope, event types, commands and error codes (docs/realtime.md).

Server → client frames:
    {"type": <event type>, "room": <room>, "seq": <int>, "data": {...}}   — events and snapshots
    {"type": "ok", "in_reply_to": <client id>, "data": {...}}              — a command succeeded
    {"type": "error", "in_reply_to": <client id|null>, "code": ..., "message": ...}
Client → server frames:
    {"id": <client id, string ≤ 64>, "type": <command>, "data": {...}}
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

MAX_INCOMING_BYTES = 16 * 1024
SNAPSHOT = "snapshot"
RESYNC = "resync"
PING = "ping"

# Every event type a server may send, with what its data holds. Apps add theirs with `event_type`.
EVENT_TYPES: dict[str, str] = {
    SNAPSHOT: "The room's full state; replaces everything the client holds. data: room-specific.",
}

# Error codes a reply can carry.
ERROR_CODES: dict[str, str] = {
    "bad_json": "The frame is not a JSON object.",
    "too_large": f"The frame is over {MAX_INCOMING_BYTES} bytes.",
    "bad_request": "The frame lacks a valid id, type or data, or its data holds a NUL or a lone "
    "surrogate (no database stores them).",
    "unknown_type": "No such command in this room.",
    "forbidden": "You may not do this.",
    "invalid": "The command is not allowed in the current state; the message says why.",
    "not_found": "What the command refers to does not exist.",
    "rate_limited": "Too many commands; wait a moment.",
    "server_error": "Something failed on the server; nothing was changed.",
    "revoked": "The person may no longer be in this room (membership, role or account changed); "
    "the socket closes with 4403 right after this frame.",
}

_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_ROOM_RE = re.compile(r"^[a-z]+(\.[A-Za-z0-9_-]+)+$")


def event_type(name: str, description: str) -> str:
    """Register an event type (once, at import) and return its name."""
    EVENT_TYPES[name] = description
    return name


def check_room(room: str) -> str:
    """Return the room name if it is valid (`kind.id`), else raise ValueError."""
    if len(room) > 80 or not _ROOM_RE.match(room):
        raise ValueError(f"bad room name: {room!r}")
    return room


def group_name(room: str) -> str:
    """The channel-layer group of a room."""
    return "room." + check_room(room)


def access_group(user_id: int) -> str:
    """The channel-layer group through which a person's open sockets hear that her access changed."""
    return f"access.{int(user_id)}"


def encode(frame: dict[str, Any]) -> str:
    """Encode a frame once, as compact UTF-8 JSON text."""
    return json.dumps(frame, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def event_frame(*, room: str, type: str, seq: int, data: dict[str, Any]) -> str:
    return encode({"type": type, "room": room, "seq": seq, "data": data})


def ok_frame(in_reply_to: str, data: dict[str, Any] | None = None) -> str:
    return encode({"type": "ok", "in_reply_to": in_reply_to, "data": data or {}})


def error_frame(in_reply_to: str | None, code: str, message: str) -> str:
    assert code in ERROR_CODES, code
    return encode({"type": "error", "in_reply_to": in_reply_to, "code": code, "message": message})


@dataclass(frozen=True)
class Command:
    id: str
    type: str
    data: dict[str, Any]


class ProtocolError(Exception):
    def __init__(self, code: str, message: str, in_reply_to: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.in_reply_to = in_reply_to


MAX_DEPTH = 16  # no command needs more than a few levels


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in `value` (iteratively: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                children = item.values() if isinstance(item, dict) else item
                stack.extend((child, level + 1) for child in children)
    return deepest


def unstorable_text(value: Any) -> bool:
    """Whether a string anywhere in `value` (a key too) holds what no database column can store:
    a NUL character (PostgreSQL refuses it) or a lone surrogate (not UTF-8: every database
    refuses it). Checked where JSON comes in, so it is a clear refusal and never a 500."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or (not item.isascii() and _has_surrogate(item)):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _has_surrogate(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


UNSTORABLE_MESSAGE = "消息含有无法保存的字符（空字符或残缺的文字编码）(unstorable characters)."


def parse_command(text: str | None) -> Command:
    """Parse and validate the shape of a client frame; raise ProtocolError if it is wrong."""
    if text is None:
        raise ProtocolError("bad_json", "只接受文本帧（text frames only）.")
    if len(text.encode()) > MAX_INCOMING_BYTES:
        raise ProtocolError("too_large", "消息过长（frame too large）.")
    try:
        raw = json.loads(text)
    except ValueError:
        raise ProtocolError("bad_json", "消息不是有效的 JSON (not valid JSON).") from None
    except RecursionError:  # thousands of nested brackets fit in 16 KiB
        raise ProtocolError("bad_json", "消息嵌套过深（nested too deeply）.") from None
    if _depth(raw) > MAX_DEPTH:
        raise ProtocolError("bad_json", "消息嵌套过深（nested too deeply）.")
    if not isinstance(raw, dict):
        raise ProtocolError("bad_json", "消息必须是 JSON 对象（must be an object）.")
    cid = raw.get("id")
    cid = cid if isinstance(cid, str) and _ID_RE.match(cid) else None
    ctype, data = raw.get("type"), raw.get("data", {})
    if cid is None or not isinstance(ctype, str) or not isinstance(data, dict):
        raise ProtocolError(
            "bad_request", "消息需要 id、type 与 data 字段（id, type, data required）.", cid
        )
    if unstorable_text(data):
        raise ProtocolError("bad_request", UNSTORABLE_MESSAGE, cid)
    return Command(id=cid, type=ctype, data=data)
