"""Pages of the forum; every write goes through forum.services."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import selectors as community_selectors
from community.ids import parse_row_id
from community.markup import render_markdown
from forum import selectors, services
from forum.events import comment_html
from forum.forms import CommentForm, NotificationPrefsForm, ProposalForm
from forum.models import (
    Comment,
    EmailMode,
    NotificationKind,
    NotificationPreference,
    NotificationSettings,
    Proposal,
    ProposalState,
    Stance,
)
from forum.notifications import (
    notification_preferences_set,
    notifications_mark_read,
    sms_daily_cap,
)
from forum.workflow import allowed_targets

PAGE_SIZE = 20


def _hall(slug: str):
    try:
        return community_selectors.hall_detail(slug=slug)
    except Exception:
        raise Http404(_("没有这个议事厅。")) from None


def _flash_errors(request, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        messages.error(request, ";".join(exc.messages))
    else:
        messages.error(request, str(exc) or _("您没有权限执行此操作。"))


def _safe(request, url: str) -> str:
    """`url` if it points into this site, else the home page (no open redirects)."""
    ok = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if ok else "/"


def _acting(view):
    """Run a POST action; show a service's refusal as a message and go back to the proposal."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (ValidationError, PermissionDenied) as exc:
            _flash_errors(request, exc)
            back = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
            return redirect(_safe(request, back))

    return login_required(require_POST(wrapper))


def proposal_list(request, slug: str):
    hall = _hall(slug)
    g = request.GET

    def as_int(name):
        v = g.get(name, "")
        return parse_row_id(v)

    building = g.get("building", "")
    qs = selectors.proposal_list(
        user=request.user,
        hall=hall,
        state=g.get("state", "") if g.get("state", "") in ProposalState.values else "",
        brand_id=as_int("brand"),
        building_id=as_int("building"),
        whole_compound=building == "all",
        sort=g.get("sort", "new"),
        q=g.get("q", ""),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(g.get("page"))
    params = g.copy()
    params.pop("page", None)
    return render(
        request,
        "forum/list.html",
        {
            "hall": hall,
            "page": page,
            "states": ProposalState.choices,
            "brands": [b for b in hall.brands.all() if b.is_active],
            "buildings": community_selectors.buildings_of(compound_id=hall.compound_id),
            "sorts": [
                ("new", _("最新")),
                ("seconds", _("附议最多")),
                ("discussed", _("讨论最多")),
                ("active", _("最近活跃")),
            ],
            "f": g,
            "query_string": params.urlencode(),
        },
    )


@login_required
def proposal_new(request, slug: str):
    hall = _hall(slug)
    if not request.user.has_perm("forum.create_proposal", hall):
        raise PermissionDenied(_("只有本议事厅的居民可以提出议题，请先申请加入。"))
    form = ProposalForm(request.POST or None, request.FILES or None, hall=hall)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_create(
                author=request.user,
                hall=hall,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                brand=form.cleaned_data["brand"],
                building=form.cleaned_data["building"],
                images=request.FILES.getlist("images"),
                publish_now=request.POST.get("action") == "publish",
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                form.add_error(None, exc.messages)
        else:
            if proposal.state == ProposalState.DRAFT:
                messages.success(request, _("草稿已保存，只有您能看到。"))
            else:
                messages.success(request, _("议题已发布，开始征集附议。"))
            return redirect("proposal", pk=proposal.pk)
    return render(request, "forum/form.html", {"hall": hall, "form": form})


def _save_draft(request, proposal: Proposal, data: dict) -> None:
    """Save the edited draft, add any new photos, and publish it if asked (all or nothing)."""
    services.proposal_edit(
        actor=request.user,
        proposal=proposal,
        title=data["title"],
        body=data["body"],
        brand=data["brand"],
        building=data["building"],
    )
    if request.FILES.getlist("images"):
        services.proposal_add_images(
            actor=request.user, proposal=proposal, images=request.FILES.getlist("images")
        )
    if request.POST.get("action") == "publish":
        services.proposal_publish(actor=request.user, proposal=proposal)


@login_required
def proposal_edit(request, pk: int):
    proposal = get_object_or_404(Proposal.objects.select_related("hall"), pk=pk)
    if not request.user.has_perm("forum.edit_proposal", proposal):
        raise PermissionDenied(_("只能修改自己尚未发布的草稿。"))
    hall = proposal.hall
    initial = {
        "title": proposal.title,
        "body": proposal.body,
        "brand": proposal.brand_id,
        "building": proposal.building_id,
    }
    form = ProposalForm(request.POST or None, request.FILES or None, hall=hall, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                _save_draft(request, proposal, form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                form.add_error(None, exc.messages)
        else:
            if request.POST.get("action") == "publish":
                messages.success(request, _("议题已发布，开始征集附议。"))
            else:
                messages.success(request, _("草稿已保存，只有您能看到。"))
            return redirect("proposal", pk=proposal.pk)
    return render(request, "forum/form.html", {"hall": hall, "form": form, "editing": proposal})


def _comment_labels() -> dict[str, str]:
    """The words of a comment's controls, translated once per page rather than per comment."""
    return {
        "edited": _("（已编辑）"),
        "deleted": _("此评论已被作者删除。"),
        "hidden": _("此评论因被举报已隐藏，等待审核。"),
        "removed": _("此评论已被移除。"),
        "agree": _("认同"),
        "reply": _("回复"),
        "edit": _("编辑"),
        "edit_label": _("修改评论"),
        "save": _("保存"),
        "confirm_delete": _("确定删除这条评论吗？回复会保留。"),
        "delete": _("删除"),
        "report": _("举报"),
        "report_reason": _("举报理由"),
        "report_submit": _("提交举报"),
    }


def proposal_detail(request, pk: int):
    proposal = selectors.proposal_detail(user=request.user, pk=pk)
    if proposal is None:
        raise Http404(_("没有这个议题，或您无权查看。"))
    user = request.user
    comments = selectors.comments_of(user=user, proposal=proposal)
    roots = [c for c in comments if c.parent_id is None]
    for c in comments:
        c.html = mark_safe(comment_html(c)) if not c.is_deleted else ""  # sanitised (nh3)
    review_targets = [t for t in allowed_targets(proposal.state) if t in ("accepted", "rejected")]
    can_review = user.is_authenticated and user.has_perm("forum.review_proposal", proposal)
    merge_candidates = []
    if can_review and "merged" in allowed_targets(proposal.state):
        merge_candidates = list(
            Proposal.objects.filter(
                hall=proposal.hall,
                state__in=[
                    ProposalState.COLLECTING,
                    ProposalState.AWAITING_REVIEW,
                    ProposalState.ACCEPTED,
                ],
            )
            .exclude(pk=proposal.pk)
            .order_by("-pk")
            .values("pk", "title")[:50]
        )
    return render(
        request,
        "forum/detail.html",
        {
            "proposal": proposal,
            "hall": proposal.hall,
            "body_html": render_markdown(proposal.body),
            "comments": roots,
            "comment_total": len(comments),
            "stance_counts": selectors.stance_counts_from(comments),
            "stances": Stance.choices,
            "history": list(proposal.events.all()),
            "has_seconded": selectors.has_seconded(user=user, proposal=proposal),
            "can_review": can_review,
            "review_targets": review_targets,
            "merge_candidates": merge_candidates,
            "can_second": user.is_authenticated
            and proposal.state == ProposalState.COLLECTING
            and user.has_perm("forum.second_proposal", proposal),
            "can_comment": user.is_authenticated
            and user.has_perm("forum.comment", proposal)
            and proposal.state != ProposalState.DRAFT
            and not proposal.locked,
            "can_moderate": selectors.can_moderate(user, proposal),
            "is_member": user.is_authenticated
            and user.has_perm("forum.join_proposal_room", proposal),
            "comment_form": CommentForm(),
            "L": _comment_labels(),
            "comment_url": reverse("comment_action", args=[0, "x"]).removesuffix("0/x/"),
            "threshold": proposal.hall.seconding_threshold,
            # live updates carry labels in the sender's language; the page shows its own
            "live_labels": {"state": dict(ProposalState.choices), "stance": dict(Stance.choices)},
        },
    )


@_acting
def proposal_publish(request, pk: int):
    proposal = get_object_or_404(Proposal, pk=pk)
    services.proposal_publish(actor=request.user, proposal=proposal)
    messages.success(request, _("议题已发布，开始征集附议。"))
    return redirect("proposal", pk=pk)


@_acting
def proposal_second(request, pk: int):
    proposal = get_object_or_404(Proposal, pk=pk)
    proposal = services.proposal_second(user=request.user, proposal=proposal)
    messages.success(request, _("附议成功，感谢您的支持！"))
    return redirect("proposal", pk=pk)


@_acting
def proposal_review(request, pk: int):
    proposal = get_object_or_404(Proposal, pk=pk)
    decision = request.POST.get("decision", "")
    if decision == "merge":
        target_id = request.POST.get("into", "")
        if parse_row_id(target_id) is None:
            raise ValidationError(_("请选择要合并到的议题。"))
        into = get_object_or_404(Proposal, pk=parse_row_id(target_id))
        services.proposal_merge(
            actor=request.user, proposal=proposal, into=into, note=request.POST.get("reason", "")
        )
        messages.success(request, _("已合并。"))
    else:
        services.proposal_review(
            actor=request.user,
            proposal=proposal,
            decision=decision,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("审核结果已记录。"))
    return redirect("proposal", pk=pk)


@_acting
def proposal_lock(request, pk: int):
    proposal = get_object_or_404(Proposal, pk=pk)
    locked = request.POST.get("locked") == "1"
    services.thread_lock(actor=request.user, proposal=proposal, locked=locked)
    messages.success(
        request, _("讨论已锁定，成员暂时不能发表评论。") if locked else _("讨论已重新开放。")
    )
    return redirect("proposal", pk=pk)


@_acting
def proposal_report(request, pk: int):
    proposal = get_object_or_404(Proposal, pk=pk)
    services.report_submit(
        reporter=request.user, proposal=proposal, reason=request.POST.get("reason", "")
    )
    messages.success(request, _("举报已收到，谢谢。"))
    return redirect("proposal", pk=pk)


@_acting
def comment_create(request, pk: int):
    proposal = get_object_or_404(Proposal, pk=pk)
    parent_id = request.POST.get("parent", "")
    parent = (
        get_object_or_404(Comment, pk=parse_row_id(parent_id), proposal=proposal)
        if parse_row_id(parent_id) is not None
        else None
    )
    comment = services.comment_post(
        author=request.user,
        proposal=proposal,
        body=request.POST.get("body", ""),
        parent=parent,
        stance=request.POST.get("stance", ""),
    )
    messages.success(request, _("评论已发表。"))
    return redirect(reverse("proposal", args=[pk]) + f"#c{comment.pk}")


@_acting
def comment_action(request, pk: int, action: str):
    comment = get_object_or_404(Comment.objects.select_related("proposal"), pk=pk)
    user = request.user
    if action == "edit":
        services.comment_edit(actor=user, comment=comment, body=request.POST.get("body", ""))
        messages.success(request, _("评论已修改。"))
    elif action == "delete":
        services.comment_delete(actor=user, comment=comment)
        messages.success(request, _("评论已删除。"))
    elif action == "agree":
        agree = request.POST.get("agree") != "0"
        services.comment_react(user=user, comment=comment, agree=agree)
        messages.success(request, _("已表示认同。") if agree else _("已取消认同。"))
    elif action == "report":
        services.report_submit(
            reporter=user, comment=comment, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("举报已收到，谢谢。"))
    else:
        raise Http404
    return redirect(reverse("proposal", args=[comment.proposal_id]) + f"#c{comment.pk}")


@login_required
def moderation_queue(request, slug: str):
    hall = _hall(slug)
    if not request.user.has_perm("forum.moderate", hall):
        raise PermissionDenied(_("只有主持人或负责人可以处理举报。"))
    items = selectors.moderation_queue(hall=hall)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "forum/moderation.html", {"hall": hall, "page": page})


@_acting
def moderation_decide(request, kind: str, pk: int):
    decision, reason = request.POST.get("decision", ""), request.POST.get("reason", "")
    if kind == "comment":
        target = get_object_or_404(Comment, pk=pk)
        services.moderation_decide(
            actor=request.user, decision=decision, reason=reason, comment=target
        )
    elif kind == "proposal":
        target = get_object_or_404(Proposal, pk=pk)
        services.moderation_decide(
            actor=request.user, decision=decision, reason=reason, proposal=target
        )
    else:
        raise Http404
    messages.success(request, _("已处理，并已通知作者。"))
    return redirect(_safe(request, request.POST.get("next") or "/"))


@login_required
def notifications(request):
    items = selectors.notifications_of(user=request.user)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "forum/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    ids = [i for i in map(parse_row_id, request.POST.getlist("id")) if i is not None]
    notifications_mark_read(user=request.user, ids=ids or None)
    target = request.POST.get("go", "")
    if target and _safe(request, target) == target:
        return redirect(target)  # opening what the notice is about: the page says itself
    messages.success(request, _("已标为已读。") if ids else _("全部通知已标为已读。"))
    return redirect("notifications")


@login_required
def notification_settings(request):
    prefs = {
        p.kind: (p.in_app, p.email, p.sms)
        for p in NotificationPreference.objects.filter(user=request.user)
    }
    chosen = NotificationSettings.objects.filter(user=request.user).first()
    form = NotificationPrefsForm(
        request.POST or None,
        prefs=prefs,
        email_mode=chosen.email_mode if chosen else EmailMode.EACH,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        notification_preferences_set(
            user=request.user,
            prefs={
                kind: (data[f"{kind}__in_app"], data[f"{kind}__email"], data[f"{kind}__sms"])
                for kind in NotificationKind.values
            },
            email_mode=data["email_mode"] or None,  # absent: unchanged
        )
        messages.success(request, _("通知设置已保存。"))
        return redirect("notification_settings")
    return render(
        request,
        "forum/notification_settings.html",
        {"form": form, "sms_cap": sms_daily_cap()},
    )


@login_required
@require_POST
def markdown_preview(request):
    text = request.POST.get("text", "")[:20000]
    return HttpResponse(render_markdown(text), content_type="text/html; charset=utf-8")
