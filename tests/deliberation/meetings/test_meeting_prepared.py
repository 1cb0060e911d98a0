"""The meeting loaded by a query compiled once (deliberation/meetings/prepared.py) is the ORM's."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from deliberation.meetings import selectors
from deliberation.meetings.commands import COMMANDS
from deliberation.models import Meeting
from tests.deliberation.meetings.factories import meeting_people, scheduled_meeting

pytestmark = pytest.mark.django_db


def values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def same_as_the_orm(pk: int, loaded: Meeting) -> None:
    orm = Meeting.objects.select_related(*selectors.MEETING_RELATED).get(pk=pk)
    assert values(loaded) == values(orm)
    assert not loaded._state.adding and loaded._state.db == orm._state.db
    for name in (
        "hall",
        "moderator",
        "recorder",
        "moderator_confirmed_by",
        "recorder_confirmed_by",
    ):
        assert Meeting._meta.get_field(name).is_cached(loaded) or getattr(orm, name) is None
        mine, theirs = getattr(loaded, name), getattr(orm, name)
        assert (mine is None) == (theirs is None)
        if mine is not None:
            assert values(mine) == values(theirs)
    assert values(loaded.hall.compound) == values(orm.hall.compound)
    assert values(loaded.hall.compound.community) == values(orm.hall.compound.community)


def test_the_prepared_meeting_is_the_orms_with_all_its_relations(hall):
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people)
    with CaptureQueriesContext(connection) as queries:
        loaded = selectors.load_meeting(meeting.pk)
        loaded.hall.compound.community.name, loaded.moderator.display_name  # noqa: B018
    assert len(queries) == 1  # everything in one query, nothing loaded lazily afterwards
    same_as_the_orm(meeting.pk, loaded)
    # nullable relations set, dates and booleans through the database's converters
    Meeting.objects.filter(pk=meeting.pk).update(
        moderator_confirmed_by=people["moderator"], checkin_open=True
    )
    with transaction.atomic():
        locked = selectors.load_meeting(meeting.pk, lock=True)
    assert locked.moderator_confirmed_by == people["moderator"] and locked.checkin_open is True
    same_as_the_orm(meeting.pk, locked)


@pytest.mark.django_db(transaction=True)
def test_an_unknown_meeting_is_not_found_and_locking_needs_a_transaction(hall):
    with pytest.raises(Meeting.DoesNotExist):
        selectors.load_meeting(987654)
    meeting = scheduled_meeting(hall, meeting_people(hall))
    with pytest.raises(transaction.TransactionManagementError):
        selectors.load_meeting(meeting.pk, lock=True)


def test_a_moderators_command_takes_three_statements(hall):
    """Lock and load the meeting, change it, take the room's seq — the hot path of a room."""
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people)
    moderator = people["moderator"]
    COMMANDS["set_checkin"](moderator, meeting.pk, {"open": True})  # roles cached on the user
    with CaptureQueriesContext(connection) as queries:
        COMMANDS["set_checkin"](moderator, meeting.pk, {"open": False})
    statements = [
        q["sql"] for q in queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(statements) == 3, statements
    meeting.refresh_from_db()
    assert meeting.checkin_open is False


def test_save_fields_writes_what_save_would(hall):
    from django.db import DatabaseError
    from django.utils import timezone

    from deliberation.meetings.prepared import save_fields

    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people)
    item = meeting.items.first()
    meeting.state, meeting.opened_at, meeting.current_item = "open", timezone.now(), item
    meeting.checkin_open = True
    save_fields(meeting, "state", "opened_at", "current_item", "checkin_open")
    fresh = Meeting.objects.get(pk=meeting.pk)
    assert (fresh.state, fresh.opened_at, fresh.current_item_id, fresh.checkin_open) == (
        "open",
        meeting.opened_at,
        item.pk,
        True,
    )
    meeting.title = "not saved"  # only the named fields are written
    meeting.current_item = None
    save_fields(meeting, "current_item")
    fresh.refresh_from_db()
    assert fresh.current_item_id is None and fresh.title != "not saved"
    gone = Meeting(pk=987654)
    with pytest.raises(DatabaseError):
        save_fields(gone, "checkin_open")
