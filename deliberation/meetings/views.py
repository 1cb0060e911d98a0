"""Pages of meetings: list, schedule, the live room, big screen, check-in, QR code, minutes."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import selectors as community_selectors
from community.markup import render_markdown
from community.models import MajorityRule
from deliberation.meetings import minutes, selectors, services
from deliberation.meetings.commands import COMMANDS
from deliberation.meetings.forms import (
    AgendaAddForm,
    BudgetForm,
    CancelForm,
    MeetingForm,
    RescheduleForm,
)
from deliberation.models import Meeting
from deliberation.models.meetings import (
    AgendaItemState,
    CheckInMethod,
    MeetingState,
    SpeechState,
    Stance,
)
from deliberation.models.votes import BallotKind, BallotResult, BallotState
from deliberation.votes.choices import OptionKey


def _hall(slug: str):
    try:
        return community_selectors.hall_detail(slug=slug)
    except ObjectDoesNotExist:
        raise Http404(_("没有这个议事厅。")) from None


def _meeting(request, pk: int, perm: str = "deliberation.view_meeting") -> Meeting:
    try:
        meeting = selectors.load_meeting(pk)
    except Meeting.DoesNotExist:
        raise Http404(_("没有这个会议。")) from None
    if not request.user.has_perm(perm, meeting):
        raise PermissionDenied(_("只有本议事厅的成员可以进入会议。"))
    return meeting


def _run(request, pk: int) -> Meeting:
    """The meeting, for its moderator (or a head or an admin) only."""
    meeting = _meeting(request, pk)  # a non-member is told the room is for members
    if not request.user.has_perm("deliberation.run_meeting", meeting):
        raise PermissionDenied(_("只有本次会议的主持人或微家负责人可以安排议程、改期或取消会议。"))
    return meeting


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def meeting_list(request, slug: str):
    hall = _hall(slug)
    meetings = (
        list(selectors.meetings_of(hall=hall))
        if request.user.has_perm("deliberation.view_meeting", hall)
        else []
    )
    return render(
        request,
        "deliberation/meetings/meeting_list.html",
        {
            "hall": hall,
            "upcoming": [m for m in meetings if m.state in ("scheduled", "open")][::-1],
            "past": [m for m in meetings if m.state not in ("scheduled", "open")],
            "is_member": request.user.has_perm("deliberation.view_meeting", hall),
            "can_schedule": request.user.has_perm("deliberation.schedule_meeting", hall),
        },
    )


@login_required
def meeting_new(request, slug: str):
    hall = _hall(slug)
    if not request.user.has_perm("deliberation.schedule_meeting", hall):
        raise PermissionDenied(_("只有微家负责人或主持人可以安排会议。"))
    form = MeetingForm(request.POST or None, hall=hall)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            meeting = services.meeting_schedule(
                actor=request.user,
                hall=hall,
                title=d["title"],
                starts_at=d["starts_at"],
                venue=d["venue"],
                is_hybrid=d["is_hybrid"],
                moderator=d["moderator"],
                recorder=d["recorder"],
                notice=d["notice"],
                proposals=list(d["proposals"]),
                free_items=d["free_items"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("会议已安排，成员会在议事厅看到通知。"))
            return redirect("meeting", pk=meeting.pk)
    return render(request, "deliberation/meetings/meeting_form.html", {"hall": hall, "form": form})


def room_labels() -> dict[str, dict[str, str]]:
    """Return the labels of every value the room's scripts show, from the model choices."""
    return {
        "meeting_state": dict(MeetingState.choices),
        "item_state": dict(AgendaItemState.choices),
        "speech_state": dict(SpeechState.choices),
        "stance": dict(Stance.choices),
        "checkin_method": dict(CheckInMethod.choices),
        "ballot_state": dict(BallotState.choices),
        "ballot_kind": dict(BallotKind.choices),
        "ballot_result": dict(BallotResult.choices),
        # a motion's fixed options: snapshots sent to everyone carry them in the site's language
        "motion_option": dict(OptionKey.choices),
        "ballot_source": dict(minutes.SOURCE_LABELS),
        "majority_rule": dict(MajorityRule.choices),
    }


def _page_context(request, meeting: Meeting) -> dict:
    user = request.user
    can_run = user.has_perm("deliberation.run_meeting", meeting)
    can_record = user.has_perm("deliberation.write_minutes", meeting)
    return {
        "labels": room_labels(),
        "perms": {"run": can_run, "record": can_record},
        "meeting": meeting,
        "hall": meeting.hall,
        "notice_html": render_markdown(meeting.notice),
        "can_run": can_run,
        "can_record": can_record,
        "checked_in": selectors.is_checked_in(meeting=meeting, user=user),
        "snapshot": selectors.meeting_snapshot(meeting.pk, viewer=request.user),
        "roster": selectors.roster(meeting=meeting) if can_run else [],
        "changes": selectors.changes_of(meeting=meeting),
        "me": {"id": user.pk, "name": str(user)},
        "checkin_url": request.build_absolute_uri(
            reverse("meeting_checkin", args=[meeting.pk, meeting.checkin_token])
        )
        if can_run
        else "",
    }


@login_required
def meeting_room(request, pk: int):
    meeting = _meeting(request, pk)
    return render(
        request, "deliberation/meetings/meeting_room.html", _page_context(request, meeting)
    )


@login_required
def meeting_screen(request, pk: int):
    meeting = _meeting(request, pk)
    context = _page_context(request, meeting)
    # The big screen shows the room to everyone in it: no one's controls.
    context["perms"] = {"run": False, "record": False}
    return render(request, "deliberation/meetings/meeting_screen.html", context)


@login_required
def meeting_qr(request, pk: int):
    """The check-in QR code as SVG (for the big screen and for printing)."""
    meeting = _meeting(request, pk, "deliberation.run_meeting")
    url = request.build_absolute_uri(
        reverse("meeting_checkin", args=[meeting.pk, meeting.checkin_token])
    )
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, dark="#1c1b1f")
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def meeting_qr_page(request, pk: int):
    """A printable page with the check-in QR code."""
    meeting = _meeting(request, pk, "deliberation.run_meeting")
    return render(request, "deliberation/meetings/meeting_qr_print.html", {"meeting": meeting})


def meeting_checkin(request, pk: int, token: str):
    """The page the QR code opens: check in with one tap (log in first if needed)."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    try:
        meeting = selectors.load_meeting(pk)
    except Meeting.DoesNotExist:
        raise Http404(_("没有这个会议。")) from None
    error = None
    if request.method == "POST":
        try:
            services.meeting_check_in(user=request.user, meeting=meeting, token=token)
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(getattr(exc, "messages", [str(exc)]))
        else:
            messages.success(request, _("签到成功，欢迎参会！"))
            return redirect("meeting", pk=meeting.pk)
    return render(
        request,
        "deliberation/meetings/meeting_checkin.html",
        {
            "meeting": meeting,
            "token_ok": token == meeting.checkin_token,
            "is_member": request.user.has_perm("deliberation.check_in", meeting),
            "checked_in": selectors.is_checked_in(meeting=meeting, user=request.user),
            "error": error,
        },
    )


@login_required
def meeting_minutes(request, pk: int):
    meeting = _meeting(request, pk)
    final = meeting.minutes_final
    # The record is kept in the site's language; a reader in another language reads the same
    # minutes assembled in hers (the recorder's notes as written), marked as a translation.
    translated = bool(final) and get_language() != settings.LANGUAGE_CODE
    if translated:
        final = minutes.assemble_minutes(meeting)
    return render(
        request,
        "deliberation/meetings/meeting_minutes.html",
        {
            "meeting": meeting,
            "hall": meeting.hall,
            "final_html": render_markdown(final),
            "translated": translated,
            "can_run": request.user.has_perm("deliberation.run_meeting", meeting),
            "can_record": request.user.has_perm("deliberation.write_minutes", meeting),
        },
    )


FORM_INTS = (
    "item_id",
    "user_id",
    "speech_id",
    "budget_minutes",
    "proposal_id",
    "seconds",
    "base_version",
)


@login_required
@require_POST
def meeting_action(request, pk: int, action: str):
    """Run one room command from a plain HTML form (pages work without JavaScript too)."""
    meeting = _meeting(request, pk)
    handler = COMMANDS.get(action)
    if handler is None:
        raise Http404
    data: dict = {}
    for key, value in request.POST.items():
        if key == "csrfmiddlewaretoken":
            continue
        if key in FORM_INTS:
            data[key] = int(value) if value.strip().lstrip("-").isdigit() else None
        elif key == "open":
            data[key] = value == "1"
        else:
            data[key] = value
    try:
        reply = handler(request.user, meeting.pk, data)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])) or str(exc))
    except ObjectDoesNotExist:
        messages.error(request, _("找不到要操作的对象。"))
    else:
        # What the command says it did (e.g. the minutes confirmed), else that it was done.
        messages.success(request, (reply or {}).get("message") or _("操作成功。"))
    nxt = request.POST.get("next")
    if nxt == "minutes":
        return redirect("meeting_minutes", pk=pk)
    return redirect("meeting", pk=pk)


# --- planning before the meeting opens: the agenda, reschedule, cancel -------------------------


@login_required
def meeting_agenda(request, pk: int):
    """The agenda's planning page: add (accepted proposals from a list, or free items), remove,
    move up and down, and set each item's time budget — until the meeting opens."""
    meeting = _run(request, pk)
    planning = meeting.state == MeetingState.SCHEDULED
    proposals = selectors.proposals_to_add(meeting=meeting)
    return render(
        request,
        "deliberation/meetings/meeting_agenda.html",
        {
            "meeting": meeting,
            "hall": meeting.hall,
            "planning": planning,
            "items": selectors.agenda_items(meeting),
            "add_form": AgendaAddForm(proposals=proposals) if planning else None,
        },
    )


AGENDA_OPS = ("add", "remove", "move", "budget")


def _post_int(request, key: str) -> int | None:
    value = request.POST.get(key, "").strip()
    return int(value) if value.isdigit() and len(value) < 16 else None


@login_required
@require_POST
def meeting_agenda_do(request, pk: int, op: str):
    """One change of the agenda from its planning page (refused once the meeting has opened)."""
    if op not in AGENDA_OPS:
        raise Http404
    meeting = _run(request, pk)
    common = {"actor": request.user, "meeting": meeting, "before_open": True}
    try:
        if op == "add":
            form = AgendaAddForm(
                request.POST, proposals=selectors.proposals_to_add(meeting=meeting)
            )
            if not form.is_valid():
                raise ValidationError([e for errs in form.errors.values() for e in errs])
            d = form.cleaned_data
            for proposal in d["proposals"]:
                services.agenda_add_item(**common, proposal=proposal)
            if (d["title"] or "").strip():
                services.agenda_add_item(
                    **common, title=d["title"], budget_minutes=d["budget_minutes"]
                )
            messages.success(request, _("已加入议程。"))
        elif op == "budget":
            form = BudgetForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errs in form.errors.values() for e in errs])
            services.agenda_set_budget(
                **common,
                item_id=_post_int(request, "item_id"),
                budget_minutes=form.cleaned_data["budget_minutes"],
            )
            messages.success(request, _("时间预算已保存。"))
        elif op == "move":
            services.agenda_move_item(
                **common,
                item_id=_post_int(request, "item_id"),
                direction=request.POST.get("direction", ""),
            )
        else:
            services.agenda_remove_item(**common, item_id=_post_int(request, "item_id"))
            messages.success(request, _("已移出议程；如是议题，已退回「已受理」。"))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])) or str(exc))
    except ObjectDoesNotExist:
        messages.error(request, _("找不到这一项议程，可能已被移出。"))
    return redirect("meeting_agenda", pk=pk)


def _not_scheduled(request, meeting: Meeting):
    """A page that says why a meeting already opened, closed or cancelled cannot be changed."""
    return render(
        request,
        "deliberation/meetings/meeting_change_refused.html",
        {"meeting": meeting, "hall": meeting.hall},
        status=409,
    )


@login_required
def meeting_reschedule(request, pk: int):
    """Change the date, time or venue of a scheduled meeting, with a reason members are told."""
    meeting = _run(request, pk)
    if meeting.state != MeetingState.SCHEDULED:
        return _not_scheduled(request, meeting)
    form = RescheduleForm(
        request.POST or None, initial={"starts_at": meeting.starts_at, "venue": meeting.venue}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.meeting_reschedule(
                actor=request.user,
                meeting=meeting,
                starts_at=d["starts_at"],
                venue=d["venue"],
                reason=d["reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("会议已改期，已通知全体成员。"))
            return redirect("meeting", pk=pk)
    return render(
        request,
        "deliberation/meetings/meeting_reschedule.html",
        {"meeting": meeting, "hall": meeting.hall, "form": form},
    )


@login_required
def meeting_cancel(request, pk: int):
    """Cancel a scheduled meeting: write the reason, then confirm on a second step."""
    meeting = _run(request, pk)
    if meeting.state != MeetingState.SCHEDULED:
        return _not_scheduled(request, meeting)
    form = CancelForm(request.POST or None)
    confirming = False
    if request.method == "POST" and form.is_valid():
        if request.POST.get("confirm") != "1":
            confirming = True  # the second step: nothing is written yet
        else:
            try:
                services.meeting_cancel(
                    actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(
                    request, _("会议已取消，已通知全体成员；议程上的议题已退回「已受理」。")
                )
                return redirect("meeting", pk=pk)
    return render(
        request,
        "deliberation/meetings/meeting_cancel.html",
        {
            "meeting": meeting,
            "hall": meeting.hall,
            "form": form,
            "confirming": confirming,
            "proposals": [i.proposal for i in selectors.agenda_items(meeting) if i.proposal],
        },
    )
