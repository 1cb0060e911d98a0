"""/api/v1/ endpoints of published results and their evaluation (mounted by deliberation/api.py).

Reading is public, like the notice board; a bearer token or the session, when present, adds
the caller's own rating and whether they may rate. The breakdown of the counts follows the
page's rule (selectors_results): visible to those who rated, and to everyone once closed.
"""

from __future__ import annotations

from datetime import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from community.apierrors import answers
from community.auth import AUTH, token_auth
from community.models import Building, Hall, MembershipStatus
from deliberation.models import Evaluation, Rating, ResultPublication
from deliberation.results import selectors as sel
from deliberation.results.evaluation import (
    evaluation_refusal,
    evaluation_submit,
    place_label,
    result_url,
)

router = Router(tags=["results"])


class CountOut(Schema):
    rating: str
    label: str
    count: int
    percent: str


class MyEvaluationOut(Schema):
    rating: str
    comment: str
    at: datetime


class TaskStateOut(Schema):
    id: int
    title: str
    state: str
    state_label: str
    owner: str
    building_id: int | None
    done_at: datetime | None


class ResultOut(Schema):
    id: int
    hall_id: int
    resolution_id: int
    resolution_title: str
    proposal_id: int | None
    round: int
    state: str
    state_label: str
    summary: str
    summary_html: str
    published_at: datetime
    evaluation_ends_at: datetime
    closed_at: datetime | None
    open: bool
    building_ids: list[int]
    place: str
    ratings: int
    counts_visible: bool
    counts: list[CountOut]
    my_evaluation: MyEvaluationOut | None
    can_evaluate: bool
    refusal: str
    url: str


class ResultDetailOut(ResultOut):
    tasks: list[TaskStateOut]


class EvaluationIn(Schema):
    rating: Rating
    comment: str = ""


def _viewer(request):
    """The caller on a public endpoint: the session user, or a valid bearer token's user."""
    user = request.user
    header = request.headers.get("Authorization", "")
    if not user.is_authenticated and header.lower().startswith("bearer "):
        found = token_auth.authenticate(request, header[7:].strip())
        if found is not None:
            return found
    return user


def result_out(
    result: ResultPublication,
    *,
    mine: Evaluation | None,
    refusal: str,
    place: str,
    **extra,
) -> dict:
    counts = sel.result_counts(result=result, mine=mine)
    return {
        "id": result.pk,
        "hall_id": result.hall_id,
        "resolution_id": result.resolution_id,
        "resolution_title": result.resolution.title,
        "proposal_id": result.resolution.proposal_id,
        "round": result.round,
        "state": result.state,
        "state_label": result.get_state_display(),
        "summary": result.summary,
        "summary_html": result.summary_html,
        "published_at": result.published_at,
        "evaluation_ends_at": result.evaluation_ends_at,
        "closed_at": result.closed_at,
        "open": result.is_open(),
        "building_ids": result.building_ids,
        "place": place,
        "ratings": counts["total"],
        "counts_visible": counts["visible"],
        "counts": [
            {
                "rating": r["key"],
                "label": str(r["label"]),
                "count": r["count"],
                "percent": str(r["percent"]),
            }
            for r in counts["rows"]
        ],
        "my_evaluation": {"rating": mine.rating, "comment": mine.comment, "at": mine.created_at}
        if mine
        else None,
        "can_evaluate": mine is None and not refusal and result.is_open(),
        "refusal": refusal,
        "url": result_url(result),
        **extra,
    }


def _detail(request, pk: int, user) -> dict:
    try:
        result = sel.result_detail(pk=pk)
    except ResultPublication.DoesNotExist:
        raise Http404 from None
    mine = sel.my_evaluation(user=user, result=result)
    tasks = [
        {
            "id": t.pk,
            "title": t.title,
            "state": t.state,
            "state_label": t.get_state_display(),
            "owner": str(t.owner),
            "building_id": t.building_id,
            "done_at": t.done_at,
        }
        for t in sel.result_tasks(result=result)
    ]
    refusal = None if mine else evaluation_refusal(user=user, result=result)
    return result_out(
        result,
        mine=mine,
        refusal=refusal[1] if refusal else "",
        place=place_label(result),
        tasks=tasks,
    )


@router.get(
    "/results/{pk}",
    response=answers(ResultDetailOut, 404, 422),
    auth=None,
    summary="A published result （实施结果公开） with its evaluation counts and tasks",
)
def get_result(request, pk: int):
    return _detail(request, pk, _viewer(request))


@router.post(
    "/results/{pk}/evaluations",
    response=answers({201: ResultDetailOut}, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Rate a result: satisfied / basically / dissatisfied, once （评议）",
)
def submit_evaluation(request, pk: int, payload: EvaluationIn):
    result = get_object_or_404(ResultPublication, pk=pk)
    evaluation_submit(
        user=request.auth, result=result, rating=payload.rating, comment=payload.comment
    )
    return Status(201, _detail(request, pk, request.auth))


@router.get(
    "/halls/{hall_id}/results",
    response=answers(list[ResultOut], 400, 404, 422),
    auth=None,
    summary="A hall's published results, newest first (public)",
)
def list_results(
    request,
    hall_id: int,
    limit: int = Query(50, ge=1, le=200),  # out of range: 422 with the reason, never a 500
    offset: int = Query(0, ge=0, le=2**31),
):
    hall = get_object_or_404(Hall, pk=hall_id)
    user = _viewer(request)
    results = sel.effective_results(sel.results_of_hall(hall=hall)[offset : offset + limit])
    names = dict(Building.objects.filter(compound_id=hall.compound_id).values_list("pk", "name"))
    mine: dict[int, Evaluation] = {}
    living: set[int] | None = None  # the buildings the caller lives in; None: not a member
    if user.is_authenticated:
        mine = {e.result_id: e for e in Evaluation.objects.filter(user=user, result__in=results)}
        membership = hall.memberships.filter(user=user, status=MembershipStatus.ACTIVE).first()
        if membership is not None:
            living = {b for b in (membership.building_id, user.building_id) if b}
    out = []
    for r in results:
        in_place = living is not None and (not r.building_ids or bool(living & set(r.building_ids)))
        refusal = ""
        if r.pk not in mine:
            if not r.is_open():
                refusal = _("本轮评议已经结束，不能再评议。")
            elif not in_place:
                refusal = _("您不在这项实施结果的评议范围内。")
        place = _("、").join(names.get(b, "?") for b in r.building_ids) or _("全小区")
        out.append(result_out(r, mine=mine.get(r.pk), refusal=refusal, place=place))
    return out
