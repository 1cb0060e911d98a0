"""Reads of meetings: the room snapshot (one builder per section), lists for pages."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from django.db import router, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from community.fractions import quorum_ratio
from community.markup import render_markdown
from community.models import Hall, Membership, MembershipStatus
from deliberation.meetings.prepared import PreparedGet
from deliberation.meetings.rules_of_order import speaking_order
from deliberation.models import (
    AgendaItem,
    CheckIn,
    Meeting,
    MeetingState,
    Speech,
    SpeechState,
    Stance,
)
from realtime import presence


def meeting_room(meeting_id: int) -> str:
    return f"meeting.{meeting_id}"


def iso(dt: datetime | None) -> str | None:
    """A UTC ISO-8601 timestamp (the same text in snapshots and events)."""
    if dt is None:
        return None
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def person(user) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": str(user)}


# --- sections
def meeting_section(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "title": m.title,
        "hall": {"id": m.hall_id, "name": m.hall.name, "slug": m.hall.slug},
        "state": m.state,
        "state_label": str(MeetingState(m.state).label),
        "starts_at": iso(m.starts_at),
        "venue": m.venue,
        "is_hybrid": m.is_hybrid,
        "moderator": person(m.moderator),
        "recorder": person(m.recorder),
        "checkin_open": m.checkin_open,
        "current_item_id": m.current_item_id,
        "opened_at": iso(m.opened_at),
        "closed_at": iso(m.closed_at),
    }


def agenda_items(m: Meeting) -> list[AgendaItem]:
    return list(
        AgendaItem.objects.filter(meeting=m).select_related("proposal").order_by("order", "pk")
    )


def agenda_section(m: Meeting) -> list[dict[str, Any]]:
    out = []
    for n, item in enumerate(agenda_items(m), start=1):
        p = item.proposal
        out.append(
            {
                "id": item.pk,
                "number": n,
                "title": item.title,
                "proposal": None
                if p is None
                else {
                    "id": p.pk,
                    "title": p.title,
                    "state": p.state,
                    "state_label": str(p.get_state_display()),
                },
                "budget_minutes": item.budget_minutes,
                "state": item.state,
                "opened_at": iso(item.opened_at),
                "closed_at": iso(item.closed_at),
            }
        )
    return out


def electorate_count(hall: Hall) -> int:
    """Everyone with an active membership of the hall may attend and counts for the quorum."""
    return Membership.objects.filter(hall=hall, status=MembershipStatus.ACTIVE).count()


def attendance_section(m: Meeting) -> dict[str, Any]:
    checkins = list(CheckIn.objects.filter(meeting=m).select_related("user").order_by("at", "pk"))
    electorate = electorate_count(m.hall)
    fraction = m.hall.quorum_fraction
    needed = max(1, math.ceil(electorate * quorum_ratio(fraction))) if electorate else 0
    return {
        "electorate": electorate,
        "present": len(checkins),
        "quorum_fraction": str(fraction),
        "quorum_needed": needed,
        "quorum_met": electorate > 0 and len(checkins) >= needed,
        "checkins": [
            {"user": person(c.user), "method": c.method, "at": iso(c.at)} for c in checkins
        ],
    }


def last_stance(item_id: int | None) -> str | None:
    """The stance of the last for/against speech given on the item (points of order skipped)."""
    if item_id is None:
        return None
    return (
        Speech.objects.filter(item_id=item_id, started_at__isnull=False)
        .exclude(stance=Stance.ORDER)
        .order_by("-started_at", "-pk")
        .values_list("stance", flat=True)
        .first()
    )


def spoken_counts(item_id: int | None) -> dict[int, int]:
    """Speeches (points of order excluded) each person has given on the item."""
    if item_id is None:
        return {}
    rows = (
        Speech.objects.filter(item_id=item_id, started_at__isnull=False)
        .exclude(stance=Stance.ORDER)
        .values("user_id")
        .annotate(n=Count("pk"))
    )
    return {r["user_id"]: r["n"] for r in rows}


def waiting_hands(item_id: int | None) -> list[Speech]:
    if item_id is None:
        return []
    waiting = list(
        Speech.objects.filter(item_id=item_id, state=SpeechState.WAITING)
        .select_related("user")
        .order_by("position", "pk")
    )
    return speaking_order(waiting, last_stance(item_id))


def hand_out(s: Speech) -> dict[str, Any]:
    return {
        "id": s.pk,
        "user": person(s.user),
        "stance": s.stance,
        "raised_at": iso(s.raised_at),
    }


def floor_section(m: Meeting) -> dict[str, Any]:
    item_id = m.current_item_id
    speaker = (
        Speech.objects.filter(meeting=m, state=SpeechState.SPEAKING).select_related("user").first()
    )
    return {
        "item_id": item_id,
        "speaker": None
        if speaker is None
        else {
            **hand_out(speaker),
            "started_at": iso(speaker.started_at),
            "deadline": iso(speaker.deadline),
            "extended_seconds": speaker.extended_seconds,
        },
        "queue": [hand_out(s) for s in waiting_hands(item_id)],
        "spoken": {str(k): v for k, v in sorted(spoken_counts(item_id).items())},
        "last_stance": last_stance(item_id),
        "speech_limit_seconds": m.hall.speech_limit_seconds,
        "speeches_per_item": m.hall.speeches_per_item,
    }


def minutes_section(m: Meeting) -> dict[str, Any]:
    return {
        "body": m.minutes_body,
        "html": str(render_markdown(m.minutes_body)),
        "version": m.minutes_version,
        "updated_at": iso(m.minutes_updated_at),
        "assembled": bool(m.minutes_final),
        "moderator_confirmed_by": person(m.moderator_confirmed_by),
        "recorder_confirmed_by": person(m.recorder_confirmed_by),
        "locked": m.minutes_locked,
    }


def votes_section(m: Meeting) -> dict[str, Any]:
    """The current/last ballot of the current agenda item (deliberation.meetings.ballots)."""
    from deliberation.meetings.ballots import votes_section as build

    return build(m)


SECTION_BUILDERS = {
    "meeting": meeting_section,
    "agenda": agenda_section,
    "attendance": attendance_section,
    "floor": floor_section,
    "minutes": minutes_section,
    "votes": votes_section,
}


MEETING_RELATED = (
    "hall__compound__community",  # the hall's community: for the roles check (admins)
    "moderator",
    "recorder",
    "moderator_confirmed_by",
    "recorder_confirmed_by",
)
_load = PreparedGet(
    Meeting, lambda pk: Meeting.objects.select_related(*MEETING_RELATED).filter(pk=pk)
)
_load_locked = PreparedGet(
    Meeting,
    lambda pk: (
        Meeting.objects.select_for_update(of=("self",))
        .select_related(*MEETING_RELATED)
        .filter(pk=pk)
    ),
)


def load_meeting(meeting_id: int, *, lock: bool = False) -> Meeting:
    """The meeting with what the sections need, in one query compiled once per process
    (`prepared.PreparedGet`). `lock=True` also locks the meeting's row (only its row) until the
    transaction ends, so commands on one meeting are serialised; it needs a transaction."""
    if not lock:
        return _load.get(meeting_id)
    if transaction.get_autocommit(using=router.db_for_write(Meeting)):
        raise transaction.TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    return _load_locked.get(meeting_id)


def sections(m: Meeting, *names: str) -> dict[str, Any]:
    return {name: SECTION_BUILDERS[name](m) for name in names}


def meeting_snapshot(meeting_id: int) -> dict[str, Any]:
    """The room's full state (the same for everyone in it)."""
    m = load_meeting(meeting_id)
    return {
        **sections(m, *SECTION_BUILDERS),
        "presence": presence.online(meeting_room(m.pk)),
        "server_now": iso(timezone.now()),
    }


# --- pages
def meetings_of(*, hall: Hall) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(hall=hall)
        .select_related("moderator", "recorder")
        .annotate(
            item_count=Count("items", distinct=True),
            present=Count("checkins", distinct=True),
        )
        .order_by("-starts_at", "-pk")
    )


def upcoming_meetings(*, hall: Hall) -> QuerySet[Meeting]:
    return meetings_of(hall=hall).filter(~Q(state=MeetingState.CLOSED)).order_by("starts_at", "pk")


def is_checked_in(*, meeting: Meeting, user) -> bool:
    return user.is_authenticated and CheckIn.objects.filter(meeting=meeting, user=user).exists()


def roster(*, meeting: Meeting) -> list[dict[str, Any]]:
    """Active members of the hall (for the moderator's check-in-by-name list)."""
    rows = (
        Membership.objects.filter(hall_id=meeting.hall_id, status=MembershipStatus.ACTIVE)
        .select_related("user")
        .order_by("user__display_name", "pk")
    )
    return [person(m.user) for m in rows]
