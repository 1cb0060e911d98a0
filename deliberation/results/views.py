"""Pages of published results （实施结果公开）：the result, its evaluation （评议），a hall's list.

Rating is two steps, like casting a vote: pick a rating (big buttons), then a confirmation
page that says a rating cannot be changed. Every write goes through the services.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from community.models import Hall
from deliberation.ledger import selectors as ledger_selectors
from deliberation.models import Rating, ResultPublication
from deliberation.results import selectors as sel
from deliberation.results.evaluation import (
    COMMENT_MAX,
    RATINGS,
    evaluation_refusal,
    evaluation_submit,
    place_label,
)
from deliberation.results.services import result_summary_update


class EvaluationForm(forms.Form):
    rating = forms.ChoiceField(
        label=gettext_lazy("您对这项实施结果满意吗？"),
        choices=[(key, Rating(key).label) for key in RATINGS],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择“满意”“基本满意”或“不满意”中的一项。")},
    )
    comment = forms.CharField(
        label=gettext_lazy("意见或建议（选填）"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX}),
        help_text=gettext_lazy("最多 500 字。不会显示您的名字。"),
    )


class SummaryForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("内容"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("支持 Markdown（如 **加粗**、- 列表）。"),
    )
    append = forms.BooleanField(required=False, widget=forms.HiddenInput)


def _errors(exc: ValidationError) -> str:
    return ";".join(exc.messages)


def _result(pk: int) -> ResultPublication:
    try:
        return sel.result_detail(pk=pk)
    except ResultPublication.DoesNotExist:
        raise Http404(_("没有这项实施结果。")) from None


def _context(request, result: ResultPublication, **extra) -> dict:
    user = request.user
    now = timezone.now()
    mine = sel.my_evaluation(user=user, result=result)
    tasks = sel.result_tasks(result=result)  # their progress: the task_tags filter on the page
    refusal = None if mine else evaluation_refusal(user=user, result=result, now=now)
    can_manage = user.has_perm("deliberation.manage_result", result)
    counts = sel.result_counts(result=result, mine=mine)
    return {
        "result": result,
        "hall": result.hall,
        "resolution": result.resolution,
        "proposal": result.resolution.proposal,
        "tasks": tasks,
        "place": place_label(result),
        "mine": mine,
        "counts": counts,
        "dissatisfied_percent": next(
            (r["percent"] for r in counts["rows"] if r["key"] == Rating.DISSATISFIED), 0
        ),
        "is_open": result.is_open(now),
        "can_evaluate": refusal is None and mine is None,
        "refusal": refusal[1] if refusal else "",
        "form": EvaluationForm(),
        "rounds": [r for r in sel.result_rounds(result=result) if r.pk != result.pk],
        "comments": sel.evaluation_comments(result=result)
        if user.has_perm("deliberation.view_evaluation_comments", result)
        and sel.counts_visible(result=result, mine=mine)
        else [],
        "can_manage": can_manage,
        "can_replace_summary": can_manage and counts["total"] == 0,
        "summary_form": SummaryForm(),
        "ledger_url": reverse("hall_ledger", args=[result.hall.slug])
        + f"?seq={result.ledger_seq}#seq-{result.ledger_seq}"
        if result.ledger_seq
        else "",
        # Whether the round and its ratings still say what the ledger certified.
        "tampered": ledger_selectors.records_differ(hall_id=result.hall_id, result=result.pk),
        **extra,
    }


def result_page(request, pk: int):
    result = _result(pk)
    return render(request, "deliberation/results/result.html", _context(request, result))


@login_required
@require_POST
def result_evaluate(request, pk: int):
    """Two steps: the rating (and comment), then a confirmation that it cannot be changed."""
    result = _result(pk)
    form = EvaluationForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "deliberation/results/result.html",
            _context(request, result, form=form),
            status=400,
        )
    rating, comment = form.cleaned_data["rating"], form.cleaned_data["comment"]
    if request.POST.get("confirm") != "1":
        refusal = evaluation_refusal(user=request.user, result=result)
        if refusal is not None:
            messages.error(request, refusal[1])
            return redirect("result", pk=result.pk)
        return render(
            request,
            "deliberation/results/result_confirm.html",
            {
                "result": result,
                "hall": result.hall,
                "resolution": result.resolution,
                "rating": rating,
                "rating_label": Rating(rating).label,
                "comment": comment,
            },
        )
    try:
        evaluation_submit(user=request.user, result=result, rating=rating, comment=comment)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("result", pk=result.pk)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("result", pk=result.pk)
    messages.success(
        request,
        _("谢谢您！您的评议（%(rating)s）已提交，下面是目前的评议情况。")
        % {"rating": Rating(rating).label},
    )
    return redirect(reverse("result", args=[result.pk]) + "#counts")


@login_required
@require_POST
def result_summary(request, pk: int):
    """A head corrects the summary (before anyone rated) or appends a dated addendum."""
    result = _result(pk)
    form = SummaryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写内容。"))
        return redirect("result", pk=result.pk)
    append = form.cleaned_data["append"]
    try:
        result_summary_update(
            actor=request.user, result=result, text=form.cleaned_data["text"], append=append
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(
            request, _("已补充实施结果说明。") if append else _("已修改实施结果说明。")
        )
    return redirect("result", pk=result.pk)


def hall_results(request, slug: str):
    hall = get_object_or_404(Hall.objects.select_related("compound__community"), slug=slug)
    page = Paginator(sel.results_of_hall(hall=hall), 20).get_page(request.GET.get("page"))
    page.object_list = sel.effective_results(page.object_list)
    return render(request, "deliberation/results/result_list.html", {"hall": hall, "page": page})
