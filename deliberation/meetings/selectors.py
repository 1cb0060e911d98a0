"""Reads of meetings: the room snapshot (one builder per section), lists for pages.

Nothing here writes or locks. What time has made due is computed on read: a speech past its
deadline is shown ended and a ballot past its window is shown closed; the room's timer watcher,
cron and the next command persist it. Commands pass what they already read (`Floor`, the agenda
items) so each section is built once per command from one read.
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.fractions import quorum_ratio
from community.markup import render_markdown
from community.models import Hall, MajorityRule, Membership, MembershipStatus
from community.needs import NeedItem
from deliberation.meetings.protocol import SECTIONS
from deliberation.meetings.rules_of_order import speaking_order
from deliberation.models import (
    AgendaItem,
    Ballot,
    CheckIn,
    Elector,
    HandCount,
    Meeting,
    MeetingChange,
    MeetingElector,
    MeetingState,
    Participation,
    Speech,
    SpeechState,
    Stance,
)
from deliberation.models.votes import BallotKind, BallotResult, BallotState
from deliberation.votes import selectors as votes_selectors
from forum.models import Proposal, ProposalState
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


# What every section and permission check needs with the meeting, read in the same query.
MEETING_RELATED = (
    "hall__compound__community",  # the hall's community: for the roles check (admins)
    "moderator",
    "recorder",
    "moderator_confirmed_by",
    "recorder_confirmed_by",
)
# What a command that publishes some sections needs with the meeting: each join costs Django
# compiling and reading it on every command, so a command joins only what its sections use.
# Every command needs the hall (rules, permissions); anything else is loaded if touched.
SECTION_RELATED = {
    "meeting": ("moderator", "recorder"),
    "minutes": ("moderator", "recorder", "moderator_confirmed_by", "recorder_confirmed_by"),
}


def related_for(*names: str) -> tuple[str, ...]:
    """The relations to read with the meeting for a command that publishes `names` sections."""
    related = ["hall"]
    for name in names:
        related += [r for r in SECTION_RELATED.get(name, ()) if r not in related]
    return tuple(related)


# A person in a section is their id and name (`person`): reading every column of a user (and
# building it) for each joined person is most of a hot command's query time.
PERSON_FIELDS = ("id", "username", "display_name")
# What commands, sections and permission checks read of the hall (not its long texts).
HALL_FIELDS = (
    "id",
    "name",
    "slug",
    "compound",
    "venue",
    "speech_limit_seconds",
    "speeches_per_item",
    "quorum_fraction",
    "default_majority_rule",
    "notice_period_days",
)


def _column_names(model) -> list[str]:
    return [f.name for f in model._meta.get_fields() if f.concrete and not f.many_to_many]


@functools.cache
def columns_for(related: tuple[str, ...]) -> tuple[str, ...]:
    """The columns a command reads with `related`: the meeting's, the hall's settings, names."""
    meeting = _column_names(Meeting)
    hall = [f"hall__{name}" for name in HALL_FIELDS] if "hall" in related else []
    people = [f"{r}__{f}" for r in related if r != "hall" for f in PERSON_FIELDS]
    return (*meeting, *hall, *people)


def load_meeting(meeting_id: int) -> Meeting:
    """The meeting with what every section needs, in one query."""
    return Meeting.objects.select_related(*MEETING_RELATED).get(pk=meeting_id)


# --- the floor: every speech of the current item, read once ---------------------------------


@dataclass
class Floor:
    """The speeches of the current agenda item, read in one query.

    Commands read it once, check their rules against it, change its speeches in place (through
    `workflow`) and publish the floor section from it, without reading the floor again.
    """

    item_id: int | None
    speeches: list[Speech] = field(default_factory=list)

    def speaker(self) -> Speech | None:
        return next((s for s in self.speeches if s.state == SpeechState.SPEAKING), None)

    def hand_of(self, user_id: int) -> Speech | None:
        """The person's hand still up or speaking, if any (one at a time per item)."""
        return next(
            (
                s
                for s in self.speeches
                if s.user_id == user_id and s.state in (SpeechState.WAITING, SpeechState.SPEAKING)
            ),
            None,
        )

    def get(self, speech_id: int) -> Speech:
        """One speech of the item; `Speech.DoesNotExist` (→ not_found) for any other id."""
        for s in self.speeches:
            if s.pk == speech_id:
                return s
        raise Speech.DoesNotExist(f"no speech {speech_id} on the current item")

    def waiting(self) -> list[Speech]:
        """The raised hands in queue position."""
        hands = [s for s in self.speeches if s.state == SpeechState.WAITING]
        return sorted(hands, key=lambda s: (s.position, s.pk))

    def _given(self) -> list[Speech]:
        """For/against speeches given so far (points of order excluded), in order of start."""
        given = [s for s in self.speeches if s.started_at is not None and s.stance != Stance.ORDER]
        return sorted(given, key=lambda s: (s.started_at, s.pk))

    def last_stance(self) -> str | None:
        """The stance of the last for/against speech given on the item."""
        given = self._given()
        return given[-1].stance if given else None

    def spoken_counts(self) -> dict[int, int]:
        """Speeches (points of order excluded) each person has given on the item."""
        counts: dict[int, int] = {}
        for s in self._given():
            counts[s.user_id] = counts.get(s.user_id, 0) + 1
        return counts

    def queue(self) -> list[Speech]:
        """The waiting hands in speaking order （南塘十三条，rules_of_order）."""
        return speaking_order(self.waiting(), self.last_stance())

    def next_position(self) -> int:
        """A queue position after every hand of the item."""
        return max((s.position for s in self.speeches), default=0) + 1


def read_floor(m: Meeting) -> Floor:
    """Every speech of the meeting's current item, with its speaker, in one query."""
    if m.current_item_id is None:
        return Floor(None)
    speeches = Speech.objects.filter(item_id=m.current_item_id).select_related("user")
    return Floor(m.current_item_id, list(speeches.order_by("position", "pk")))


def overdue_speaker(floor: Floor, now: datetime) -> Speech | None:
    """The current speech if its deadline has passed (the server ends it at its deadline)."""
    speech = floor.speaker()
    if speech is None or speech.deadline is None or speech.deadline > now:
        return None
    return speech


def next_deadline(*, meeting_id: int) -> datetime | None:
    """The deadline of the current speech, if any (read by the room's timer watcher)."""
    return (
        Speech.objects.filter(meeting_id=meeting_id, state=SpeechState.SPEAKING)
        .values_list("deadline", flat=True)
        .first()
    )


# --- sections ---------------------------------------------------------------------------------


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


def agenda_section(m: Meeting, items: list[AgendaItem] | None = None) -> list[dict[str, Any]]:
    """The agenda; `items` (in agenda order) when the command has already read them."""
    out = []
    for n, item in enumerate(agenda_items(m) if items is None else items, start=1):
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


def has_snapshot(m: Meeting) -> bool:
    """Whether the meeting kept its electorate when it opened (else it is counted live)."""
    return m.electorate_size is not None


def elector_ids(m: Meeting) -> set[int] | None:
    """Who was in the meeting's electorate when it opened (one query); None without a snapshot."""
    if not has_snapshot(m):
        return None
    return set(MeetingElector.objects.filter(meeting_id=m.pk).values_list("user_id", flat=True))


def quorum_needed(electorate: int, fraction) -> int:
    return max(1, math.ceil(electorate * quorum_ratio(fraction))) if electorate else 0


def checkins_of(m: Meeting) -> list[CheckIn]:
    return list(CheckIn.objects.filter(meeting=m).select_related("user").order_by("at", "pk"))


def attendance_section(m: Meeting, checkins: list[CheckIn] | None = None) -> dict[str, Any]:
    """应到，实到 and the quorum: from the electorate kept when the meeting opened.

    A meeting not yet opened (or opened before snapshots were kept) counts the hall's active
    members now. With a snapshot, someone who joined the hall after the meeting opened may
    check in but attends without counting （列席，`elector: false`）. Two queries either way."""
    checkins = checkins_of(m) if checkins is None else checkins
    electors = elector_ids(m)
    if electors is None:
        electorate, present = electorate_count(m.hall), len(checkins)
    else:
        electorate = len(electors)
        present = sum(1 for c in checkins if c.user_id in electors)
    fraction = m.hall.quorum_fraction
    needed = quorum_needed(electorate, fraction)
    return {
        "electorate": electorate,
        "present": present,
        "quorum_fraction": str(fraction),
        "quorum_needed": needed,
        "quorum_met": electorate > 0 and present >= needed,
        "snapshot": electors is not None,
        "checkins": [
            {
                "user": person(c.user),
                "method": c.method,
                "at": iso(c.at),
                "elector": electors is None or c.user_id in electors,
            }
            for c in checkins
        ],
    }


@dataclass(frozen=True)
class Attendance:
    """应到，实到 and the quorum of one meeting (the figures of lists：台账，dashboard)."""

    electorate: int
    present: int
    needed: int

    @property
    def met(self) -> bool:
        return self.electorate > 0 and self.present >= self.needed


def attendance_of(meetings: list[Meeting], hall: Hall) -> dict[int, Attendance]:
    """The attendance of each meeting of `hall`, in at most three queries however many.

    From each meeting's snapshot (taken when it opened); a meeting without one (not yet opened,
    or opened before snapshots were kept) counts the hall's active members now and every
    check-in, as its room does."""
    ids = [m.pk for m in meetings]
    checked: dict[int, set[int]] = {pk: set() for pk in ids}
    for mid, uid in CheckIn.objects.filter(meeting_id__in=ids).values_list("meeting_id", "user_id"):
        checked[mid].add(uid)
    kept = [m.pk for m in meetings if has_snapshot(m)]
    electors: dict[int, set[int]] = {pk: set() for pk in kept}
    if kept:
        rows = MeetingElector.objects.filter(meeting_id__in=kept)
        for mid, uid in rows.values_list("meeting_id", "user_id"):
            electors[mid].add(uid)
    live = electorate_count(hall) if len(kept) < len(ids) else 0
    out = {}
    for m in meetings:
        if m.pk in electors:
            electorate, present = len(electors[m.pk]), len(checked[m.pk] & electors[m.pk])
        else:
            electorate, present = live, len(checked[m.pk])
        out[m.pk] = Attendance(electorate, present, quorum_needed(electorate, hall.quorum_fraction))
    return out


def hand_out(s: Speech) -> dict[str, Any]:
    return {
        "id": s.pk,
        "user": person(s.user),
        "stance": s.stance,
        "raised_at": iso(s.raised_at),
    }


def floor_section(
    m: Meeting, floor: Floor | None = None, *, now: datetime | None = None
) -> dict[str, Any]:
    """The floor; a speech past its deadline is shown ended (the watcher or a command ends it)."""
    if floor is None or floor.item_id != m.current_item_id:
        floor = read_floor(m)
    speaker = floor.speaker()
    if speaker is not None and overdue_speaker(floor, now or timezone.now()) is not None:
        speaker = None
    spoken = floor.spoken_counts()
    return {
        "item_id": floor.item_id,
        "speaker": None
        if speaker is None
        else {
            **hand_out(speaker),
            "started_at": iso(speaker.started_at),
            "deadline": iso(speaker.deadline),
            "extended_seconds": speaker.extended_seconds,
        },
        "queue": [hand_out(s) for s in floor.queue()],
        "spoken": {str(k): v for k, v in sorted(spoken.items())},
        "last_stance": floor.last_stance(),
        "speech_limit_seconds": m.hall.speech_limit_seconds,
        "speeches_per_item": m.hall.speeches_per_item,
        # What the server would refuse (services.hand_raise), for the room to show the buttons
        # disabled with the reason: a hand needs a check-in (the attendance section says whose),
        # and whoever has used up the item's speeches may raise only a point of order.
        "hand_needs_checkin": True,
        "hand_refused": hand_refusals(spoken, m.hall.speeches_per_item),
    }


def hand_refusals(spoken: dict[int, int], limit: int) -> dict[str, str]:
    """user id → why a for/against hand is refused on the item ("speech_limit"); points of
    order are never limited (services._check_limit)."""
    return {str(uid): "speech_limit" for uid, n in sorted(spoken.items()) if n >= limit}


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


# --- ballots on the agenda (read through deliberation.votes.selectors) ------------------------


def current_ballot(m: Meeting) -> Ballot | None:
    """The last ballot of the meeting's current agenda item, as stored."""
    if m.current_item_id is None:
        return None
    return (
        Ballot.objects.filter(agenda_item_id=m.current_item_id)
        .exclude(state=BallotState.DRAFT)
        .prefetch_related("options")
        .order_by("-opened_at", "-pk")
        .first()
    )


def open_ballot(m: Meeting) -> Ballot | None:
    """The meeting's open ballot, if any (at most one at a time)."""
    return (
        Ballot.objects.filter(agenda_item__meeting=m, state=BallotState.OPEN)
        .prefetch_related("options")
        .first()
    )


def meeting_id_of_ballot(ballot_id: int) -> int | None:
    """The meeting of a ballot on an agenda item (None for other ballots)."""
    return (
        Ballot.objects.filter(pk=ballot_id)
        .values_list("agenda_item__meeting_id", flat=True)
        .first()
    )


def option_labels(ballot: Ballot) -> dict[str, str]:
    return votes_selectors.option_labels(ballot)


def ballot_out(ballot: Ballot, *, now: datetime | None = None) -> dict[str, Any]:
    """A ballot as the meeting room shows it (the same for everyone in the room).

    Shown as it stands at `now`: an online ballot past its window is shown closed, tallied.
    """
    # A copy: the effective state is shown, never saved by a command that holds this ballot.
    ballot = votes_selectors.effective_ballot(copy.copy(ballot), now)
    live = votes_selectors.tally_data(ballot.pk, now)
    hand = HandCount.objects.filter(ballot=ballot).first()
    electors = set(Elector.objects.filter(ballot=ballot).values_list("user_id", flat=True))
    voted = sorted(Participation.objects.filter(ballot=ballot).values_list("user_id", flat=True))
    present = votes_selectors.present_voters(ballot)
    visible = ballot.results_visible
    out: dict[str, Any] = {
        "id": ballot.pk,
        "item_id": ballot.agenda_item_id,
        "title": ballot.title,
        "kind": ballot.kind,
        "kind_label": str(BallotKind(ballot.kind).label),
        "secret": ballot.secret,
        "results_live": ballot.results_live,
        "majority_rule": ballot.majority_rule,
        "majority_label": str(MajorityRule(ballot.majority_rule).label),
        "state": ballot.state,
        "state_label": str(BallotState(ballot.state).label),
        "options": [{"key": k, "label": v} for k, v in option_labels(ballot).items()],
        "electorate": ballot.electorate_size,
        "present": len(present),
        "turnout": live["turnout"],
        "online": live["online"],
        "voted": voted,  # who voted online/by proxy (public, as on the ballot page)
        # Like the ballot room: the per-option counts only once results may be shown.
        "hand": None
        if hand is None
        else {"voters": hand.voters, "votes": hand.votes if visible else None},
        # Held back from voting online: the people present the show of hands may have counted,
        # once as many of them as it did not count have voted online (votes.services).
        "hand_counted": sorted(hand.counted_user_ids)
        if votes_selectors.hand_full(hand, voted)
        else [],
        "hand_ceiling": len((present & electors) - set(voted)),
        # Who may vote (services refuse anyone else); in the room a vote also needs a check-in
        # (meetings.ballots.meeting_ballot_cast). The room shows the buttons disabled with why.
        "electors": sorted(electors),
        "cast_needs_checkin": True,
        "results_visible": visible,
        "totals": live.get("totals") if visible else None,
        "result": ballot.result or None,
        "result_label": str(BallotResult(ballot.result).label) if ballot.result else None,
        "quorum_met": None,
        "by_source": None,
        "url": f"/ballots/{ballot.pk}/",
    }
    if ballot.state == BallotState.CLOSED and ballot.outcome:
        out["quorum_met"] = ballot.outcome.get("quorum_met")
        out["by_source"] = ballot.outcome.get("by_source")
        out["totals"] = ballot.outcome.get("totals")
    return out


def votes_section(m: Meeting, *, now: datetime | None = None) -> dict[str, Any]:
    """The current/last ballot of the current agenda item."""
    ballot = current_ballot(m)
    return {"ballot": None if ballot is None else ballot_out(ballot, now=now)}


# --- the snapshot -----------------------------------------------------------------------------


def sections(
    m: Meeting,
    *names: str,
    floor: Floor | None = None,
    items: list[AgendaItem] | None = None,
    checkins: list[CheckIn] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The named sections of `m`, each built once, from what the caller already read."""
    now = now or timezone.now()
    build = {
        "meeting": lambda: meeting_section(m),
        "agenda": lambda: agenda_section(m, items),
        "attendance": lambda: attendance_section(m, checkins),
        "floor": lambda: floor_section(m, floor, now=now),
        "minutes": lambda: minutes_section(m),
        "votes": lambda: votes_section(m, now=now),
    }
    return {name: build[name]() for name in names}


def meeting_snapshot(meeting_id: int, viewer=None) -> dict[str, Any]:
    """The room's full state. The same for everyone in it, but for who is online: the count for
    all, and the first page of names for a `viewer` who may see the list (presence_page)."""
    m = load_meeting(meeting_id)
    now = timezone.now()
    names = viewer is not None and viewer.has_perm("deliberation.view_presence_list", m)
    return {
        **sections(m, *SECTIONS, now=now),
        "presence": presence.section(meeting_room(m.pk), names=names),
        "server_now": iso(now),
    }


def presence_page(meeting_id: int, *, after: int | None = None) -> dict[str, Any]:
    """A page of who is online in the meeting room (the moderator's attendance view)."""
    return presence.page(meeting_room(meeting_id), after=after)


# --- pages ------------------------------------------------------------------------------------


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
    return (
        meetings_of(hall=hall)
        .exclude(state__in=[MeetingState.CLOSED, MeetingState.CANCELLED])
        .order_by("starts_at", "pk")
    )


def proposals_to_add(*, meeting: Meeting) -> QuerySet[Proposal]:
    """Accepted proposals of the meeting's hall on no agenda now （可列入议程），newest first."""
    return Proposal.objects.filter(hall_id=meeting.hall_id, state=ProposalState.ACCEPTED).order_by(
        "-created_at", "-pk"
    )


def changes_of(*, meeting: Meeting) -> list[MeetingChange]:
    """The meeting's reschedules and cancellation, oldest first."""
    return list(
        MeetingChange.objects.filter(meeting=meeting).select_related("by").order_by("at", "pk")
    )


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


# --- 待我处理（community.needs） -------------------------------------------------------------------


def needs_of(*, user, now: datetime) -> list[NeedItem]:
    """My next meeting: one in progress, else the next scheduled from today on; one query.

    Check-in is by the QR code at the venue (so nobody checks in as present from home,
    docs/meetings.md): while it is open and I am not checked in, the card says where to scan.
    """
    start_of_today = timezone.make_aware(
        datetime.combine(timezone.localdate(now), datetime.min.time()),
        timezone.get_current_timezone(),
    )
    halls = Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).values("hall_id")
    meeting = (
        Meeting.objects.filter(hall_id__in=halls)
        .filter(
            Q(state=MeetingState.OPEN)
            | Q(state=MeetingState.SCHEDULED, starts_at__gte=start_of_today)
        )
        .annotate(
            mine=Exists(CheckIn.objects.filter(meeting=OuterRef("pk"), user=user)),
            live=Case(When(state=MeetingState.OPEN, then=Value(0)), default=Value(1)),
        )
        .select_related("hall")
        .order_by("live", "starts_at", "pk")
        .first()
    )
    if meeting is None:
        return []
    at = timezone.localtime(meeting.starts_at)
    place = _("%(month)d月%(day)d日 %(time)s · %(venue)s") % {
        "month": at.month,
        "day": at.day,
        "time": at.strftime("%H:%M"),
        "venue": meeting.venue,
    }
    url = reverse("meeting", args=[meeting.pk])
    if meeting.state == MeetingState.OPEN and meeting.checkin_open and not meeting.mine:
        return [
            NeedItem(
                kind="meeting",
                icon="📍",
                title=_("会议正在签到：%(title)s") % {"title": meeting.title},
                text=_("%(place)s。到会场后请扫描大屏上的二维码签到。") % {"place": place},
                action=_("进入会议"),
                url=url,
                live=True,
                live_words=_("正在签到"),
                hall=meeting.hall.name,
            )
        ]
    if meeting.state == MeetingState.OPEN:
        return [
            NeedItem(
                kind="meeting",
                icon="🏛️",
                title=_("会议进行中：%(title)s") % {"title": meeting.title},
                text=place,
                action=_("进入会议"),
                url=url,
                live=True,
                live_words=_("正在开会"),
                hall=meeting.hall.name,
            )
        ]
    return [
        NeedItem(
            kind="meeting",
            icon="📅",
            title=_("下次会议：%(title)s") % {"title": meeting.title},
            text=place,
            action=_("查看会议"),
            url=url,
            due=meeting.starts_at,
            starts=True,
            hall=meeting.hall.name,
        )
    ]
