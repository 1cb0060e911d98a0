"""The meeting room's lock as one written-out query (deliberation/locks.py) reads exactly what the
queryset path reads: every column of the meeting, the hall's settings and the people's names —
the same values, of the same types — and finds nothing for a meeting that is gone."""

from __future__ import annotations

import pytest
from django.db import transaction

from deliberation import locks
from deliberation.meetings import selectors, services
from deliberation.models import Meeting
from tests.deliberation.meetings.factories import meeting_people, scheduled_meeting

pytestmark = pytest.mark.django_db

SHAPES = [("meeting",), ("minutes",), ("floor",), ("attendance", "meeting"), ()]


def loaded(meeting_id: int, sections: tuple[str, ...], *, raw: bool, settings) -> Meeting:
    settings.FANGHUA = {**settings.FANGHUA, "MEETING_LOCK_RAW_SQL": raw}
    related = selectors.related_for(*sections)
    with transaction.atomic():
        return locks.lock_meeting(meeting_id, *related, only=selectors.columns_for(related))


def snapshot(m: Meeting, related: tuple[str, ...]) -> dict:
    """Every loaded value of the meeting and its joined rows, with its type."""
    values = {f.attname: getattr(m, f.attname) for f in Meeting._meta.concrete_fields}
    for name in related:
        row = getattr(m, name)
        if row is None:
            values[name] = None
            continue
        for f in row._meta.concrete_fields:
            if f.attname not in row.get_deferred_fields():
                values[f"{name}.{f.attname}"] = getattr(row, f.attname)
    return {k: (v, type(v)) for k, v in values.items()}


@pytest.fixture
def meeting(hall):
    people = meeting_people(hall)
    m = scheduled_meeting(hall, people, free_items=("甲", "乙"))
    services.meeting_open(actor=people["moderator"], meeting=m)
    return m


@pytest.mark.parametrize("sections", SHAPES, ids=lambda s: "+".join(s) or "none")
def test_both_paths_read_the_same_values(meeting, sections, settings, django_assert_num_queries):
    related = selectors.related_for(*sections)
    with django_assert_num_queries(3):  # BEGIN (or SAVEPOINT), the SELECT, COMMIT
        raw = loaded(meeting.pk, sections, raw=True, settings=settings)
    orm = loaded(meeting.pk, sections, raw=False, settings=settings)
    assert snapshot(raw, related) == snapshot(orm, related)
    assert raw.hall.quorum_fraction == orm.hall.quorum_fraction  # a Decimal either way
    assert str(raw.moderator) == "陈红" and raw.hall.name == meeting.hall.name
    # what a section needs is read: building it costs no query on either path
    assert selectors.sections(raw, *sections) == selectors.sections(orm, *sections)


def test_people_not_yet_there(meeting, settings):
    """Minutes nobody has confirmed: the empty joins are None, not a person without a name."""
    raw = loaded(meeting.pk, ("minutes",), raw=True, settings=settings)
    assert raw.moderator_confirmed_by is None and raw.recorder_confirmed_by is None
    assert str(raw.recorder) == "林芳"


def test_a_meeting_that_is_gone(meeting, settings):
    pk = meeting.pk
    meeting.delete()
    with pytest.raises(Meeting.DoesNotExist):
        loaded(pk, ("meeting",), raw=True, settings=settings)


def test_every_kind_of_column(meeting, settings):
    """Times (aware), flags, long texts and people on both sides of a confirmed meeting."""
    from django.utils import timezone

    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(
        closed_at=now,
        minutes_updated_at=now,
        minutes_final="# 纪要\n\n" + "长" * 5000,
        moderator_confirmed_by=meeting.moderator,
        moderator_confirmed_at=now,
        checkin_open=True,
        is_hybrid=True,
    )
    related = selectors.related_for("minutes")
    raw = loaded(meeting.pk, ("minutes",), raw=True, settings=settings)
    orm = loaded(meeting.pk, ("minutes",), raw=False, settings=settings)
    assert snapshot(raw, related) == snapshot(orm, related)
    assert raw.closed_at == now and timezone.is_aware(raw.moderator_confirmed_at)
    assert raw.checkin_open is True and str(raw.moderator_confirmed_by) == "陈红"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_written_out_lock_makes_a_second_command_wait(hall, settings):
    """On PostgreSQL the row is locked (FOR UPDATE OF the meeting): a second command waits."""
    import threading
    import time

    from django.db import connection, connections

    from tests.deliberation.votes.test_votes_concurrency import _need_postgres

    _need_postgres()
    assert settings.FANGHUA["MEETING_LOCK_RAW_SQL"] and connection.vendor == "postgresql"
    people = meeting_people(hall)
    m = scheduled_meeting(hall, people)
    related = selectors.related_for("meeting")
    held, released, second_done = threading.Event(), [], []

    def first():
        with transaction.atomic():
            locks.lock_meeting(m.pk, *related, only=selectors.columns_for(related))
            held.set()
            time.sleep(0.5)
            released.append(time.monotonic())
        connections.close_all()

    def second():
        held.wait(5)
        with transaction.atomic():
            locks.lock_meeting(m.pk, *related, only=selectors.columns_for(related))
            second_done.append(time.monotonic())
        connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert released and second_done and second_done[0] >= released[0]


@pytest.mark.parametrize("raw", [True, False], ids=["written out", "queryset"])
def test_save_meeting_writes_the_named_fields_only(
    meeting, settings, raw, django_assert_num_queries
):
    settings.FANGHUA = {**settings.FANGHUA, "MEETING_LOCK_RAW_SQL": raw}
    item = meeting.items.order_by("order")[1]
    m = Meeting.objects.get(pk=meeting.pk)
    m.checkin_open, m.current_item, m.title = True, item, "不该写入"
    with django_assert_num_queries(1):
        locks.save_meeting(m, "checkin_open", "current_item")
    fresh = Meeting.objects.get(pk=meeting.pk)
    assert fresh.checkin_open is True and fresh.current_item_id == item.pk
    assert fresh.title == meeting.title
    m.checkin_open, m.current_item = False, None
    locks.save_meeting(m, "checkin_open", "current_item")
    fresh.refresh_from_db()
    assert fresh.checkin_open is False and fresh.current_item_id is None
