"""The authorisation matrix over websockets: every room × every role, and every command of each
room's command table × every role that gets in.

Who may enter a room is declared in ROOMS below. A command answers as the same command over HTTP
does (test_http_matrix.py's TABLE, rows `POST /api/v1/meetings/{meeting_id}/actions/{action}:…`,
and the proposal's comment, react and second): where HTTP refuses a role, the socket must answer
`forbidden` (or `not_found`); where HTTP allows it, the socket must not answer `forbidden`. The
rooms' state moves on as allowed roles act, so for each command the refused roles go first.
"""

from __future__ import annotations

import json
import re

import pytest

from deliberation.meetings.commands import COMMANDS
from forum.consumers import ProposalConsumer
from realtime.consumers import RoomConsumer
from tests.matrix.cases import meeting_command_data
from tests.matrix.test_http_matrix import COLUMNS, EXPECTED, parse
from tests.matrix.world import ROLES, build_world
from tests.wsclient import open_socket

pytestmark = [pytest.mark.django_db(transaction=True)]

# Who gets into each room: A let in (a snapshot follows), D refused (closed with 4403).
ROOMS = parse(
    """
                                     an ou ap re me vo rc mo ex hd ca sa su oh
    WS /ws/halls/{hall}/             D  D  D  A  A  A  A  A  A  A  A  A  A  D
    WS /ws/me/                       D  A  A  A  A  A  A  A  A  A  A  A  A  A
    WS /ws/proposals/{collecting}/   D  D  D  A  A  A  A  A  A  A  A  A  A  D
    WS /ws/meetings/{live_meeting}/  D  D  D  A  A  A  A  A  A  A  A  A  A  D
    WS /ws/ballots/{open_ballot}/    D  D  D  A  A  A  A  A  A  A  A  A  A  D
    """
)
assert len(COLUMNS) == len(ROLES)

# The proposal room's commands and the HTTP rows that answer for them.
PROPOSAL_COMMANDS = {
    "comment": ("POST /api/v1/proposals/{pk}/comments", {"body": "好"}),
    "react": ("POST /api/v1/comments/{pk}/react", {"agree": True}),
    "second": ("POST /api/v1/proposals/{pk}/second", {}),
}


def test_every_room_and_command_has_a_row():
    """A new websocket route or room command without a row fails here."""
    from config.routing import websocket_urlpatterns

    routes = {
        re.sub(r"<(?:\w+:)?\w+>", "{}", str(p.pattern))
        for p in websocket_urlpatterns
        if str(p.pattern) not in ("", "^")  # the catch-all answering 4404
    }
    rows = {re.sub(r"\{\w+\}", "{}", row.split()[1].lstrip("/")) for row in ROOMS}
    assert routes == rows, (
        f"rooms without a row: {routes - rows}; rows without a room: {rows - routes}"
    )
    consumers = {"meeting": set(COMMANDS), "proposal": set(ProposalConsumer.handlers)}
    assert consumers["proposal"] == set(PROPOSAL_COMMANDS), "a proposal-room command has no row"
    assert set(meeting_command_data({k: 0 for k in _IDS})) == set(COMMANDS)


_IDS = (
    "checkin_token",
    "helper2",
    "last_item",
    "speech",
    "minutes_version",
)


async def _reply(comm, cid: str, type_: str, data: dict) -> dict:
    await comm.send_to(text_data=json.dumps({"id": cid, "type": type_, "data": data}))
    while True:
        frame = json.loads(await comm.receive_from(timeout=5))
        if frame.get("in_reply_to") == cid:
            return frame


def _judge(role: str, expected: str, frame: dict, what: str) -> str | None:
    code = "ok" if frame["type"] == "ok" else frame.get("code")
    if expected in ("D", "L", "N") and code not in ("forbidden", "not_found"):
        return f"{what}: {role} expected a refusal, got {code}"
    if expected in ("A", "V") and code == "forbidden":
        return f"{what}: {role} allowed over HTTP, refused on the socket"
    return None


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_world()


async def test_rooms_and_their_commands_for_every_role(world, monkeypatch):
    monkeypatch.setattr(RoomConsumer, "rate_burst", 1000)  # a burst of commands, not a flood
    ids = world.ids
    wrong: list[str] = []

    async def connect(path: str, role: str):
        comm, ok, _code = await open_socket(path, world.people[role])
        if ok:
            await comm.receive_from(timeout=5)  # the snapshot
        return comm if ok else None

    for row, by_role in ROOMS.items():
        path = row.split()[1].format(**ids)
        for role in ROLES:
            comm = await connect(path, role)
            got = "A" if comm is not None else "D"
            if got != by_role[role]:
                wrong.append(f"{row}: {role} expected {by_role[role]}, got {got}")
            if comm is not None:
                await comm.disconnect()

    # Meeting-room commands, each to the meeting its HTTP row acts on.
    commands = meeting_command_data(ids)
    sockets: dict[tuple[str, str], object] = {}
    for name, (meeting_key, data) in commands.items():
        row = EXPECTED[f"POST /api/v1/meetings/{{meeting_id}}/actions/{{action}}:{name}"]
        order = sorted(ROLES, key=lambda r: row[r] in ("A", "V"))  # refused roles first
        for role in order:
            if ROOMS["WS /ws/meetings/{live_meeting}/"][role] != "A":
                continue
            key = (role, meeting_key)
            if key not in sockets:
                sockets[key] = await connect(f"/ws/meetings/{ids[meeting_key]}/", role)
            frame = await _reply(sockets[key], f"{name}-{role}", name, data)
            problem = _judge(role, row[role], frame, f"meeting {name}")
            if problem:
                wrong.append(problem)
    for comm in sockets.values():
        await comm.disconnect()

    # Proposal-room commands.
    path = f"/ws/proposals/{ids['collecting']}/"
    for name, (http_row, data) in PROPOSAL_COMMANDS.items():
        row = EXPECTED[http_row]
        if name == "react":
            data = {**data, "comment_id": ids["comment"]}
        order = sorted(ROLES, key=lambda r: row[r] in ("A", "V"))
        for role in order:
            if ROOMS["WS /ws/proposals/{collecting}/"][role] != "A":
                continue
            comm = await connect(path, role)
            frame = await _reply(comm, f"{name}-{role}", name, data)
            await comm.disconnect()
            problem = _judge(role, row[role], frame, f"proposal {name}")
            if problem:
                wrong.append(problem)
    assert not wrong, "\n".join(wrong)
