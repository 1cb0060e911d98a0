"""The room protocol's promise: a snapshot plus the events after it equals a fresh snapshot."""

from __future__ import annotations

import contextlib
import json
import random

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError

from deliberation.meetings import selectors
from deliberation.meetings.commands import COMMANDS
from deliberation.meetings.protocol import apply_event, comparable
from realtime import coalesce
from realtime import publish as publish_module
from tests.deliberation.meetings.factories import (
    accepted_proposal,
    meeting_people,
    scheduled_meeting,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def frames(monkeypatch):
    """Every frame the services send, in order (instead of the channel layer)."""
    sent: list[dict] = []
    monkeypatch.setattr(
        publish_module, "send_frame", lambda room, seq, text: sent.append(json.loads(text))
    )
    return sent


def snapshot_now(meeting_id: int) -> tuple[int, dict]:
    room = selectors.meeting_room(meeting_id)
    seq, data = publish_module.snapshot(room, lambda: selectors.meeting_snapshot(meeting_id))
    return seq, json.loads(json.dumps(data, default=str))


def replay(start: dict, seq: int, frames: list[dict], room: str) -> dict:
    state = start
    for f in sorted(
        (f for f in frames if f["room"] == room and f["seq"] > seq), key=lambda f: f["seq"]
    ):
        state = apply_event(state, f["type"], f["data"])
    return state


def random_step(rng: random.Random, people: dict, meeting, state: dict, late: bool) -> None:
    queue = state["floor"]["queue"]
    agenda = state["agenda"]
    choices = [
        ("moderator", "open_meeting", {}),
        ("moderator", "set_checkin", {"open": rng.random() < 0.8}),
        ("moderator", "next_item", {}),
        ("moderator", "give_floor", {}),
        ("moderator", "end_speech", {}),
        ("moderator", "extend_speech", {"seconds": 30}),
        (
            "recorder",
            "save_minutes",
            {"body": f"记录 {rng.random()}", "base_version": state["minutes"]["version"]},
        ),
        ("wang", "lower_hand", {}),
    ]
    for who in ("wang", "zhang", "liu", "head"):
        choices.append((who, "raise_hand", {"stance": rng.choice(["for", "against", "order"])}))
        choices.append((who, "check_in", {"token": meeting.checkin_token}))
        choices.append(("moderator", "check_in_member", {"user_id": people[who].pk}))
    if queue:
        choices.append(("moderator", "remove_hand", {"speech_id": rng.choice(queue)["id"]}))
        ids = [h["id"] for h in queue]
        rng.shuffle(ids)
        choices.append(("moderator", "reorder_queue", {"order": ids}))
    pending = [i for i in agenda if i["state"] == "pending"]
    if pending:
        item = rng.choice(pending)
        choices.append(
            (
                "moderator",
                "move_item",
                {"item_id": item["id"], "direction": rng.choice(["up", "down"])},
            )
        )
        choices.append(
            (
                "moderator",
                "set_budget",
                {"item_id": item["id"], "budget_minutes": rng.randint(5, 30)},
            )
        )
    # votes on the current item (refused when there is no item / an open vote, and so on)
    choices.append(
        (
            "moderator",
            "ballot_open",
            {"secret": rng.random() < 0.5, "results_live": rng.random() < 0.7},
        )
    )
    choices.append(("moderator", "ballot_close", {}))
    n = rng.randint(0, 2)
    choices.append(("moderator", "hand_count", {"voters": n, "votes": {"for": n}}))
    for who in ("wang", "zhang", "liu", "head"):
        choices.append((who, "ballot_cast", {"choice": rng.choice(["for", "against", "abstain"])}))
    if late and rng.random() < 0.1:
        choices.append(("moderator", "close_meeting", {}))
    who, name, data = rng.choice(choices)
    try:
        COMMANDS[name](people[who], meeting.pk, data)
    except (ValidationError, PermissionDenied, ObjectDoesNotExist):
        pass


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_snapshot_plus_events_equals_a_fresh_snapshot(hall, frames, seed):
    rng = random.Random(seed)
    people = meeting_people(hall)
    proposals = [accepted_proposal(hall, people["wang"], f"议题{i}") for i in range(2)]
    meeting = scheduled_meeting(hall, people, proposals=proposals, free_items=("其他", "临时动议"))
    room = selectors.meeting_room(meeting.pk)
    starts = []
    state = snapshot_now(meeting.pk)[1]
    for step in range(90):
        if step % 10 == 0:
            starts.append(snapshot_now(meeting.pk))
        if step == 3:  # make sure the walk reaches a live meeting
            for name in ("open_meeting", "next_item"):
                with contextlib.suppress(ValidationError):
                    COMMANDS[name](people["moderator"], meeting.pk, {})
        else:
            random_step(rng, people, meeting, state, late=step > 40)
        coalesce.flush()  # the coalesced tally of the votes reaches the room
        state = snapshot_now(meeting.pk)[1]
    fresh_seq, fresh = snapshot_now(meeting.pk)
    assert {f["type"] for f in frames} >= {
        "item.opened",
        "floor.changed",
        "attendance.changed",
        "votes.changed",
    }
    ballot_states = {
        (f["data"]["votes"]["ballot"] or {}).get("state") for f in frames if "votes" in f["data"]
    }
    assert "open" in ballot_states  # the walk reached a vote
    for seq, start in starts:
        assert seq < fresh_seq
        assert comparable(replay(start, seq, frames, room)) == comparable(fresh)


def test_a_rolled_back_command_sends_nothing(hall, frames):
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people)
    before = len(frames)
    with pytest.raises(PermissionDenied):
        COMMANDS["open_meeting"](people["wang"], meeting.pk, {})
    with pytest.raises(ValidationError):
        COMMANDS["next_item"](people["moderator"], meeting.pk, {})  # not open yet
    assert len(frames) == before
