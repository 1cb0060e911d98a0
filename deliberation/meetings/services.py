"""Writes of meetings: one function per use case; HTTP views, the API and the room call these.

Each service locks the meeting row (so commands on one meeting are serialised), first ends a
speech whose deadline has passed (timers are enforced by the server, see docs/realtime.md),
checks the permission, changes state and publishes the changed sections on commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Hall, Membership, MembershipStatus, User
from community.services import require
from deliberation.meetings import selectors
from deliberation.meetings.minutes import assemble_minutes
from deliberation.meetings.prepared import save_fields
from deliberation.meetings.protocol import (
    AGENDA_CHANGED,
    ATTENDANCE_CHANGED,
    FLOOR_CHANGED,
    ITEM_OPENED,
    MEETING_CHANGED,
    MINUTES_CHANGED,
)
from deliberation.models import (
    AgendaItem,
    AgendaItemState,
    Ballot,
    CheckIn,
    CheckInMethod,
    Meeting,
    MeetingState,
    MinutesVersion,
    Speech,
    SpeechState,
    Stance,
)
from deliberation.models.votes import BallotState
from forum.models import Proposal, ProposalState
from forum.workflow import proposal_transition
from realtime.protocol import event_type
from realtime.publish import publish

MEETING_SCHEDULED = event_type(
    "meeting.scheduled", "A meeting was scheduled in the hall. data: {id, title, starts_at, url}"
)
MAX_MINUTES_CHARS = 100_000
EXTEND_MIN, EXTEND_MAX = 10, 600


# --- helpers
def _lock(meeting: Meeting | int) -> Meeting:
    """Lock the meeting row and load it with what the sections need (one query).

    Only the primary key of `meeting` is used: each service works on the row it loads here."""
    pk = meeting if isinstance(meeting, int) else meeting.pk
    return selectors.load_meeting(pk, lock=True)


def _publish(m: Meeting, type: str, *names: str) -> int:
    data = selectors.sections(m, *names)
    if "floor" in names:
        data["server_now"] = selectors.iso(timezone.now())
    return publish(selectors.meeting_room(m.pk), type, data)


def _is_active_member(user: User, hall: Hall) -> bool:
    return Membership.objects.filter(user=user, hall=hall, status=MembershipStatus.ACTIVE).exists()


def _require_open(m: Meeting) -> None:
    if m.state != MeetingState.OPEN:
        raise ValidationError(_("会议尚未开始或已经结束。"))


def _require_not_closed(m: Meeting) -> None:
    if m.state == MeetingState.CLOSED:
        raise ValidationError(_("会议已经结束。"))


def _current_item(m: Meeting) -> AgendaItem:
    _require_open(m)
    if m.current_item_id is None:
        raise ValidationError(_("主持人还没有开始任何一项议程。"))
    return AgendaItem.objects.get(pk=m.current_item_id)


def _speaker(m: Meeting) -> Speech | None:
    return Speech.objects.select_for_update().filter(meeting=m, state=SpeechState.SPEAKING).first()


def _end_speech(speech: Speech, *, reason: str, at: datetime | None = None) -> None:
    speech.state = SpeechState.DONE
    speech.ended_at = at or timezone.now()
    speech.end_reason = reason
    save_fields(speech, "state", "ended_at", "end_reason")


def _expire(m: Meeting) -> bool:
    """End the current speech if its deadline has passed (at the deadline); publish if so."""
    speech = _speaker(m)
    if speech is None or speech.deadline is None or speech.deadline > timezone.now():
        return False
    _end_speech(speech, reason="timer", at=speech.deadline)
    _publish(m, FLOOR_CHANGED, "floor")
    return True


def _close_current_item(m: Meeting) -> None:
    if m.current_item_id is None:
        return
    if Ballot.objects.filter(agenda_item_id=m.current_item_id, state=BallotState.OPEN).exists():
        raise ValidationError(_("本项议程的表决还在进行,请先结束表决。"))
    speech = _speaker(m)
    if speech is not None:
        _end_speech(speech, reason="item", at=min(timezone.now(), speech.deadline))
    Speech.objects.filter(item_id=m.current_item_id, state=SpeechState.WAITING).update(
        state=SpeechState.WITHDRAWN
    )
    AgendaItem.objects.filter(pk=m.current_item_id).update(
        state=AgendaItemState.DONE, closed_at=timezone.now()
    )
    m.current_item = None
    save_fields(m, "current_item")


def _reassemble(m: Meeting) -> None:
    if m.state == MeetingState.CLOSED and not m.minutes_locked:
        m.minutes_final = assemble_minutes(m)
        save_fields(m, "minutes_final")


# --- scheduling and the agenda
def _check_proposal(proposal: Proposal, hall: Hall) -> None:
    if proposal.hall_id != hall.pk:
        raise ValidationError(_("议题「%(t)s」不属于本议事厅。") % {"t": proposal.title})
    if proposal.state != ProposalState.ACCEPTED:
        raise ValidationError(_("只有已受理的议题可以列入议程:「%(t)s」。") % {"t": proposal.title})


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
    if len(title) > 80:
        raise ValidationError(_("议程名称不能超过 80 字。"))
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
    """Schedule a meeting with its agenda; accepted proposals move to 列入议程."""
    require(actor, "deliberation.schedule_meeting", hall)
    errors: dict[str, list[str]] = {}
    title, venue = title.strip(), venue.strip()
    if not title:
        errors["title"] = [_("请填写会议名称。")]
    if not venue:
        errors["venue"] = [_("请填写会议地点。")]
    if starts_at is None:
        errors["starts_at"] = [_("请填写开始时间。")]
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
    return m


@transaction.atomic
def agenda_add_item(
    *,
    actor: User,
    meeting: Meeting,
    title: str = "",
    proposal: Proposal | None = None,
    budget_minutes: int | None = None,
) -> AgendaItem:
    """Add a free item or an accepted proposal to the agenda."""
    m = _lock(meeting)
    require(actor, "deliberation.run_meeting", m)
    _require_not_closed(m)
    item = _add_item(m, actor, title=title, proposal=proposal, budget=budget_minutes)
    _publish(m, AGENDA_CHANGED, "agenda")
    return item


def _pending_item(m: Meeting, item_id: int) -> AgendaItem:
    item = AgendaItem.objects.select_related("proposal").get(pk=item_id, meeting=m)
    if item.state != AgendaItemState.PENDING:
        raise ValidationError(_("这一项已经审议过或正在审议,不能更改。"))
    return item


@transaction.atomic
def agenda_remove_item(*, actor: User, meeting: Meeting, item_id: int) -> None:
    """Take a pending item off the agenda; its proposal goes back to 已受理."""
    m = _lock(meeting)
    require(actor, "deliberation.run_meeting", m)
    _require_not_closed(m)
    item = _pending_item(m, item_id)
    if item.proposal is not None and item.proposal.state == ProposalState.ON_AGENDA:
        proposal_transition(
            proposal=item.proposal,
            to=ProposalState.ACCEPTED,
            actor=actor,
            note=_("移出会议「%(t)s」议程") % {"t": m.title},
            check_permission=False,
        )
    item.delete()
    _publish(m, AGENDA_CHANGED, "agenda")


@transaction.atomic
def agenda_move_item(*, actor: User, meeting: Meeting, item_id: int, direction: str) -> None:
    """Move a pending item one place up or down."""
    m = _lock(meeting)
    require(actor, "deliberation.run_meeting", m)
    _require_not_closed(m)
    if direction not in ("up", "down"):
        raise ValidationError(_("方向只能是 up 或 down。"))
    item = _pending_item(m, item_id)
    items = selectors.agenda_items(m)
    i = next(n for n, it in enumerate(items) if it.pk == item.pk)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(items) or items[j].state != AgendaItemState.PENDING:
        raise ValidationError(_("已经不能再移动了。"))
    items[i], items[j] = items[j], items[i]
    for n, it in enumerate(items, start=1):
        if it.order != n:
            it.order = n
            save_fields(it, "order")
    _publish(m, AGENDA_CHANGED, "agenda")


@transaction.atomic
def agenda_set_budget(
    *, actor: User, meeting: Meeting, item_id: int, budget_minutes: int | None
) -> None:
    """Set (or clear) an item's time budget."""
    m = _lock(meeting)
    require(actor, "deliberation.run_meeting", m)
    _require_not_closed(m)
    item = AgendaItem.objects.get(pk=item_id, meeting=m)
    if budget_minutes is not None and not 1 <= budget_minutes <= 600:
        raise ValidationError(_("时间预算应在 1 到 600 分钟之间。"))
    item.budget_minutes = budget_minutes
    save_fields(item, "budget_minutes")
    _publish(m, AGENDA_CHANGED, "agenda")


# --- check-in
@transaction.atomic
def meeting_set_checkin(*, actor: User, meeting: Meeting, open: bool) -> Meeting:
    """Open or close check-in (签到)."""
    m = _lock(meeting)
    require(actor, "deliberation.run_meeting", m)
    _require_not_closed(m)
    m.checkin_open = bool(open)
    save_fields(m, "checkin_open")
    _publish(m, MEETING_CHANGED, "meeting")
    return m


def _check_in(m: Meeting, user: User, method: str, by: User) -> CheckIn:
    if CheckIn.objects.filter(meeting=m, user=user).exists():
        raise ValidationError(_("%(name)s 已经签到过了。") % {"name": user})
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
    m = _lock(meeting)
    _expire(m)
    require(user, "deliberation.check_in", m, _("只有本议事厅的成员可以签到。"))
    _require_not_closed(m)
    if not m.checkin_open:
        raise ValidationError(_("签到尚未开放或已经结束。"))
    if not token or token != m.checkin_token:
        raise PermissionDenied(_("签到二维码无效,请扫描会场的二维码。"))
    return _check_in(m, user, CheckInMethod.QR, user)


@transaction.atomic
def meeting_check_in_member(*, actor: User, meeting: Meeting, user_id: int) -> CheckIn:
    """The moderator checks in someone present without a phone, by name."""
    m = _lock(meeting)
    _expire(m)
    require(actor, "deliberation.run_meeting", m)
    _require_not_closed(m)
    user = User.objects.get(pk=user_id)
    if not _is_active_member(user, m.hall):
        raise ValidationError(_("%(name)s 不是本议事厅的成员。") % {"name": user})
    return _check_in(m, user, CheckInMethod.MANUAL, actor)


# --- running the meeting
@transaction.atomic
def meeting_open(*, actor: User, meeting: Meeting) -> Meeting:
    """Open the meeting (check-in opens with it if it was not yet open)."""
    m = _lock(meeting)
    require(actor, "deliberation.run_meeting", m)
    if m.state != MeetingState.SCHEDULED:
        raise ValidationError(_("会议已经开始或已经结束。"))
    m.state = MeetingState.OPEN
    m.opened_at = timezone.now()
    m.checkin_open = True
    save_fields(m, "state", "opened_at", "checkin_open")
    _publish(m, MEETING_CHANGED, "meeting")
    return m


@transaction.atomic
def meeting_open_item(*, actor: User, meeting: Meeting, item_id: int | None = None) -> AgendaItem:
    """Open an agenda item (the next pending one when none is named); its proposal → 议事中."""
    m = _lock(meeting)
    _expire(m)
    require(actor, "deliberation.run_meeting", m)
    _require_open(m)
    pending = AgendaItem.objects.filter(meeting=m, state=AgendaItemState.PENDING).select_related(
        "proposal"
    )
    if item_id is None:
        item = pending.order_by("order", "pk").first()
        if item is None:
            raise ValidationError(_("没有下一项议程了,可以宣布散会。"))
    else:
        item = AgendaItem.objects.select_related("proposal").get(pk=item_id, meeting=m)
        if item.state != AgendaItemState.PENDING:
            raise ValidationError(_("这一项已经审议过或正在审议。"))
    _close_current_item(m)
    if item.proposal is not None:
        proposal_transition(
            proposal=item.proposal,
            to=ProposalState.DELIBERATING,
            actor=actor,
            note=_("会议「%(t)s」开始审议") % {"t": m.title},
            check_permission=False,
        )
    item.state = AgendaItemState.OPEN
    item.opened_at = timezone.now()
    save_fields(item, "state", "opened_at")
    m.current_item = item
    save_fields(m, "current_item")
    _publish(m, ITEM_OPENED, "meeting", "agenda", "floor", "votes")
    return item


@transaction.atomic
def meeting_close(*, actor: User, meeting: Meeting) -> Meeting:
    """Close the meeting: end the item, close check-in, assemble the minutes.

    Items never opened go back to 已受理; deliberated proposals stay 议事中 until a vote.
    """
    m = _lock(meeting)
    _expire(m)
    require(actor, "deliberation.run_meeting", m)
    _require_open(m)
    _close_current_item(m)
    for item in AgendaItem.objects.filter(
        meeting=m, state=AgendaItemState.PENDING, proposal__state=ProposalState.ON_AGENDA
    ).select_related("proposal"):
        proposal_transition(
            proposal=item.proposal,
            to=ProposalState.ACCEPTED,
            actor=actor,
            note=_("会议「%(t)s」未审议,退回待下次会议") % {"t": m.title},
            check_permission=False,
        )
    m.state = MeetingState.CLOSED
    m.closed_at = timezone.now()
    m.checkin_open = False
    save_fields(m, "state", "closed_at", "checkin_open")
    m.minutes_final = assemble_minutes(m)
    save_fields(m, "minutes_final")
    _publish(m, MEETING_CHANGED, "meeting", "agenda", "floor", "minutes", "votes")
    return m


# --- the floor
def _check_limit(m: Meeting, item: AgendaItem, user: User, stance: str) -> None:
    if stance == Stance.ORDER:
        return
    limit = m.hall.speeches_per_item
    if selectors.spoken_counts(item.pk).get(user.pk, 0) >= limit:
        raise ValidationError(
            _("每人每项议程最多发言 %(n)s 次,%(name)s 已经用完。") % {"n": limit, "name": user}
        )


@transaction.atomic
def hand_raise(*, user: User, meeting: Meeting, stance: str) -> Speech:
    """Raise a hand (举手) with a stance: for, against or a point of order."""
    m = _lock(meeting)
    _expire(m)
    require(user, "deliberation.raise_hand", m, _("只有本议事厅的成员可以举手发言。"))
    item = _current_item(m)
    if stance not in Stance.values:
        raise ValidationError(_("请选择立场:赞成、反对或秩序问题。"))
    if not selectors.is_checked_in(meeting=m, user=user):
        raise ValidationError(_("请先签到再举手。"))
    if Speech.objects.filter(
        item=item, user=user, state__in=[SpeechState.WAITING, SpeechState.SPEAKING]
    ).exists():
        raise ValidationError(_("您已经举手了,请等待主持人安排。"))
    _check_limit(m, item, user, stance)
    last = Speech.objects.filter(item=item).aggregate(n=Max("position"))["n"]
    speech = Speech.objects.create(
        meeting=m, item=item, user=user, stance=stance, position=(last or 0) + 1
    )
    _publish(m, FLOOR_CHANGED, "floor")
    return speech


@transaction.atomic
def hand_lower(*, user: User, meeting: Meeting) -> None:
    """Put one's own hand down."""
    m = _lock(meeting)
    _expire(m)
    item = _current_item(m)
    n = Speech.objects.filter(item=item, user=user, state=SpeechState.WAITING).update(
        state=SpeechState.WITHDRAWN
    )
    if not n:
        raise ValidationError(_("您没有在排队。"))
    _publish(m, FLOOR_CHANGED, "floor")


@transaction.atomic
def hand_remove(*, actor: User, meeting: Meeting, speech_id: int) -> None:
    """The moderator removes a hand from the queue."""
    m = _lock(meeting)
    _expire(m)
    require(actor, "deliberation.run_meeting", m)
    item = _current_item(m)
    speech = Speech.objects.get(pk=speech_id, item=item)
    if speech.state != SpeechState.WAITING:
        raise ValidationError(_("这位发言人已不在队列中。"))
    speech.state = SpeechState.REMOVED
    save_fields(speech, "state")
    _publish(m, FLOOR_CHANGED, "floor")


@transaction.atomic
def queue_reorder(*, actor: User, meeting: Meeting, order: list[int]) -> None:
    """The moderator reorders the queue (the rules of order still apply on top of it)."""
    m = _lock(meeting)
    _expire(m)
    require(actor, "deliberation.run_meeting", m)
    item = _current_item(m)
    waiting = {s.pk: s for s in Speech.objects.filter(item=item, state=SpeechState.WAITING)}
    if (
        not isinstance(order, list)
        or sorted(order) != sorted(waiting)
        or len(set(order)) != len(order)
    ):
        raise ValidationError(_("队列已经变化,请刷新后再调整。"))
    for n, pk in enumerate(order, start=1):
        if waiting[pk].position != n:
            waiting[pk].position = n
            save_fields(waiting[pk], "position")
    _publish(m, FLOOR_CHANGED, "floor")


@transaction.atomic
def floor_give(*, actor: User, meeting: Meeting, speech_id: int | None = None) -> Speech:
    """Give the floor to the next hand by the rules (ending the current speech first)."""
    m = _lock(meeting)
    _expire(m)
    require(actor, "deliberation.run_meeting", m)
    item = _current_item(m)
    current = _speaker(m)
    if current is not None:
        _end_speech(current, reason="moderator")
    order = selectors.waiting_hands(item.pk)
    if not order:
        raise ValidationError(_("没有人在举手等待发言。"))
    pick = order[0]
    if speech_id is not None and speech_id != pick.pk:
        if not any(s.pk == speech_id for s in order):
            raise ValidationError(_("这位发言人已不在队列中。"))
        raise ValidationError(
            _("按议事规则(秩序问题优先、正反方轮流),下一位应由 %(name)s 发言。")
            % {"name": pick.user}
        )
    _check_limit(m, item, pick.user, pick.stance)
    now = timezone.now()
    pick = Speech.objects.select_for_update().get(pk=pick.pk)
    pick.state = SpeechState.SPEAKING
    pick.started_at = now
    pick.deadline = now + timedelta(seconds=m.hall.speech_limit_seconds)
    save_fields(pick, "state", "started_at", "deadline")
    _publish(m, FLOOR_CHANGED, "floor")
    return pick


@transaction.atomic
def floor_end(*, actor: User, meeting: Meeting) -> None:
    """End the current speech (the moderator, or the speaker yielding the floor)."""
    m = _lock(meeting)
    if _expire(m):
        return
    speech = _speaker(m)
    if speech is None:
        raise ValidationError(_("现在没有人在发言。"))
    if speech.user_id != actor.pk:
        require(actor, "deliberation.run_meeting", m)
    _end_speech(speech, reason="speaker" if speech.user_id == actor.pk else "moderator")
    _publish(m, FLOOR_CHANGED, "floor")


@transaction.atomic
def floor_extend(*, actor: User, meeting: Meeting, seconds: int = 60) -> Speech:
    """Give the current speaker more time (moves the deadline)."""
    m = _lock(meeting)
    _expire(m)
    require(actor, "deliberation.run_meeting", m)
    if not isinstance(seconds, int) or not EXTEND_MIN <= seconds <= EXTEND_MAX:
        raise ValidationError(
            _("延长时间应在 %(a)s 到 %(b)s 秒之间。") % {"a": EXTEND_MIN, "b": EXTEND_MAX}
        )
    speech = _speaker(m)
    if speech is None:
        raise ValidationError(_("现在没有人在发言(发言时间可能已到)。"))
    speech.deadline += timedelta(seconds=seconds)
    speech.extended_seconds += seconds
    save_fields(speech, "deadline", "extended_seconds")
    _publish(m, FLOOR_CHANGED, "floor")
    return speech


@transaction.atomic
def floor_expire_overdue(*, meeting_id: int) -> bool:
    """End the current speech if its time is up; return whether one was ended."""
    m = _lock(meeting_id)
    return _expire(m)


def next_deadline(*, meeting_id: int) -> datetime | None:
    """The deadline of the current speech, if any (read by the room's timer watcher)."""
    return (
        Speech.objects.filter(meeting_id=meeting_id, state=SpeechState.SPEAKING)
        .values_list("deadline", flat=True)
        .first()
    )


# --- minutes
@transaction.atomic
def minutes_save(*, actor: User, meeting: Meeting, body: str, base_version: int) -> Meeting:
    """Save the recorder's notes (autosave); every version is kept."""
    m = _lock(meeting)
    require(actor, "deliberation.write_minutes", m)
    if m.minutes_locked:
        raise ValidationError(_("会议纪要已经确认,不能再修改。"))
    if not isinstance(body, str) or len(body) > MAX_MINUTES_CHARS:
        raise ValidationError(_("会议记录过长。"))
    if base_version != m.minutes_version:
        raise ValidationError(
            _("记录已被他人更新(版本 %(v)s),请刷新后再改。") % {"v": m.minutes_version}
        )
    if body == m.minutes_body:
        return m
    m.minutes_version += 1
    m.minutes_body = body
    m.minutes_updated_at = timezone.now()
    save_fields(m, "minutes_body", "minutes_version", "minutes_updated_at")
    MinutesVersion.objects.create(meeting=m, number=m.minutes_version, body=body, author=actor)
    _reassemble(m)
    _publish(m, MINUTES_CHANGED, "minutes")
    return m


@transaction.atomic
def minutes_confirm(*, actor: User, meeting: Meeting, role: str) -> Meeting:
    """Confirm (确认) the assembled minutes as moderator or recorder; both make them read-only."""
    m = _lock(meeting)
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
    _reassemble(m)
    setattr(m, f"{role}_confirmed_by", actor)
    setattr(m, f"{role}_confirmed_at", timezone.now())
    m.save()
    _publish(m, MINUTES_CHANGED, "minutes")
    return m
