"""Writes of meetings: one function per use case; HTTP views, the API and the room call these.

Each service locks the meeting row and loads it in the same query (`deliberation.locks`), so
commands on one meeting are serialised; first ends a speech whose deadline has passed (timers
are enforced by the server, see docs/realtime.md); checks the permission; moves states only
through `workflow`; and publishes the changed sections on commit.

A command does little, because the room's hot commands (check-in, hands, the floor, the agenda)
run for every tap in a meeting of hundreds: it reads each thing once — the meeting with its hall
and people in one query, the current item's speeches in one (`selectors.Floor`), the agenda in
one — writes only the changed fields (`save(update_fields=...)`, `update()`), and builds the
sections it publishes from what it read. tests/deliberation/meetings/test_meeting_cost.py
pins the number of queries of these commands.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from community.lengths import too_long
from community.models import Hall, Membership, MembershipStatus, User
from community.services import require
from deliberation import locks
from deliberation.meetings import notifications, selectors, workflow
from deliberation.meetings.minutes import assemble_record
from deliberation.meetings.protocol import (
    AGENDA_CHANGED,
    ATTENDANCE_CHANGED,
    FLOOR_CHANGED,
    ITEM_OPENED,
    MEETING_CHANGED,
    MINUTES_CHANGED,
)
from deliberation.meetings.selectors import Floor
from deliberation.models import (
    AgendaItem,
    AgendaItemState,
    CheckIn,
    CheckInMethod,
    Meeting,
    MeetingChange,
    MeetingChangeKind,
    MeetingElector,
    MeetingState,
    MinutesVersion,
    Speech,
    SpeechState,
    Stance,
)
from forum.models import Proposal, ProposalState
from forum.workflow import proposal_transition
from realtime.protocol import event_type
from realtime.publish import publish

MEETING_SCHEDULED = event_type(
    "meeting.scheduled", "A meeting was scheduled in the hall. data: {id, title, starts_at, url}"
)
MAX_REASON_CHARS = 200
MAX_MINUTES_CHARS = 100_000
EXTEND_MIN, EXTEND_MAX = 10, 600


# --- helpers
def _lock(meeting: Meeting | int, *sections: str) -> Meeting:
    """Lock the meeting row and load it with what the `sections` it publishes need (one query).

    Only the primary key of `meeting` is used: each service works on the row it loads here."""
    pk = meeting if isinstance(meeting, int) else meeting.pk
    related = selectors.related_for(*sections)
    return locks.lock_meeting(pk, *related, only=selectors.columns_for(related))


def _publish(m: Meeting, type: str, *names: str, **reads) -> int:
    """Publish the named sections, built from what the command read (`reads`, see `sections`)."""
    now = timezone.now()
    data = selectors.sections(m, *names, now=now, **reads)
    if "floor" in names:
        data["server_now"] = selectors.iso(now)
    return publish(selectors.meeting_room(m.pk), type, data)


def _is_active_member(user: User, hall: Hall) -> bool:
    return Membership.objects.filter(user=user, hall=hall, status=MembershipStatus.ACTIVE).exists()


MAX_YEARS_AHEAD = 10


def _when(starts_at: datetime | None, errors: dict, *, missing: str) -> datetime | None:
    """A meeting's start as Beijing time (any UTC offset the API was sent, even one no database
    stores, is converted), within the next few years; None with the reason in `errors`."""
    if starts_at is None:
        errors["starts_at"] = [missing]
        return None
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    try:
        starts_at = timezone.localtime(starts_at)
    except (OverflowError, ValueError):
        starts_at = None
    if starts_at is None or starts_at.year > timezone.localdate().year + MAX_YEARS_AHEAD:
        errors["starts_at"] = [
            _("开始时间太远了，请选择 %(n)s 年以内的时间。") % {"n": MAX_YEARS_AHEAD}
        ]
        return None
    return starts_at


def _require_open(m: Meeting) -> None:
    if m.state != MeetingState.OPEN:
        raise ValidationError(_("会议尚未开始或已经结束。"))


def _require_not_closed(m: Meeting) -> None:
    if m.state == MeetingState.CLOSED:
        raise ValidationError(_("会议已经结束。"))
    if m.state == MeetingState.CANCELLED:
        raise ValidationError(_("会议已经取消。"))


def _require_planning(m: Meeting) -> None:
    """The agenda is planned on its own page only before the meeting opens."""
    _require_not_closed(m)
    if m.state != MeetingState.SCHEDULED:
        raise ValidationError(
            _("会议已经开始，不能再在会前安排议程。尚未审议的议程可由主持人在会议室里调整。")
        )


def _require_item(m: Meeting) -> int:
    """The current item's id (the meeting is open and has one)."""
    _require_open(m)
    if m.current_item_id is None:
        raise ValidationError(_("主持人还没有开始任何一项议程。"))
    return m.current_item_id


def _end_speech(speech: Speech, *, reason: str, at: datetime | None = None) -> None:
    workflow.transition(speech, SpeechState.DONE, ended_at=at or timezone.now(), end_reason=reason)


def _expire(m: Meeting, floor: Floor) -> bool:
    """End the current speech if its deadline has passed (at the deadline); publish if so."""
    speech = selectors.overdue_speaker(floor, timezone.now())
    if speech is None:
        return False
    _end_speech(speech, reason="timer", at=speech.deadline)
    _publish(m, FLOOR_CHANGED, "floor", floor=floor)
    return True


def _expire_unread(m: Meeting) -> None:
    """`_expire` for a command that does not need the floor: read it only if a speech is over."""
    overdue = Speech.objects.filter(
        meeting_id=m.pk, state=SpeechState.SPEAKING, deadline__lte=timezone.now()
    )
    if overdue.exists():
        _expire(m, selectors.read_floor(m))


def _close_current_item(m: Meeting, floor: Floor, items: list[AgendaItem]) -> None:
    """End the current item: its speech ends, hands still up go down, the item is done.

    The caller then sets `m.current_item` (and saves it with its own change)."""
    if m.current_item_id is None:
        return
    if selectors.open_ballot(m) is not None:
        raise ValidationError(_("本项议程的表决还在进行，请先结束表决。"))
    now = timezone.now()
    speech = floor.speaker()
    if speech is not None:
        _end_speech(speech, reason="item", at=min(now, speech.deadline))
    workflow.bulk_transition(
        Speech.objects.filter(item_id=m.current_item_id), SpeechState.WAITING, SpeechState.WITHDRAWN
    )
    current = next(item for item in items if item.pk == m.current_item_id)
    workflow.transition(current, AgendaItemState.DONE, closed_at=now)


def _reassembled(m: Meeting) -> list[str]:
    """Reassemble the minutes of a closed meeting not yet confirmed; return the changed fields."""
    if m.state == MeetingState.CLOSED and not m.minutes_locked:
        m.minutes_final = assemble_record(m)
        return ["minutes_final"]
    return []


# --- scheduling and the agenda
def _check_proposal(proposal: Proposal, hall: Hall) -> None:
    if proposal.hall_id != hall.pk:
        raise ValidationError(_("议题「%(t)s」不属于本议事厅。") % {"t": proposal.title})
    if proposal.state != ProposalState.ACCEPTED:
        raise ValidationError(
            _("只有已受理的议题可以列入议程：「%(t)s」。") % {"t": proposal.title}
        )


def _add_item(
    m: Meeting, actor: User, *, title: str, proposal: Proposal | None, budget: int | None
) -> AgendaItem:
    if budget is not None and not 1 <= budget <= 600:
        raise ValidationError(_("时间预算应在 1 到 600 分钟之间。"))
    if proposal is not None:
        _check_proposal(proposal, m.hall)
        proposal_transition(
            proposal=proposal,
            to=ProposalState.ON_AGENDA,
            actor=actor,
            note=_("列入会议「%(t)s」议程") % {"t": m.title},
            check_permission=False,
        )
        title = title.strip() or proposal.title
    title = title.strip()
    if not title:
        raise ValidationError(_("请填写议程名称。"))
    errors: dict[str, list[str]] = {}
    too_long(AgendaItem, errors, title=title)
    if errors:
        raise ValidationError(errors)
    last = AgendaItem.objects.filter(meeting=m).aggregate(n=Max("order"))["n"]
    return AgendaItem.objects.create(
        meeting=m,
        order=(last or 0) + 1,
        title=title,
        proposal=proposal,
        budget_minutes=budget,
    )


@transaction.atomic
def meeting_schedule(
    *,
    actor: User,
    hall: Hall,
    title: str,
    starts_at: datetime,
    venue: str,
    moderator: User,
    recorder: User,
    is_hybrid: bool = True,
    notice: str = "",
    proposals: list[Proposal] | None = None,
    free_items: list[tuple[str, int | None]] | None = None,
) -> Meeting:
    """Schedule a meeting with its agenda; accepted proposals move to 列入议程；members are told."""
    require(actor, "deliberation.schedule_meeting", hall)
    errors: dict[str, list[str]] = {}
    title, venue = title.strip(), venue.strip()
    if not title:
        errors["title"] = [_("请填写会议名称。")]
    if not venue:
        errors["venue"] = [_("请填写会议地点。")]
    too_long(Meeting, errors, title=title, venue=venue, notice=notice.strip())
    starts_at = _when(starts_at, errors, missing=_("请填写开始时间。"))
    if not _is_active_member(moderator, hall):
        errors["moderator"] = [_("主持人必须是本议事厅的成员。")]
    if not _is_active_member(recorder, hall):
        errors["recorder"] = [_("记录员必须是本议事厅的成员。")]
    if errors:
        raise ValidationError(errors)
    m = Meeting.objects.create(
        hall=hall,
        title=title,
        starts_at=starts_at,
        venue=venue,
        is_hybrid=is_hybrid,
        notice=notice.strip(),
        moderator=moderator,
        recorder=recorder,
        created_by=actor,
    )
    for proposal in proposals or []:
        _add_item(m, actor, title="", proposal=proposal, budget=None)
    for item_title, budget in free_items or []:
        _add_item(m, actor, title=item_title, proposal=None, budget=budget)
    publish(
        f"hall.{hall.pk}",
        MEETING_SCHEDULED,
        {
            "id": m.pk,
            "title": m.title,
            "starts_at": selectors.iso(m.starts_at),
            "url": f"/meetings/{m.pk}/",
        },
    )
    notifications.meeting_scheduled_notice(meeting=m, actor=actor)
    return m


@transaction.atomic
def agenda_add_item(
    *,
    actor: User,
    meeting: Meeting,
    title: str = "",
    proposal: Proposal | None = None,
    budget_minutes: int | None = None,
    before_open: bool = False,
) -> AgendaItem:
    """Add a free item or an accepted proposal to the agenda.

    `before_open`: the change comes from the agenda's planning page, refused once the meeting
    has opened (the room may still change the items not yet deliberated)."""
    m = _lock(meeting, "agenda")
    require(actor, "deliberation.run_meeting", m)
    (_require_planning if before_open else _require_not_closed)(m)
    item = _add_item(m, actor, title=title, proposal=proposal, budget=budget_minutes)
    _publish(m, AGENDA_CHANGED, "agenda")
    return item


def _item_in(items: list[AgendaItem], item_id: int) -> AgendaItem:
    """One item of the agenda the command read; `DoesNotExist` (→ not_found) for any other id."""
    for item in items:
        if item.pk == item_id:
            return item
    raise AgendaItem.DoesNotExist(f"no agenda item {item_id} in this meeting")


def _pending_in(items: list[AgendaItem], item_id: int) -> AgendaItem:
    item = _item_in(items, item_id)
    if item.state != AgendaItemState.PENDING:
        raise ValidationError(_("这一项已经审议过或正在审议，不能更改。"))
    return item


@transaction.atomic
def agenda_remove_item(
    *, actor: User, meeting: Meeting, item_id: int, before_open: bool = False
) -> None:
    """Take a pending item off the agenda; its proposal goes back to 已受理."""
    m = _lock(meeting, "agenda")
    require(actor, "deliberation.run_meeting", m)
    (_require_planning if before_open else _require_not_closed)(m)
    items = selectors.agenda_items(m)
    item = _pending_in(items, item_id)
    if item.proposal is not None and item.proposal.state == ProposalState.ON_AGENDA:
        proposal_transition(
            proposal=item.proposal,
            to=ProposalState.ACCEPTED,
            actor=actor,
            note=_("移出会议「%(t)s」议程") % {"t": m.title},
            check_permission=False,
        )
    item.delete()
    items.remove(item)
    _publish(m, AGENDA_CHANGED, "agenda", items=items)


@transaction.atomic
def agenda_move_item(
    *, actor: User, meeting: Meeting, item_id: int, direction: str, before_open: bool = False
) -> None:
    """Move a pending item one place up or down."""
    m = _lock(meeting, "agenda")
    require(actor, "deliberation.run_meeting", m)
    (_require_planning if before_open else _require_not_closed)(m)
    if direction not in ("up", "down"):
        raise ValidationError(_("方向只能是 up 或 down。"))
    items = selectors.agenda_items(m)
    item = _pending_in(items, item_id)
    i = items.index(item)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(items) or items[j].state != AgendaItemState.PENDING:
        raise ValidationError(_("已经不能再移动了。"))
    items[i], items[j] = items[j], items[i]
    changed = []
    for n, it in enumerate(items, start=1):
        if it.order != n:
            it.order = n
            changed.append(it)
    AgendaItem.objects.bulk_update(changed, ["order"])  # one UPDATE for the items that moved
    _publish(m, AGENDA_CHANGED, "agenda", items=items)


@transaction.atomic
def agenda_set_budget(
    *,
    actor: User,
    meeting: Meeting,
    item_id: int,
    budget_minutes: int | None,
    before_open: bool = False,
) -> None:
    """Set (or clear) an item's time budget."""
    m = _lock(meeting, "agenda")
    require(actor, "deliberation.run_meeting", m)
    (_require_planning if before_open else _require_not_closed)(m)
    items = selectors.agenda_items(m)
    item = _item_in(items, item_id)
    if budget_minutes is not None and not 1 <= budget_minutes <= 600:
        raise ValidationError(_("时间预算应在 1 到 600 分钟之间。"))
    item.budget_minutes = budget_minutes
    item.save(update_fields=["budget_minutes"])
    _publish(m, AGENDA_CHANGED, "agenda", items=items)


# --- reschedule and cancel (before the meeting opens)
def _reason(reason: str, errors: dict[str, list[str]]) -> str:
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("请写明原因，成员会在通知里看到。")]
    elif len(reason) > MAX_REASON_CHARS:
        errors["reason"] = [_("原因请写在 %(n)s 字以内。") % {"n": MAX_REASON_CHARS}]
    return reason


@transaction.atomic
def meeting_reschedule(
    *, actor: User, meeting: Meeting, starts_at: datetime, venue: str, reason: str
) -> Meeting:
    """Move a scheduled meeting to a new date, time or venue; every active member is told why."""
    m = _lock(meeting, "meeting")
    require(actor, "deliberation.run_meeting", m)
    if m.state != MeetingState.SCHEDULED:
        raise ValidationError(_("只有尚未开始的会议可以改期。"))
    errors: dict[str, list[str]] = {}
    venue = (venue or "").strip()
    reason = _reason(reason, errors)
    starts_at = _when(starts_at, errors, missing=_("请填写新的开始时间。"))
    if starts_at is not None and starts_at <= timezone.now():
        errors["starts_at"] = [_("新的开始时间已经过去了，请选择以后的时间。")]
    if not venue:
        errors["venue"] = [_("请填写会议地点。")]
    too_long(Meeting, errors, venue=venue)
    if not errors and starts_at == m.starts_at and venue == m.venue:
        errors["starts_at"] = [_("新的时间和地点与原来相同。")]
    if errors:
        raise ValidationError(errors)
    MeetingChange.objects.create(
        meeting=m,
        kind=MeetingChangeKind.RESCHEDULED,
        by=actor,
        reason=reason,
        starts_at_before=m.starts_at,
        venue_before=m.venue,
        starts_at_after=starts_at,
        venue_after=venue,
    )
    before = m.starts_at
    m.starts_at, m.venue = starts_at, venue
    m.save(update_fields=["starts_at", "venue"])
    notifications.meeting_changed_notice(
        meeting=m, change="rescheduled", reason=reason, actor=actor, was=before
    )
    _publish(m, MEETING_CHANGED, "meeting")
    return m


@transaction.atomic
def meeting_cancel(*, actor: User, meeting: Meeting, reason: str) -> Meeting:
    """Cancel a scheduled meeting: its proposals go back to 已受理；every active member is told."""
    m = _lock(meeting, "meeting")
    require(actor, "deliberation.run_meeting", m)
    if m.state != MeetingState.SCHEDULED:
        raise ValidationError(_("只有尚未开始的会议可以取消。"))
    errors: dict[str, list[str]] = {}
    reason = _reason(reason, errors)
    if errors:
        raise ValidationError(errors)
    items = selectors.agenda_items(m)
    for item in items:
        if item.proposal is not None and item.proposal.state == ProposalState.ON_AGENDA:
            proposal_transition(
                proposal=item.proposal,
                to=ProposalState.ACCEPTED,
                actor=actor,
                note=_("会议「%(t)s」取消，退回待下次会议") % {"t": m.title},
                check_permission=False,
            )
    workflow.transition(m, MeetingState.CANCELLED, checkin_open=False)
    MeetingChange.objects.create(
        meeting=m,
        kind=MeetingChangeKind.CANCELLED,
        by=actor,
        reason=reason,
        starts_at_before=m.starts_at,
        venue_before=m.venue,
    )
    notifications.meeting_changed_notice(meeting=m, change="cancelled", reason=reason, actor=actor)
    _publish(m, MEETING_CHANGED, "meeting", "agenda")
    return m


# --- check-in
@transaction.atomic
def meeting_set_checkin(*, actor: User, meeting: Meeting, open: bool) -> Meeting:
    """Open or close check-in （签到）."""
    m = _lock(meeting, "meeting")
    require(actor, "deliberation.run_meeting", m)
    _require_not_closed(m)
    m.checkin_open = bool(open)
    locks.save_meeting(m, "checkin_open")
    _publish(m, MEETING_CHANGED, "meeting")
    return m


def _check_in(m: Meeting, user: User, method: str, by: User) -> CheckIn:
    # Once per person: the unique constraint decides (no read before the insert).
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(meeting=m, user=user, method=method, by=by)
    except IntegrityError:
        raise ValidationError(_("%(name)s 已经签到过了。") % {"name": user}) from None
    _publish(m, ATTENDANCE_CHANGED, "attendance")
    return checkin


@transaction.atomic
def meeting_check_in(*, user: User, meeting: Meeting, token: str) -> CheckIn:
    """Check oneself in with the meeting's QR code, while check-in is open; once."""
    m = _lock(meeting, "attendance")
    _expire_unread(m)
    require(user, "deliberation.check_in", m, _("只有本议事厅的成员可以签到。"))
    _require_not_closed(m)
    if not m.checkin_open:
        raise ValidationError(_("签到尚未开放或已经结束。"))
    if not token or token != m.checkin_token:
        raise PermissionDenied(_("签到二维码无效，请扫描会场的二维码。"))
    return _check_in(m, user, CheckInMethod.QR, user)


@transaction.atomic
def meeting_check_in_member(*, actor: User, meeting: Meeting, user_id: int) -> CheckIn:
    """The moderator checks in someone present without a phone, by name."""
    m = _lock(meeting, "attendance")
    _expire_unread(m)
    require(actor, "deliberation.run_meeting", m)
    _require_not_closed(m)
    user = User.objects.get(pk=user_id)
    if not _is_active_member(user, m.hall):
        raise ValidationError(_("%(name)s 不是本议事厅的成员。") % {"name": user})
    return _check_in(m, user, CheckInMethod.MANUAL, actor)


# --- running the meeting
def _snapshot_electorate(m: Meeting) -> list[MeetingElector]:
    """Keep who may attend as it stands now: the hall's active members and their roles.

    One read (memberships with their roles, joined) and one INSERT, once per meeting."""
    roles: dict[int, list[str]] = {}
    rows = Membership.objects.filter(hall_id=m.hall_id, status=MembershipStatus.ACTIVE)
    for user_id, role in rows.values_list("user_id", "roles__role").order_by("user_id"):
        held = roles.setdefault(user_id, [])
        if role and role not in held:
            held.append(role)
    return MeetingElector.objects.bulk_create(
        MeetingElector(meeting_id=m.pk, user_id=uid, roles=sorted(held))
        for uid, held in roles.items()
    )


@transaction.atomic
def meeting_open(*, actor: User, meeting: Meeting) -> Meeting:
    """Open the meeting (check-in opens with it if it was not yet open)."""
    m = _lock(meeting, "meeting")
    require(actor, "deliberation.run_meeting", m)
    if m.state == MeetingState.CANCELLED:
        raise ValidationError(_("会议已经取消，不能开会。"))
    if m.state != MeetingState.SCHEDULED:
        raise ValidationError(_("会议已经开始或已经结束。"))
    electors = _snapshot_electorate(m)
    workflow.transition(
        m,
        MeetingState.OPEN,
        opened_at=timezone.now(),
        checkin_open=True,
        electorate_size=len(electors),
    )
    _publish(m, MEETING_CHANGED, "meeting")
    return m


@transaction.atomic
def meeting_open_item(*, actor: User, meeting: Meeting, item_id: int | None = None) -> AgendaItem:
    """Open an agenda item (the next pending one when none is named); its proposal → 议事中."""
    m = _lock(meeting, "meeting")
    floor = selectors.read_floor(m)
    _expire(m, floor)
    require(actor, "deliberation.run_meeting", m)
    _require_open(m)
    items = selectors.agenda_items(m)
    if item_id is None:
        item = next((it for it in items if it.state == AgendaItemState.PENDING), None)
        if item is None:
            raise ValidationError(_("没有下一项议程了，可以宣布散会。"))
    else:
        item = _item_in(items, item_id)
        if item.state != AgendaItemState.PENDING:
            raise ValidationError(_("这一项已经审议过或正在审议。"))
    _close_current_item(m, floor, items)
    if item.proposal is not None:
        proposal_transition(
            proposal=item.proposal,
            to=ProposalState.DELIBERATING,
            actor=actor,
            note=_("会议「%(t)s」开始审议") % {"t": m.title},
            check_permission=False,
        )
    workflow.transition(item, AgendaItemState.OPEN, opened_at=timezone.now())
    m.current_item = item
    locks.save_meeting(m, "current_item")
    # An item is opened once (pending → open), so it has no speeches yet: an empty floor.
    _publish(
        m, ITEM_OPENED, "meeting", "agenda", "floor", "votes", items=items, floor=Floor(item.pk)
    )
    return item


@transaction.atomic
def meeting_close(*, actor: User, meeting: Meeting) -> Meeting:
    """Close the meeting: end the item, close check-in, assemble the minutes.

    Items never opened go back to 已受理；deliberated proposals stay 议事中 until a vote.
    """
    m = _lock(meeting, "meeting", "minutes")
    floor = selectors.read_floor(m)
    _expire(m, floor)
    require(actor, "deliberation.run_meeting", m)
    _require_open(m)
    items = selectors.agenda_items(m)
    _close_current_item(m, floor, items)
    for item in items:
        if (
            item.state == AgendaItemState.PENDING
            and item.proposal is not None
            and item.proposal.state == ProposalState.ON_AGENDA
        ):
            proposal_transition(
                proposal=item.proposal,
                to=ProposalState.ACCEPTED,
                actor=actor,
                note=_("会议「%(t)s」未审议，退回待下次会议") % {"t": m.title},
                check_permission=False,
            )
    workflow.transition(
        m, MeetingState.CLOSED, closed_at=timezone.now(), checkin_open=False, current_item=None
    )
    m.minutes_final = assemble_record(m)
    m.save(update_fields=["minutes_final"])
    _publish(
        m,
        MEETING_CHANGED,
        *("meeting", "agenda", "floor", "minutes", "votes"),
        items=items,
        floor=Floor(None),
    )
    return m


# --- the floor
def _check_limit(m: Meeting, floor: Floor, user: User, stance: str) -> None:
    if stance == Stance.ORDER:
        return
    limit = m.hall.speeches_per_item
    if floor.spoken_counts().get(user.pk, 0) >= limit:
        raise ValidationError(
            _("每人每项议程最多发言 %(n)s 次，%(name)s 已经用完。") % {"n": limit, "name": user}
        )


@transaction.atomic
def hand_raise(*, user: User, meeting: Meeting, stance: str) -> Speech:
    """Raise a hand （举手） with a stance: for, against or a point of order."""
    m = _lock(meeting, "floor")
    floor = selectors.read_floor(m)
    _expire(m, floor)
    require(user, "deliberation.raise_hand", m, _("只有本议事厅的成员可以举手发言。"))
    item_id = _require_item(m)
    if stance not in Stance.values:
        raise ValidationError(_("请选择立场：赞成、反对或秩序问题。"))
    if not selectors.is_checked_in(meeting=m, user=user):
        raise ValidationError(_("请先签到再举手。"))
    if floor.hand_of(user.pk) is not None:
        raise ValidationError(_("您已经举手了，请等待主持人安排。"))
    _check_limit(m, floor, user, stance)
    speech = Speech.objects.create(
        meeting=m, item_id=item_id, user=user, stance=stance, position=floor.next_position()
    )
    floor.speeches.append(speech)
    _publish(m, FLOOR_CHANGED, "floor", floor=floor)
    return speech


@transaction.atomic
def hand_lower(*, user: User, meeting: Meeting) -> None:
    """Put one's own hand down."""
    m = _lock(meeting, "floor")
    floor = selectors.read_floor(m)
    _expire(m, floor)
    _require_item(m)
    hand = floor.hand_of(user.pk)
    if hand is None or hand.state != SpeechState.WAITING:
        raise ValidationError(_("您没有在排队。"))
    workflow.transition(hand, SpeechState.WITHDRAWN)
    _publish(m, FLOOR_CHANGED, "floor", floor=floor)


@transaction.atomic
def hand_remove(*, actor: User, meeting: Meeting, speech_id: int) -> None:
    """The moderator removes a hand from the queue."""
    m = _lock(meeting, "floor")
    floor = selectors.read_floor(m)
    _expire(m, floor)
    require(actor, "deliberation.run_meeting", m)
    _require_item(m)
    speech = floor.get(speech_id)
    if speech.state != SpeechState.WAITING:
        raise ValidationError(_("这位发言人已不在队列中。"))
    workflow.transition(speech, SpeechState.REMOVED)
    _publish(m, FLOOR_CHANGED, "floor", floor=floor)


@transaction.atomic
def queue_reorder(*, actor: User, meeting: Meeting, order: list[int]) -> None:
    """The moderator reorders the queue (the rules of order still apply on top of it)."""
    m = _lock(meeting, "floor")
    floor = selectors.read_floor(m)
    _expire(m, floor)
    require(actor, "deliberation.run_meeting", m)
    _require_item(m)
    waiting = {s.pk: s for s in floor.waiting()}
    if (
        not isinstance(order, list)
        or sorted(order) != sorted(waiting)
        or len(set(order)) != len(order)
    ):
        raise ValidationError(_("队列已经变化，请刷新后再调整。"))
    changed = []
    for n, pk in enumerate(order, start=1):
        if waiting[pk].position != n:
            waiting[pk].position = n
            changed.append(waiting[pk])
    Speech.objects.bulk_update(changed, ["position"])  # one UPDATE for the hands that moved
    _publish(m, FLOOR_CHANGED, "floor", floor=floor)


@transaction.atomic
def floor_give(*, actor: User, meeting: Meeting, speech_id: int | None = None) -> Speech:
    """Give the floor to the next hand by the rules (ending the current speech first)."""
    m = _lock(meeting, "floor")
    floor = selectors.read_floor(m)
    _expire(m, floor)
    require(actor, "deliberation.run_meeting", m)
    _require_item(m)
    current = floor.speaker()
    if current is not None:
        _end_speech(current, reason="moderator")
    order = floor.queue()
    if not order:
        raise ValidationError(_("没有人在举手等待发言。"))
    pick = order[0]
    if speech_id is not None and speech_id != pick.pk:
        if not any(s.pk == speech_id for s in order):
            raise ValidationError(_("这位发言人已不在队列中。"))
        raise ValidationError(
            _("按议事规则（秩序问题优先、正反方轮流），下一位应由 %(name)s 发言。")
            % {"name": pick.user}
        )
    _check_limit(m, floor, pick.user, pick.stance)
    now = timezone.now()
    workflow.transition(
        pick,
        SpeechState.SPEAKING,
        started_at=now,
        deadline=now + timedelta(seconds=m.hall.speech_limit_seconds),
    )
    _publish(m, FLOOR_CHANGED, "floor", floor=floor)
    return pick


@transaction.atomic
def floor_end(*, actor: User, meeting: Meeting) -> None:
    """End the current speech (the moderator, or the speaker yielding the floor)."""
    m = _lock(meeting, "floor")
    floor = selectors.read_floor(m)
    if _expire(m, floor):
        return
    speech = floor.speaker()
    if speech is None:
        raise ValidationError(_("现在没有人在发言。"))
    if speech.user_id != actor.pk:
        require(actor, "deliberation.run_meeting", m)
    _end_speech(speech, reason="speaker" if speech.user_id == actor.pk else "moderator")
    _publish(m, FLOOR_CHANGED, "floor", floor=floor)


@transaction.atomic
def floor_extend(*, actor: User, meeting: Meeting, seconds: int = 60) -> Speech:
    """Give the current speaker more time (moves the deadline)."""
    m = _lock(meeting, "floor")
    floor = selectors.read_floor(m)
    _expire(m, floor)
    require(actor, "deliberation.run_meeting", m)
    if not isinstance(seconds, int) or not EXTEND_MIN <= seconds <= EXTEND_MAX:
        raise ValidationError(
            _("延长时间应在 %(a)s 到 %(b)s 秒之间。") % {"a": EXTEND_MIN, "b": EXTEND_MAX}
        )
    speech = floor.speaker()
    if speech is None:
        raise ValidationError(_("现在没有人在发言（发言时间可能已到）。"))
    speech.deadline += timedelta(seconds=seconds)
    speech.extended_seconds += seconds
    speech.save(update_fields=["deadline", "extended_seconds"])
    _publish(m, FLOOR_CHANGED, "floor", floor=floor)
    return speech


@transaction.atomic
def floor_expire_overdue(*, meeting_id: int) -> bool:
    """End the current speech if its time is up; return whether one was ended."""
    m = _lock(meeting_id, "floor")
    return _expire(m, selectors.read_floor(m))


# --- minutes
@transaction.atomic
def minutes_save(*, actor: User, meeting: Meeting, body: str, base_version: int) -> Meeting:
    """Save the recorder's notes (autosave); every version is kept."""
    m = _lock(meeting, "minutes")
    require(actor, "deliberation.write_minutes", m)
    if m.minutes_locked:
        raise ValidationError(_("会议纪要已经确认，不能再修改。"))
    if not isinstance(body, str) or len(body) > MAX_MINUTES_CHARS:
        raise ValidationError(_("会议记录过长。"))
    if base_version != m.minutes_version:
        raise ValidationError(
            _("记录已被他人更新（版本 %(v)s），请刷新后再改。") % {"v": m.minutes_version}
        )
    if body == m.minutes_body:
        return m
    m.minutes_version += 1
    m.minutes_body = body
    m.minutes_updated_at = timezone.now()
    fields = ["minutes_body", "minutes_version", "minutes_updated_at", *_reassembled(m)]
    m.save(update_fields=fields)
    MinutesVersion.objects.create(meeting=m, number=m.minutes_version, body=body, author=actor)
    _publish(m, MINUTES_CHANGED, "minutes")
    return m


@transaction.atomic
def minutes_confirm(*, actor: User, meeting: Meeting, role: str) -> Meeting:
    """Confirm （确认） the assembled minutes as moderator or recorder; both make them read-only."""
    m = _lock(meeting, "minutes")
    perms = {"moderator": "deliberation.run_meeting", "recorder": "deliberation.write_minutes"}
    if role not in perms:
        raise ValidationError(_("请说明以主持人还是记录员身份确认。"))
    require(actor, perms[role], m)
    if m.state != MeetingState.CLOSED:
        raise ValidationError(_("散会后才能确认会议纪要。"))
    if getattr(m, f"{role}_confirmed_at"):
        raise ValidationError(
            _("%(who)s已经确认过了。")
            % {"who": _("主持人") if role == "moderator" else _("记录员")}
        )
    fields = _reassembled(m)
    now = timezone.now()
    if role == "moderator":
        m.moderator_confirmed_by, m.moderator_confirmed_at = actor, now
    else:
        m.recorder_confirmed_by, m.recorder_confirmed_at = actor, now
    m.save(update_fields=[*fields, f"{role}_confirmed_by", f"{role}_confirmed_at"])
    _publish(m, MINUTES_CHANGED, "minutes")
    return m
