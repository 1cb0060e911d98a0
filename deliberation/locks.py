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

from django.db import connection

from community.models import Hall
from deliberation.models import Ballot, Meeting, Resolution, ResultPublication, ResultState

ORDER = ("meeting", "ballot", "result round", "task", "resolution", "ledger")


def lock_meeting(meeting_id: int, *related: str, only: tuple[str, ...] = ()) -> Meeting:
    """Lock a meeting row (first in the order) and return it, with `related` in the same query.

    `FOR UPDATE OF` the meeting only: the joined rows (hall, people) are read, not locked.
    `only` limits the columns read (Django's `only()`), e.g. people to the fields shown.
    """
    qs = Meeting.objects.select_related(*related).select_for_update(of=("self",))
    return (qs.only(*only) if only else qs).get(pk=meeting_id)


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
