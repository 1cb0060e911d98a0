"""The one lock order of deliberation: meeting → ballot → result round → task → resolution → ledger.

A service that changes several of these takes their row locks in this order, inside its
transaction, so two services never wait on each other (no deadlock): the meeting room's commands
lock the meeting first; a ballot on an agenda item locks its meeting before the ballot; a
resolution's services lock the ballot's meeting and ballot (if they need them) before the
resolution; the task services lock the resolution's open result rounds (to settle them) before
the task, and closing a round locks it before the tasks it reopens; every ledger append locks
the hall's chain last (proposal rows, in forum, are locked after these and before the ledger). Each function takes the lock and
returns the locked row (or nothing, for the pure locks), and must run inside `transaction.atomic`.
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import DateTimeField, DecimalField
from django.utils import timezone

from community.models import Hall
from deliberation.models import Ballot, Meeting, Resolution, ResultPublication, ResultState

ORDER = ("meeting", "ballot", "result round", "task", "resolution", "ledger")


def lock_meeting(meeting_id: int, *related: str, only: tuple[str, ...] = ()) -> Meeting:
    """Lock a meeting row (first in the order) and return it, with `related` in the same query.

    `FOR UPDATE OF` the meeting only: the joined rows (hall, people) are read, not locked.
    `only` limits the columns read (Django's `only()`), e.g. people to the fields shown.
    """
    if only and settings.FANGHUA["MEETING_LOCK_RAW_SQL"] and connection.vendor in _RAW_VENDORS:
        return _lock_meeting_raw(meeting_id, related, only)
    qs = Meeting.objects.select_related(*related).select_for_update(of=("self",))
    return (qs.only(*only) if only else qs).get(pk=meeting_id)


# --- the meeting room's lock as one written-out query -----------------------------------------
# Every command of the meeting room starts with `lock_meeting`. The ORM compiles the joined,
# column-limited queryset (and prepares its row converters) anew on every call: most of a
# command's fixed cost (docs/benchmarks.md). This path writes the same query out once per
# shape, runs it on a cursor and builds the rows with `Model.from_db()`, each value read as the
# queryset reads it (`_python`). Public APIs only; `MEETING_LOCK_RAW_SQL=0` switches back to the
# queryset, and tests/deliberation/meetings/test_lock_sql.py compares both, value and type, on
# SQLite and PostgreSQL.
_RAW_VENDORS = ("sqlite", "postgresql")


def _concrete(model, wanted=None) -> list:
    """The model's columns in `from_db()` order (all, or the primary key and `wanted` names)."""
    return [
        f
        for f in model._meta.get_fields()
        if f.concrete
        and not f.many_to_many
        and (wanted is None or f.primary_key or f.name in wanted)
    ]


@functools.cache
def _raw_shape(vendor: str, related: tuple[str, ...], only: tuple[str, ...]):
    """(sql, [(relation name or None, model, fields)]) for one lock shape, in the row's order."""
    quote = connection.ops.quote_name
    meeting_fields = _concrete(Meeting, {c for c in only if "__" not in c})
    columns = [f"m.{quote(f.column)}" for f in meeting_fields]
    joins, parts = [], [(None, Meeting, meeting_fields)]
    for index, name in enumerate(related):
        if "__" in name:
            raise ValueError(f"the written-out lock joins direct relations only, not {name!r}")
        fk, alias = Meeting._meta.get_field(name), f"r{index}"
        model = fk.related_model
        fields = _concrete(model, {c.split("__", 1)[1] for c in only if c.startswith(name + "__")})
        columns += [f"{alias}.{quote(f.column)}" for f in fields]
        joins.append(
            f"{'LEFT OUTER JOIN' if fk.null else 'INNER JOIN'} {quote(model._meta.db_table)} "
            f"{alias} ON m.{quote(fk.column)} = {alias}.{quote(fk.target_field.column)}"
        )
        parts.append((name, model, fields))
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(Meeting._meta.db_table)} m {' '.join(joins)} "
        f"WHERE m.{quote(Meeting._meta.pk.column)} = %s"
    )
    if vendor == "postgresql":  # SQLite's write transactions (BEGIN IMMEDIATE) lock the file
        sql += " FOR UPDATE OF m"
    return sql, parts


def _python(field, value):
    """A column's value as the queryset reads it: the field's own conversion (`to_python`, and
    `from_db_value` where the field has one), a decimal with its decimal places, and a datetime
    aware (SQLite hands back naive datetimes, stored in UTC)."""
    if value is None:
        return None
    if hasattr(field, "from_db_value"):
        value = field.from_db_value(value, None, connection)
    value = field.to_python(value)
    if isinstance(field, DecimalField):
        value = value.quantize(Decimal(1).scaleb(-field.decimal_places))
    elif isinstance(field, DateTimeField) and settings.USE_TZ and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def _lock_meeting_raw(meeting_id: int, related: tuple[str, ...], only: tuple[str, ...]):
    sql, parts = _raw_shape(connection.vendor, tuple(related), tuple(only))
    with connection.cursor() as cursor:
        cursor.execute(sql, [meeting_id])
        row = cursor.fetchone()
    if row is None:
        raise Meeting.DoesNotExist("Meeting matching query does not exist.")
    meeting, start = None, 0
    for name, model, fields in parts:
        values = row[start : start + len(fields)]
        start += len(fields)
        if name is not None and values[0] is None:  # the primary key: an empty LEFT JOIN
            setattr(meeting, name, None)
            continue
        values = [_python(f, v) for f, v in zip(fields, values, strict=True)]
        loaded = model.from_db(connection.alias, [f.attname for f in fields], values)
        if name is None:
            meeting = loaded
        else:
            setattr(meeting, name, loaded)
    return meeting


@functools.cache
def _update_sql(vendor: str, attnames: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    columns = [Meeting._meta.get_field(a).column for a in attnames]
    sets = ", ".join(f"{quote(c)} = %s" for c in columns)
    return (
        f"UPDATE {quote(Meeting._meta.db_table)} SET {sets} "
        f"WHERE {quote(Meeting._meta.pk.column)} = %s"
    )


def save_meeting(meeting: Meeting, *fields: str) -> None:
    """Write the named fields of a meeting a command locked and changed, in one statement.

    The written-out twin of `save(update_fields=…)` (no signals: nothing listens to meetings),
    for the same reason as the lock above; `MEETING_LOCK_RAW_SQL=0` uses the queryset's
    `update()`. Values go through `Field.get_db_prep_save()` as the ORM's would."""
    model_fields = [Meeting._meta.get_field(name) for name in fields]
    values = {f.attname: getattr(meeting, f.attname) for f in model_fields}
    if not (settings.FANGHUA["MEETING_LOCK_RAW_SQL"] and connection.vendor in _RAW_VENDORS):
        Meeting.objects.filter(pk=meeting.pk).update(**values)
        return
    sql = _update_sql(connection.vendor, tuple(values))
    params = [f.get_db_prep_save(values[f.attname], connection) for f in model_fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, meeting.pk])


def lock_meeting_of_ballot(ballot_id: int) -> None:
    """Lock the meeting of a ballot on an agenda item (nothing for other ballots)."""
    meeting_id = (
        Ballot.objects.filter(pk=ballot_id)
        .values_list("agenda_item__meeting_id", flat=True)
        .first()
    )
    if meeting_id is not None:
        # Only the lock is needed here: the row is not loaded.
        Meeting.objects.select_for_update().filter(pk=meeting_id).values_list("pk").get()


def lock_ballot(ballot_id: int) -> Ballot:
    """Lock a ballot, after its meeting (if it is on an agenda item)."""
    lock_meeting_of_ballot(ballot_id)
    return (
        Ballot.objects.select_related("hall", "proposal")
        .select_for_update(of=("self",))
        .get(pk=ballot_id)
    )


def lock_resolution(resolution_id: int) -> Resolution:
    """Lock a resolution (after any meeting or ballot the caller holds)."""
    return (
        Resolution.objects.select_related("hall", "ballot")
        .select_for_update(of=("self",))
        .get(pk=resolution_id)
    )


def lock_result(result_id: int) -> ResultPublication:
    """Lock one result round (before any task or resolution)."""
    return (
        ResultPublication.objects.select_related("hall", "resolution__proposal")
        .select_for_update(of=("self",))
        .get(pk=result_id)
    )


def lock_open_rounds(resolution_id: int) -> list[ResultPublication]:
    """Lock the result rounds of a resolution still being evaluated, oldest first."""
    return list(
        ResultPublication.objects.select_related("hall", "resolution__proposal")
        .select_for_update(of=("self",))
        .filter(resolution_id=resolution_id, state=ResultState.EVALUATING)
        .order_by("pk")
    )


def lock_ledger(hall_id: int) -> None:
    """Serialise ledger appends per hall: one row lock on the hall (last in the order).

    FOR NO KEY UPDATE where the database has it: it excludes another append but, unlike FOR
    UPDATE, does not block inserts of rows that merely reference the hall (FOR KEY SHARE).
    """
    no_key = connection.features.has_select_for_no_key_update
    Hall.objects.select_for_update(no_key=no_key).filter(pk=hall_id).values_list("pk").get()
