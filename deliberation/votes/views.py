"""Pages of votes: ballots (cast, results), the notice board, resolutions, objections, print."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.markup import render_markdown
from community.models import Hall, User
from deliberation.ledger import selectors as ledger_selectors
from deliberation.models import Ballot, Objection, Resolution
from deliberation.votes import selectors as sel
from deliberation.votes import services as sv
from deliberation.votes.choices import BallotKind, BallotResult, BallotState, ResolutionState
from deliberation.votes.forms import (
    AnswerForm,
    BallotForm,
    ObjectionForm,
    ProxyForm,
    ResolutionForm,
)


def _errors(exc: ValidationError) -> str:
    return ";".join(exc.messages)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def _hall(slug: str) -> Hall:
    return get_object_or_404(Hall.objects.select_related("compound__community"), slug=slug)


def _ballot(request, pk: int) -> Ballot:
    try:
        ballot = sel.ballot_detail(pk=pk)
    except Ballot.DoesNotExist:
        raise Http404(_("没有这项表决。")) from None
    if not request.user.has_perm("deliberation.view_ballot", ballot):
        if not request.user.is_authenticated:
            raise PermissionDenied(_("请先登录。"))
        raise PermissionDenied(_("只有本议事厅的居民或本次表决的投票人可以查看。"))
    return ballot


# --- ballots --------------------------------------------------------------------------------


def ballot_list(request, slug: str):
    hall = _hall(slug)
    page = Paginator(sel.ballots_visible_to(user=request.user, hall=hall), 20).get_page(
        request.GET.get("page")
    )
    page.object_list = sel.effective_ballots(page.object_list)
    return render(request, "deliberation/votes/ballot_list.html", {"hall": hall, "page": page})


@login_required
def ballot_new(request, slug: str):
    hall = _hall(slug)
    if not request.user.has_perm("deliberation.manage_ballot", hall):
        raise PermissionDenied(_("只有主持人、微家负责人或管理员可以发起表决。"))
    form = BallotForm(request.POST or None, hall=hall)
    if request.method == "POST" and form.is_valid():
        try:
            ballot = sv.ballot_create(actor=request.user, hall=hall, **form.service_kwargs())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("表决已准备好，检查无误后点击「开始投票」。"))
            return redirect("ballot", pk=ballot.pk)
    return render(request, "deliberation/votes/ballot_form.html", {"hall": hall, "form": form})


def _ballot_context(request, ballot: Ballot, **extra) -> dict:
    user = request.user
    can_record_proxy = user.has_perm("deliberation.record_proxy", ballot)
    return {
        "ballot": ballot,
        "hall": ballot.hall,
        "options": [
            {"key": o.key, "label": sel.option_label(ballot, o.key, o.label)}
            for o in ballot.options.all()
        ],
        "participation": sel.participation_of(user=user, ballot=ballot),
        "is_elector": user.has_perm("deliberation.cast_vote", ballot),
        "accepting": ballot.is_accepting(),
        "can_manage": user.has_perm("deliberation.manage_ballot", ballot),
        "can_hand_count": user.has_perm("deliberation.enter_hand_count", ballot),
        "can_record_proxy": can_record_proxy,
        "can_publish": user.has_perm("deliberation.publish_resolution", ballot),
        "held_proxies": sel.proxies_held_by(user=user, ballot=ballot),
        "proxies": sel.proxies_of(ballot=ballot),
        # The roll by name, for the proxy form: only for those who register proxies.
        "proxy_people": sel.proxy_people(ballot=ballot)
        if ballot.state != BallotState.CLOSED and ballot.proxy_cap and can_record_proxy
        else [],
        "results": sel.results_of(ballot=ballot),
        "tally": sel.tally_data(ballot.pk),
        "description_html": render_markdown(ballot.description),
        "multiple": ballot.kind == BallotKind.MULTIPLE_CHOICE,
        "resolution": sel.resolution_of(ballot=ballot),
        "labels": sel.option_labels(ballot),
        "abstain_label": sel.abstain_label(ballot),
        "tampered": ledger_selectors.records_differ(hall_id=ballot.hall_id, ballot=ballot.pk),
        **extra,
    }


def ballot_page(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    ballot = _ballot(request, pk)
    return render(request, "deliberation/votes/ballot.html", _ballot_context(request, ballot))


@login_required
@require_POST
def ballot_cast(request, pk: int):
    """Two steps: the choice, then a confirmation page saying a cast vote cannot be changed."""
    ballot = _ballot(request, pk)
    choices = request.POST.getlist("choice")
    on_behalf_of = None
    if request.POST.get("for_user"):
        on_behalf_of = get_object_or_404(User, pk=request.POST["for_user"])
    if request.POST.get("confirm") != "1":
        try:
            picked = sv.clean_choices(ballot, choices)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            return redirect("ballot", pk=ballot.pk)
        labels = sel.option_labels(ballot)
        return render(
            request,
            "deliberation/votes/ballot_confirm.html",
            {
                "ballot": ballot,
                "hall": ballot.hall,
                "picked": picked,
                "picked_labels": [labels.get(k, k) for k in picked],
                "on_behalf_of": on_behalf_of,
            },
        )
    try:
        receipt = sv.ballot_cast(
            voter=request.user, ballot=ballot, choices=choices, on_behalf_of=on_behalf_of
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
        return redirect("ballot", pk=ballot.pk)
    # The receipt is shown once and stored nowhere with the voter's name (secret ballots).
    return render(
        request,
        "deliberation/votes/ballot_receipt.html",
        {"ballot": ballot, "hall": ballot.hall, "receipt": receipt, "on_behalf_of": on_behalf_of},
    )


@login_required
@require_POST
def ballot_open(request, pk: int):
    ballot = _ballot(request, pk)
    try:
        sv.ballot_open(actor=request.user, ballot=ballot)
        messages.success(request, _("投票已开始。"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("ballot", pk=ballot.pk)


@login_required
@require_POST
def ballot_close(request, pk: int):
    ballot = _ballot(request, pk)
    try:
        sv.ballot_close(actor=request.user, ballot=ballot)
        messages.success(request, _("投票已结束，结果已公布。"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("ballot", pk=ballot.pk)
    return redirect("ballot_results", pk=ballot.pk)


@login_required
@require_POST
def ballot_hand_count(request, pk: int):
    ballot = _ballot(request, pk)
    try:
        voters = int(request.POST.get("voters", ""))
        votes = {o.key: int(request.POST.get(f"votes_{o.key}") or 0) for o in ballot.options.all()}
        votes["abstain"] = int(request.POST.get("votes_abstain") or 0)
    except ValueError:
        messages.error(request, _("请填写整数。"))
        return redirect("ballot", pk=ballot.pk)
    try:
        sv.ballot_enter_hand_count(actor=request.user, ballot=ballot, voters=voters, votes=votes)
        messages.success(request, _("现场举手计票已录入。"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("ballot", pk=ballot.pk)


@login_required
@require_POST
def ballot_proxy(request, pk: int):
    """登记委托：both people chosen from the ballot's roll by name; only those who register
    proxies see the roll (`deliberation.record_proxy`), and never a phone number."""
    ballot = _ballot(request, pk)
    if not request.user.has_perm("deliberation.record_proxy", ballot):
        raise PermissionDenied(_("只有主持人、微家负责人或管理员可以登记委托。"))
    form = ProxyForm(request.POST, people=sel.proxy_people(ballot=ballot), cap=ballot.proxy_cap)
    if form.is_valid():
        people = User.objects.in_bulk([form.cleaned_data["grantor"], form.cleaned_data["holder"]])
        grantor = people[form.cleaned_data["grantor"]]
        holder = people[form.cleaned_data["holder"]]
        try:
            sv.ballot_authorize_proxy(
                actor=request.user,
                ballot=ballot,
                grantor=grantor,
                holder=holder,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request, _("已登记 %(g)s 委托 %(h)s 代投。") % {"g": grantor, "h": holder}
            )
            return redirect(reverse("ballot", args=[ballot.pk]) + "#proxy-h")
    # Shown again with the choices kept and the reasons next to the fields.
    return render(
        request,
        "deliberation/votes/ballot.html",
        _ballot_context(request, ballot, proxy_form=form),
        status=200,
    )


def ballot_results(request, pk: int):
    ballot = _ballot(request, pk)
    if ballot.state != BallotState.CLOSED:
        return redirect("ballot", pk=ballot.pk)
    receipts = Paginator(sel.published_receipts(ballot=ballot), 200).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "deliberation/votes/ballot_results.html",
        _ballot_context(
            request,
            ballot,
            receipts=receipts,
            named=sel.named_votes(ballot=ballot),
            check=request.GET.get("receipt", "").strip().upper(),
        ),
    )


# --- resolutions, notice board, objections ----------------------------------------------


@login_required
def resolution_new(request, pk: int):
    ballot = _ballot(request, pk)
    if not request.user.has_perm("deliberation.publish_resolution", ballot):
        raise PermissionDenied(_("只有微家负责人或管理员可以公示决议。"))
    if ballot.state != BallotState.CLOSED or ballot.result != BallotResult.PASSED:
        messages.error(request, _("只有表决通过的事项才能形成决议。"))
        return redirect("ballot", pk=ballot.pk)
    initial = {"title": ballot.proposal.title if ballot.proposal else ballot.title}
    if ballot.proposal:
        initial["text"] = ballot.proposal.body
    form = ResolutionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            res = sv.resolution_publish(actor=request.user, ballot=ballot, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("决议已在居务公开栏公示。"))
            return redirect("resolution", pk=res.pk)
    return render(
        request,
        "deliberation/votes/resolution_form.html",
        {
            "ballot": ballot,
            "hall": ballot.hall,
            "form": form,
            "results": sel.results_of(ballot=ballot),
        },
    )


def notice_board(request, slug: str):
    hall = _hall(slug)
    board = sel.notice_board(hall=hall)
    return render(request, "deliberation/votes/notice_board.html", {"hall": hall, **board})


def _resolution(pk: int) -> Resolution:
    try:
        return sel.resolution_detail(pk=pk)
    except Resolution.DoesNotExist:
        raise Http404(_("没有这项决议。")) from None


def _resolution_context(request, res: Resolution) -> dict:
    now = timezone.now()
    objections = list(sel.objections_of(resolution=res))
    for o in objections:
        o.overdue = o.is_overdue(now)
        o.due = o.answer_due_at()
    return {
        "res": res,
        "hall": res.hall,
        "ballot": res.ballot,
        "text_html": render_markdown(res.text),
        "results": sel.results_of(ballot=res.ballot),
        "objections": objections,
        "can_object": request.user.has_perm("deliberation.lodge_objection", res)
        and res.state == ResolutionState.ON_NOTICE
        and now < res.notice_ends_at,
        "can_answer": request.user.has_perm("deliberation.answer_objection", res),
        "objection_form": ObjectionForm(),
        "answer_form": AnswerForm(),
        "page_url": request.build_absolute_uri(reverse("resolution", args=[res.pk])),
        "ledger_url": request.build_absolute_uri(
            reverse("hall_ledger", args=[res.hall.slug])
            + f"?seq={res.ledger_seq}#seq-{res.ledger_seq}"
        ),
        "head": _head_at_publication(res),
        # Whether the resolution, its objections and its ballot still say what the ledger
        # certified (a warning on the page and the printed notice if not).
        "tampered": ledger_selectors.records_differ(
            hall_id=res.hall_id, ballot=res.ballot_id, resolution=res.pk
        ),
        **_meeting_links(request, res),
    }


def _meeting_links(request, res: Resolution) -> dict:
    """The meeting (and its minutes) a resolution was voted in, for a ballot on an agenda item."""
    item = res.ballot.agenda_item
    if item is None:
        return {"meeting": None}
    meeting = item.meeting
    return {
        "meeting": meeting,
        "agenda_item": item,
        "meeting_url": request.build_absolute_uri(reverse("meeting", args=[meeting.pk])),
        "minutes_url": request.build_absolute_uri(reverse("meeting_minutes", args=[meeting.pk])),
    }


def _head_at_publication(res: Resolution):
    return ledger_selectors.chain_head_at(
        hall_id=res.hall_id, seq=res.chain_head_seq or 0, hash=res.chain_head_hash
    )


def resolution_page(request, pk: int):
    res = _resolution(pk)
    return render(request, "deliberation/votes/resolution.html", _resolution_context(request, res))


def _qr_svg(data: str) -> str:
    return segno.make(data, error="m").svg_inline(scale=3, border=2, dark="#000")


def resolution_print(request, pk: int):
    """The printable A4 notice （公示），with QR codes to its page and to its ledger entry."""
    res = _resolution(pk)
    ctx = _resolution_context(request, res)
    ctx["qr_page"] = _qr_svg(ctx["page_url"])
    ctx["qr_ledger"] = _qr_svg(ctx["ledger_url"])
    return render(request, "deliberation/votes/resolution_print.html", ctx)


@login_required
@require_POST
def objection_lodge(request, pk: int):
    res = _resolution(pk)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明异议理由（5 至 2000 字）。"))
        return redirect("resolution", pk=res.pk)
    try:
        sv.objection_lodge(author=request.user, resolution=res, reason=form.cleaned_data["reason"])
        messages.success(
            request,
            _("异议已提交，微家负责人将在 %(n)d 天内答复。")
            % {"n": res.hall.objection_answer_days},
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("resolution", pk=res.pk)


@login_required
@require_POST
def objection_answer(request, pk: int):
    objection = get_object_or_404(Objection.objects.select_related("resolution__hall"), pk=pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写答复内容并选择结论。"))
        return redirect("resolution", pk=objection.resolution_id)
    try:
        sv.objection_answer(actor=request.user, objection=objection, **form.cleaned_data)
        messages.success(request, _("已答复异议。"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("resolution", pk=objection.resolution_id)
