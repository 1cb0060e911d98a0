"""Every websocket room answers any frame with a reply, never a crash (issue 11, "every defence
is a test"): arbitrary JSON, wrong types, huge integers, unknown commands, deep nesting, binary
and oversize frames. Each fuzzed frame must get exactly one `ok` or `error` reply with a known
code (never `server_error`), the socket must stay open (no 1011), nothing may be logged at ERROR
(no traceback), and a command answered with an error must leave the room's state as it was.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community.roles import Role
from deliberation.meetings import selectors as meeting_selectors
from deliberation.meetings import services as meeting_services
from deliberation.meetings.commands import COMMANDS
from forum import services as forum_services
from forum.consumers import ProposalConsumer
from forum.models import Comment, ProposalState
from realtime.consumers import RoomConsumer
from tests.community.factories import HallFactory, member
from tests.deliberation.meetings.factories import (
    accepted_proposal,
    meeting_people,
    scheduled_meeting,
)
from tests.deliberation.votes.factories import make_ballot
from tests.forum.factories import proposal as make_proposal
from tests.security.wsfuzz import (
    ErrorLog,
    Room,
    command_frames,
    keys_read_by,
    malformed_frames,
    the_answer,
)

pytestmark = [pytest.mark.django_db(transaction=True)]

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # the same examples on every run and machine
    derandomize=True,
)
ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@pytest.fixture(autouse=True)
def no_rate_limit(monkeypatch):
    """The fuzzer sends two frames per example, far above a person's 10 a second."""
    monkeypatch.setattr(RoomConsumer, "rate_per_second", 1e9)
    monkeypatch.setattr(RoomConsumer, "rate_burst", 10**9)


@pytest.fixture
def error_log():
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def sent_id(kind: str, payload) -> str | None:
    """The id a reply must name, when the frame is a JSON object with a valid one."""
    if kind != "text":
        return None
    try:
        raw = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    if isinstance(raw, dict) and isinstance(raw.get("id"), str) and ID_RE.match(raw["id"]):
        return raw["id"]
    return None


def check(room: Room, kind: str, payload, state, error_log: ErrorLog) -> dict:
    """Send the frame; assert one reply, no crash, no logged error, no change after an error."""
    before = state()
    reply = the_answer(room.exchange(kind, payload))
    expected = sent_id(kind, payload)
    if expected is not None and reply.get("code") not in ("bad_json", "too_large"):
        assert reply["in_reply_to"] == expected
    if reply["type"] == "error":
        assert state() == before, f"{reply} yet the state changed"
    assert not error_log.records, [r.getMessage() for r in error_log.records]
    return reply


# --- the meeting room ---------------------------------------------------------------------------


def _meeting_state(meeting_id: int):
    def state() -> dict:
        snap = meeting_selectors.meeting_snapshot(meeting_id)
        snap.pop("server_now")
        snap.pop("presence")
        return snap

    return state


@pytest.fixture
def meeting_room(db):
    hall = HallFactory()
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people, proposals=[accepted_proposal(hall, people["wang"])])
    mod = people["moderator"]
    meeting_services.meeting_open(actor=mod, meeting=meeting)
    meeting_services.meeting_set_checkin(actor=mod, meeting=meeting, open=True)
    for who in ("wang", "zhang", "moderator"):
        meeting_services.meeting_check_in_member(actor=mod, meeting=meeting, user_id=people[who].pk)
    meeting_services.meeting_open_item(actor=mod, meeting=meeting)
    meeting_services.hand_raise(user=people["wang"], meeting=meeting, stance="for")
    room = Room(f"/ws/meetings/{meeting.pk}/", mod)
    yield room, _meeting_state(meeting.pk)
    room.close()


# Every command that reads its data (a new one is fuzzed as soon as it is in the table). Those
# that read none (open_meeting, next_item, close_meeting, …) have nothing to fuzz, and closing
# the meeting would leave every later example a closed room; the room's own tests cover them.
MEETING_TYPES = sorted(name for name, handler in COMMANDS.items() if keys_read_by(handler))


@pytest.mark.parametrize("command", MEETING_TYPES)
@settings(FUZZ, max_examples=20)
@given(data=st.data())
def test_the_meeting_room_answers_every_command(meeting_room, error_log, command, data):
    room, state = meeting_room
    frame = data.draw(command_frames([command], keys_read_by(COMMANDS[command])))
    check(room, *frame, state, error_log)


@given(frame=malformed_frames())
@FUZZ
def test_the_meeting_room_answers_every_malformed_frame(meeting_room, error_log, frame):
    room, state = meeting_room
    reply = check(room, *frame, state, error_log)
    if reply["type"] == "ok":  # only ping and resync
        assert set(reply["data"]) <= {"pong"}


# --- the proposal room --------------------------------------------------------------------------


@pytest.fixture
def proposal_room(db):
    hall = HallFactory()
    author = member(hall, Role.MEMBER)
    resident = member(hall)
    p = make_proposal(hall, author, state=ProposalState.COLLECTING)
    forum_services.comment_post(author=author, proposal=p, body="第一条意见", stance="for")

    def state() -> dict:
        p.refresh_from_db()
        return {
            "proposal": (p.state, p.second_count, p.comment_count),
            "comments": list(
                Comment.objects.filter(proposal=p)
                .order_by("pk")
                .values_list("pk", "body", "agree_count", "stance")
            ),
        }

    room = Room(f"/ws/proposals/{p.pk}/", resident)
    yield room, state
    room.close()


@pytest.mark.parametrize("command", sorted(ProposalConsumer.handlers))
@settings(FUZZ, max_examples=40)
@given(data=st.data())
def test_the_proposal_room_answers_every_command(proposal_room, error_log, command, data):
    room, state = proposal_room
    handler = getattr(ProposalConsumer, ProposalConsumer.handlers[command])
    check(room, *data.draw(command_frames([command], keys_read_by(handler))), state, error_log)


# --- rooms that only listen: the hall, a person's own room, a ballot ---------------------------


@pytest.fixture(params=["hall", "me", "ballot"])
def listening_room(request, db):
    hall = HallFactory()
    mod = member(hall, Role.MODERATOR)
    path = {
        "hall": lambda: f"/ws/halls/{hall.pk}/",
        "me": lambda: "/ws/me/",
        "ballot": lambda: f"/ws/ballots/{make_ballot(hall, mod).pk}/",
    }[request.param]()
    room = Room(path, mod)
    yield room
    room.close()


@given(frame=malformed_frames())
@settings(FUZZ, max_examples=25)
def test_listening_rooms_answer_every_frame(listening_room, error_log, frame):
    reply = check(listening_room, *frame, dict, error_log)
    if reply["type"] == "ok":  # only ping and resync exist here
        assert set(reply["data"]) <= {"pong"}
