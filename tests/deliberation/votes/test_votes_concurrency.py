"""Under load: 200 concurrent casts on PostgreSQL, and a burst of 500 casts makes few tally events."""

from __future__ import annotations

import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from community.roles import Role
from deliberation.models import Participation, VoteRecord
from deliberation.votes import services as sv
from realtime import coalesce
from tests.community.factories import member
from tests.conftest import need_service
from tests.deliberation.votes.factories import bulk_members, make_ballot


def _need_postgres() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs PostgreSQL: runs under `make test-pg` (DATABASE_URL=postgres://…)")
    parsed = urlparse(url)
    need_service("PostgreSQL", parsed.hostname or "127.0.0.1", parsed.port or 5432)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_200_concurrent_casts_count_each_person_exactly_once(hall):
    _need_postgres()
    assert connection.vendor == "postgresql"
    mod = member(hall, Role.MODERATOR)
    people = bulk_members(hall, 100)
    ballot = make_ballot(hall, mod, secret=False)
    attempts = [(p, c) for p in people for c in ("for", "against")]  # 200 casts, 2 per person
    random.shuffle(attempts)
    barrier = threading.Barrier(40)
    outcomes: list[str] = []
    lock = threading.Lock()

    def cast(person, choice):
        try:
            try:
                barrier.wait(timeout=10)
            except threading.BrokenBarrierError:
                pass
            sv.ballot_cast(voter=person, ballot=ballot, choices=[choice])
            result = "ok"
        except ValidationError as exc:
            result = "refused" if "已经投过票" in " ".join(exc.messages) else f"other: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    with ThreadPoolExecutor(max_workers=40) as pool:  # PostgreSQL allows 100 connections
        list(pool.map(lambda a: cast(*a), attempts))
    coalesce.flush()
    assert outcomes.count("ok") == 100, [o for o in outcomes if o.startswith("other")][:3]
    assert outcomes.count("refused") == 100
    assert Participation.objects.filter(ballot=ballot).count() == 100
    assert VoteRecord.objects.filter(ballot=ballot).count() == 100
    per_person = Participation.objects.filter(ballot=ballot).values_list("user_id", flat=True)
    assert sorted(per_person) == sorted(p.pk for p in people)
    sv.ballot_close(actor=mod, ballot=ballot)
    assert ballot.outcome["ballots"] == 100


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_500_casts_makes_a_few_tally_events_and_the_last_is_exact(hall, monkeypatch):
    mod = member(hall, Role.MODERATOR)
    people = bulk_members(hall, 500)
    ballot = make_ballot(hall, mod, secret=False, results_live=True)
    events: list[dict] = []
    real_publish = sv.publish

    def recording_publish(room, type_, data):
        if type_ == sv.EV_TALLY:
            events.append(data)
        return real_publish(room, type_, data)

    monkeypatch.setattr(sv, "publish", recording_publish)
    started = time.monotonic()
    for i, person in enumerate(people):
        sv.ballot_cast(voter=person, ballot=ballot, choices=["for" if i % 3 else "against"])
    elapsed = time.monotonic() - started
    assert coalesce.flush(timeout=10)
    # One event per window (0.25 s) at most, plus the trailing one: not one per cast.
    assert 1 <= len(events) <= elapsed / sv.TALLY_WINDOW + 2, (len(events), elapsed)
    assert len(events) < 100
    last = events[-1]
    db_for = Participation.objects.filter(ballot=ballot, named_choices=["for"]).count()
    assert last["turnout"] == 500 == VoteRecord.objects.filter(ballot=ballot).count()
    assert last["totals"]["for"] == db_for == 333
    assert last["totals"]["against"] == 167


@pytest.mark.django_db(transaction=True)
def test_hidden_results_publish_only_the_turnout(hall, monkeypatch):
    mod = member(hall, Role.MODERATOR)
    a = member(hall)
    ballot = make_ballot(hall, mod, secret=True)
    events: list[dict] = []
    monkeypatch.setattr(
        sv, "publish", lambda room, t, data: events.append(data) if t == sv.EV_TALLY else None
    )
    sv.ballot_cast(voter=a, ballot=ballot, choices=["for"])
    assert coalesce.flush()
    assert events and events[-1]["turnout"] == 1
    assert "totals" not in events[-1]


def test_coalesce_runs_once_per_window_and_again_for_late_calls():
    runs: list[float] = []
    gate = threading.Event()

    def job():
        runs.append(time.monotonic())
        gate.wait(0.3)

    for _ in range(50):
        coalesce.schedule("t", job, 0.05)
    time.sleep(0.1)  # the job is now running (held by the gate)
    coalesce.schedule("t", job, 0.05)  # arrives while running: one more run afterwards
    gate.set()
    assert coalesce.flush()
    assert len(runs) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_meeting_room_casts_tallies_and_a_close_do_not_deadlock(hall, monkeypatch):
    """Casts from the meeting room while coalesced tallies run and the moderator closes."""
    _need_postgres()
    from deliberation.meetings import selectors
    from deliberation.meetings.commands import COMMANDS
    from deliberation.meetings.protocol import apply_event
    from realtime import publish as publish_module
    from tests.deliberation.meetings.factories import (
        accepted_proposal,
        meeting_people,
        scheduled_meeting,
    )

    monkeypatch.setattr(sv, "TALLY_WINDOW", 0.01)  # tallies as often as possible
    frames: list[tuple[str, int, str]] = []
    monkeypatch.setattr(
        publish_module, "send_frame", lambda room, seq, text: frames.append((room, seq, text))
    )
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people, proposals=[accepted_proposal(hall, people["wang"])])
    mod = people["moderator"]
    voters = bulk_members(hall, 30)
    COMMANDS["open_meeting"](mod, meeting.pk, {})
    for v in voters:
        COMMANDS["check_in_member"](mod, meeting.pk, {"user_id": v.pk})
    COMMANDS["next_item"](mod, meeting.pk, {})
    seq0, start = publish_module.snapshot(
        selectors.meeting_room(meeting.pk), lambda: selectors.meeting_snapshot(meeting.pk)
    )
    COMMANDS["ballot_open"](mod, meeting.pk, {"secret": False, "results_live": True})
    outcomes: list[str] = []

    def act(i):
        try:
            if i == 20:
                COMMANDS["ballot_close"](mod, meeting.pk, {})
                return outcomes.append("closed")
            COMMANDS["ballot_cast"](voters[i], meeting.pk, {"choice": "for"})
            outcomes.append("ok")
        except ValidationError as exc:  # cast after the close
            outcomes.append("late" if "表决" in " ".join(exc.messages) else f"other: {exc}")
        except Exception as exc:  # a deadlock would land here
            outcomes.append(f"error: {exc!r}")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(act, range(len(voters))))
    assert coalesce.flush(timeout=10)
    assert not [o for o in outcomes if o.startswith(("error", "other"))], outcomes
    assert "closed" in outcomes
    room = selectors.meeting_room(meeting.pk)
    import json

    state = json.loads(json.dumps(start, default=str))
    for _room, _seq, text in sorted(f for f in frames if f[0] == room and f[1] > seq0):
        frame = json.loads(text)
        state = apply_event(state, frame["type"], frame["data"])
    fresh = json.loads(json.dumps(selectors.meeting_snapshot(meeting.pk), default=str))
    assert state["votes"] == fresh["votes"]
    assert fresh["votes"]["ballot"]["state"] == "closed"
    assert fresh["votes"]["ballot"]["turnout"] == outcomes.count("ok")
