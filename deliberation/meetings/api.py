"""/api/v1/ endpoints of meetings: the same services and command table as the websocket room."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from community import selectors as community_selectors
from community.apierrors import answers, refuse_unstorable
from community.auth import AUTH
from community.models import User
from deliberation.meetings import selectors, services
from deliberation.meetings.commands import COMMANDS
from deliberation.models import Meeting
from forum.models import Proposal

router = Router(tags=["meetings"])


class FreeItemIn(Schema):
    title: str
    budget_minutes: int | None = None


class MeetingIn(Schema):
    title: str
    starts_at: datetime
    venue: str
    moderator_id: int
    recorder_id: int
    is_hybrid: bool = True
    notice: str = ""
    proposal_ids: list[int] = []
    free_items: list[FreeItemIn] = []


class RescheduleIn(Schema):
    starts_at: datetime
    venue: str
    reason: str


class CancelIn(Schema):
    reason: str


class MeetingOut(Schema):
    id: int
    title: str
    state: str
    starts_at: datetime
    held_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    venue: str
    is_hybrid: bool
    moderator: str
    recorder: str
    url: str


class ActionOut(Schema):
    ok: bool
    data: dict[str, Any]


class MinutesOut(Schema):
    meeting_id: int
    markdown: str
    notes: str
    locked: bool


def meeting_out(m: Meeting) -> dict:
    return {
        "id": m.pk,
        "title": m.title,
        "state": m.state,
        "starts_at": m.starts_at,  # as scheduled
        "held_at": m.held_at,  # when it really opened, else as scheduled
        "opened_at": m.opened_at,
        "closed_at": m.closed_at,
        "venue": m.venue,
        "is_hybrid": m.is_hybrid,
        "moderator": str(m.moderator),
        "recorder": str(m.recorder),
        "url": f"/meetings/{m.pk}/",
    }


def _meeting(request, pk: int) -> Meeting:
    meeting = get_object_or_404(Meeting.objects.select_related("hall__compound__community"), pk=pk)
    if not request.auth.has_perm("deliberation.view_meeting", meeting):
        raise PermissionDenied(_("只有本议事厅的成员可以查看会议。"))
    return meeting


@router.get(
    "/halls/{hall_id}/meetings", response=answers(list[MeetingOut], 401, 403, 404, 422), auth=AUTH
)
def list_meetings(request, hall_id: int):
    hall = get_object_or_404(community_selectors.halls_visible_to(), pk=hall_id)
    if not request.auth.has_perm("deliberation.view_meeting", hall):
        raise PermissionDenied(_("只有本议事厅的成员可以查看会议。"))
    return [meeting_out(m) for m in selectors.meetings_of(hall=hall)]


@router.post(
    "/halls/{hall_id}/meetings",
    response=answers({201: MeetingOut}, 400, 401, 403, 404, 422),
    auth=AUTH,
)
def schedule_meeting(request, hall_id: int, payload: MeetingIn):
    hall = get_object_or_404(community_selectors.halls_visible_to(), pk=hall_id)
    m = services.meeting_schedule(
        actor=request.auth,
        hall=hall,
        title=payload.title,
        starts_at=payload.starts_at,
        venue=payload.venue,
        moderator=get_object_or_404(User, pk=payload.moderator_id),
        recorder=get_object_or_404(User, pk=payload.recorder_id),
        is_hybrid=payload.is_hybrid,
        notice=payload.notice,
        proposals=[get_object_or_404(Proposal, pk=pk) for pk in payload.proposal_ids],
        free_items=[(i.title, i.budget_minutes) for i in payload.free_items],
    )
    return Status(201, meeting_out(selectors.load_meeting(m.pk)))


@router.post(
    "/meetings/{meeting_id}/reschedule",
    response=answers(MeetingOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Move a scheduled meeting to a new time or venue (every member is told the reason)",
)
def reschedule_meeting(request, meeting_id: int, payload: RescheduleIn):
    meeting = _meeting(request, meeting_id)
    services.meeting_reschedule(
        actor=request.auth,
        meeting=meeting,
        starts_at=payload.starts_at,
        venue=payload.venue,
        reason=payload.reason,
    )
    return meeting_out(selectors.load_meeting(meeting.pk))


@router.post(
    "/meetings/{meeting_id}/cancel",
    response=answers(MeetingOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Cancel a scheduled meeting (its proposals go back to 已受理；members are told why)",
)
def cancel_meeting(request, meeting_id: int, payload: CancelIn):
    meeting = _meeting(request, meeting_id)
    services.meeting_cancel(actor=request.auth, meeting=meeting, reason=payload.reason)
    return meeting_out(selectors.load_meeting(meeting.pk))


@router.get(
    "/meetings/{meeting_id}",
    response=answers(dict, 401, 403, 404, 422),
    auth=AUTH,
    summary="The room's state (the same as the websocket snapshot)",
)
def meeting_state(request, meeting_id: int) -> dict[str, Any]:
    # A read: a speech past its deadline is shown ended, a ballot past its window closed.
    meeting = _meeting(request, meeting_id)
    return selectors.meeting_snapshot(meeting.pk, viewer=request.auth)


@router.post(
    "/meetings/{meeting_id}/actions/{action}",
    response=answers(ActionOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Run a room command (open_meeting, next_item, raise_hand, give_floor, …)",
    description="The body is the command's `data` (docs/realtime.md, 'Meeting room'); "
    "the effect reaches everyone in the websocket room.",
)
def meeting_action(request, meeting_id: int, action: str):
    meeting = _meeting(request, meeting_id)
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise ValidationError(_("请求体应为 JSON 对象。"))
    refuse_unstorable(payload)
    handler = COMMANDS.get(action)
    if handler is None:
        return Status(404, {"detail": _("未知的指令：%(a)s") % {"a": action}})
    return {"ok": True, "data": handler(request.auth, meeting.pk, payload)}


@router.get(
    "/meetings/{meeting_id}/minutes", response=answers(MinutesOut, 401, 403, 404, 422), auth=AUTH
)
def meeting_minutes(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    return {
        "meeting_id": meeting.pk,
        "markdown": meeting.minutes_final,
        "notes": meeting.minutes_body,
        "locked": meeting.minutes_locked,
    }
