"""What a room command costs: a small, fixed number of queries, whatever the size of the room.

The hot commands (check-in, the speaker queue, the timer, the agenda) run for every tap in a
meeting of hundreds. Each reads the meeting once (locked, with its hall and people), the floor
once, writes only what changed and takes the room's seq — so a regression (a section built
twice, a query per person, the floor read again) changes these figures and fails here.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deliberation.meetings.commands import COMMANDS
from deliberation.models import Meeting, Speech, SpeechState
from tests.deliberation.meetings.factories import (
    checked_in,
    crowd,
    meeting_people,
    scheduled_meeting,
)

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 60


def statements(queries: CaptureQueriesContext) -> list[str]:
    """The SQL a command ran, without the savepoints of its (nested) transaction."""
    return [q["sql"] for q in queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]


def reads_of(sql: list[str], table: str) -> int:
    return sum(1 for s in sql if s.startswith("SELECT") and f'FROM "{table}"' in s)


@pytest.fixture(params=[SMALL, LARGE], ids=["3 present", "60 present"])
def room(request, hall):
    """An open meeting on its first item: `n` people checked in, half of them with a hand up,
    one of them speaking. Everyone who acts below has acted once (their roles are cached on
    their user, as for a person connected to the room)."""
    n = request.param
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people, free_items=("甲", "乙", "丙"))
    mod = people["moderator"]
    run = lambda who, name, **data: COMMANDS[name](who, meeting.pk, data)  # noqa: E731
    run(mod, "open_meeting")
    run(mod, "next_item")
    present = crowd(hall, n)
    checked_in(meeting, [*present, people["wang"]])
    hands = present[: max(2, n // 2)]
    Speech.objects.bulk_create(
        Speech(
            meeting=meeting,
            item_id=meeting.items.order_by("order")[0].pk,
            user=user,
            stance="for" if i % 2 else "against",
            position=i + 1,
        )
        for i, user in enumerate(hands)
    )
    run(mod, "give_floor")
    run(people["wang"], "raise_hand", stance="for")
    run(people["wang"], "lower_hand")
    return people, meeting, run


def cost(run, who, name, **data) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run(who, name, **data)
    return statements(queries)


def test_set_checkin_is_three_statements(room):
    """Lock and load the meeting, change it, take the room's seq."""
    people, meeting, run = room
    sql = cost(run, people["moderator"], "set_checkin", open=False)
    assert len(sql) == 3, sql
    assert sql[1].startswith('UPDATE "deliberation_meeting" SET "checkin_open"')
    meeting.refresh_from_db()
    assert meeting.checkin_open is False


def test_a_hand_raised_costs_the_same_in_any_room(room):
    """Meeting, floor (one read), the person's check-in, the new hand, the seq."""
    people, _meeting, run = room
    sql = cost(run, people["wang"], "raise_hand", stance="against")
    assert len(sql) == 5, sql
    assert reads_of(sql, "deliberation_speech") == 1  # the floor is read once


def test_giving_the_floor_costs_the_same_in_any_room(room):
    """Meeting, floor, the current speech ended, the next one started, the seq."""
    people, meeting, run = room
    sql = cost(run, people["moderator"], "give_floor")
    assert len(sql) == 5, sql
    assert reads_of(sql, "deliberation_speech") == 1
    assert Speech.objects.filter(meeting=meeting, state=SpeechState.SPEAKING).count() == 1


@pytest.mark.parametrize(
    "name,data,n",
    [
        ("extend_speech", {"seconds": 30}, 4),  # meeting, floor, the deadline, the seq
        ("end_speech", {}, 4),
        ("lower_hand", {}, 4),
    ],
)
def test_timer_and_queue_commands_cost_the_same_in_any_room(room, name, data, n):
    people, _meeting, run = room
    who = people["moderator"]
    if name == "lower_hand":
        run(people["wang"], "raise_hand", stance="for")
        who = people["wang"]
    sql = cost(run, who, name, **data)
    assert len(sql) == n, sql
    assert reads_of(sql, "deliberation_speech") == 1


def test_reordering_the_queue_is_one_update_whatever_its_length(room):
    people, meeting, run = room
    waiting = list(
        Speech.objects.filter(meeting=meeting, state=SpeechState.WAITING).values_list(
            "pk", flat=True
        )
    )
    sql = cost(run, people["moderator"], "reorder_queue", order=waiting[::-1])
    assert len(sql) == 4, sql  # meeting, floor, one UPDATE for every moved hand, the seq


def test_moving_an_agenda_item_reads_the_agenda_once(room):
    people, meeting, run = room
    second = meeting.items.order_by("order")[1]
    sql = cost(run, people["moderator"], "move_item", item_id=second.pk, direction="down")
    assert len(sql) == 4, sql  # meeting, agenda, one UPDATE of both items, the seq
    assert reads_of(sql, "deliberation_agendaitem") == 1
    assert [i.title for i in meeting.items.order_by("order")] == ["甲", "丙", "乙"]


def test_checking_someone_in_costs_the_same_in_any_room(room):
    """Meeting, overdue check, the person and their membership, the check-in, the attendance
    section (check-ins and electorate), the seq — one query for all check-ins, not one each."""
    people, _meeting, run = room
    sql = cost(run, people["moderator"], "check_in_member", user_id=people["zhang"].pk)
    assert len(sql) == 8, sql
    assert reads_of(sql, "deliberation_checkin") == 1


@pytest.mark.parametrize("name", ["set_checkin", "raise_hand", "give_floor", "move_item"])
def test_a_command_on_a_meeting_that_is_gone_is_not_found_and_changes_nothing(hall, name):
    """The command table does not load the meeting: the service's lock finds it missing."""
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people)
    gone = meeting.pk + 1000
    with pytest.raises(Meeting.DoesNotExist):
        COMMANDS[name](people["moderator"], gone, {"open": True, "stance": "for", "item_id": 1})
    meeting.refresh_from_db()
    assert meeting.checkin_open is False
