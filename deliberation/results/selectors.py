"""Reads of published results: one result with its tasks and rounds, a hall's results, counts.

Selectors never write. A round whose evaluation period has ended is shown in the state it
closes with (`effective_result`: accepted, or reopened when 不满意 is over the threshold),
computed from the stored ratings; `close_evaluations` (cron) and the next write to the round
(`evaluation.settle_rounds_of`) record it, with its ledger entry, once.

Counts （满意 / 基本满意 / 不满意） while a round is open: the number of ratings is public, the
breakdown is shown only to people who have already rated (so it cannot sway their rating) and
to everyone once the round is closed. The same rule holds for heads, admins and the API.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Hall, Membership, MembershipStatus
from community.needs import NeedItem
from deliberation.ledger import choices as K
from deliberation.ledger.chain import format_at
from deliberation.ledger.selectors import Checker
from deliberation.models import (
    Evaluation,
    GovernanceTask,
    LedgerEntry,
    Rating,
    ResultPublication,
    ResultState,
)
from deliberation.results import workflow
from deliberation.results.evaluation import (
    RATINGS,
    closing_state,
    count_annotations,
    counts_table,
    evaluation_counts,
    share,
)


def _with_counts(qs: QuerySet[ResultPublication]) -> QuerySet[ResultPublication]:
    return qs.select_related("hall", "resolution__proposal").annotate(**count_annotations())


def effective_result(result: ResultPublication, now: datetime | None = None) -> ResultPublication:
    """Show a round past its end (in memory) in the state it closes with, at the end of its period."""
    now = now or timezone.now()
    if workflow.round_due(result, now):
        workflow.result_effective(
            result=result,
            to=closing_state(result, evaluation_counts(result)),
            closed_at=result.evaluation_ends_at,
        )
    return result


def effective_results(
    results: Iterable[ResultPublication], now: datetime | None = None
) -> list[ResultPublication]:
    """The rounds of a list or page, each in its effective state."""
    now = now or timezone.now()
    return [effective_result(r, now) for r in results]


def result_detail(*, pk: int, now: datetime | None = None) -> ResultPublication:
    """One result with its counts annotated, in its effective state."""
    result = _with_counts(
        ResultPublication.objects.select_related(
            "hall__compound__community", "resolution__ballot", "published_by"
        )
    ).get(pk=pk)
    return effective_result(result, now)


def result_tasks(*, result: ResultPublication) -> list[GovernanceTask]:
    """The resolution's tasks (their state now), with what the result page shows."""
    return list(
        GovernanceTask.objects.filter(resolution_id=result.resolution_id)
        .select_related("owner", "brand", "building")
        .prefetch_related("subtasks")
        .order_by("due_on", "pk")
    )


def result_rounds(*, result: ResultPublication) -> list[ResultPublication]:
    """Every round of the resolution, newest first, with counts (for 'earlier rounds')."""
    return effective_results(
        _with_counts(ResultPublication.objects.filter(resolution_id=result.resolution_id)).order_by(
            "-round"
        )
    )


def my_evaluation(*, user, result: ResultPublication) -> Evaluation | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Evaluation.objects.filter(result=result, user=user).first()


def counts_visible(*, result: ResultPublication, mine: Evaluation | None) -> bool:
    """The breakdown is shown once the round is closed, or to someone who has rated it."""
    return result.state != ResultState.EVALUATING or mine is not None


def result_counts(*, result: ResultPublication, mine: Evaluation | None) -> dict[str, Any]:
    """{"total", "visible", "rows"}: the total always; each rating's count and share if visible."""
    table = counts_table(evaluation_counts(result))
    visible = counts_visible(result=result, mine=mine)
    return {"total": table["total"], "visible": visible, "rows": table["rows"] if visible else []}


def evaluation_comments(*, result: ResultPublication) -> list[Evaluation]:
    """Ratings that carry a comment, oldest first (shown without names)."""
    return list(
        Evaluation.objects.filter(result=result).exclude(comment="").order_by("created_at", "pk")
    )


def results_of_hall(*, hall: Hall) -> QuerySet[ResultPublication]:
    """The hall's published results, newest first, with counts (show through `effective_results`)."""
    return _with_counts(ResultPublication.objects.filter(hall=hall)).order_by(
        "-published_at", "-pk"
    )


def notice_board_results(*, hall: Hall, now: datetime | None = None) -> dict[str, list]:
    """The 实施结果公开 part of the notice board: rounds being evaluated, and recent closed ones."""
    rows = effective_results(results_of_hall(hall=hall), now)
    evaluating = [r for r in rows if r.state == ResultState.EVALUATING]
    return {
        "results_evaluating": sorted(evaluating, key=lambda r: (r.evaluation_ends_at, r.pk)),
        "results_closed": [r for r in rows if r.state != ResultState.EVALUATING][:30],
    }


# --- what the ledger certifies (deliberation.ledger.selectors.certify_entries) ------------------


def certify_results(entries: Sequence[LedgerEntry], check: Checker) -> None:
    """Compare published results and their ratings with the entries that certify them.

    A round's ratings are certified as counts (no names on the ledger): a rating changed,
    added or deleted after the close changes a count.
    """
    ids = {e.payload["result"] for e in entries if isinstance(e.payload.get("result"), int)}
    results = {
        r.pk: r
        for r in ResultPublication.objects.filter(pk__in=ids).annotate(**count_annotations())
    }
    for e in entries:
        p = e.payload
        result = results.get(p.get("result")) if isinstance(p.get("result"), int) else None
        if e.kind == K.RESULT_PUBLISHED and all(
            k in p for k in ("result", "resolution", "round", "evaluation_ends_at")
        ):
            if not check.exists(e, "result", p["result"], result):
                continue
            live_end = format_at(result.evaluation_ends_at)
            check.same(e, "result", result.pk, "resolution", p["resolution"], result.resolution_id)
            check.same(e, "result", result.pk, "round", p["round"], result.round)
            check.same(
                e, "result", result.pk, "evaluation_ends_at", p["evaluation_ends_at"], live_end
            )
            check.same(e, "result", result.pk, "ledger_seq", e.seq, result.ledger_seq)
        elif e.kind == K.EVALUATION_CLOSED and all(
            k in p for k in ("result", "outcome", "ratings", *RATINGS)
        ):
            if not check.exists(e, "result", p["result"], result):
                continue
            counts = evaluation_counts(result)
            total = sum(counts.values())
            check.same(e, "result", result.pk, "state", p["outcome"], result.state)
            check.same(e, "result", result.pk, "ratings", p["ratings"], total)
            for key in RATINGS:
                check.same(e, "result", result.pk, key, p[key], counts[key])
            if "dissatisfied_share" in p:
                live = str(share(counts[Rating.DISSATISFIED], total))
                check.same(
                    e, "result", result.pk, "dissatisfied_share", p["dissatisfied_share"], live
                )
            if "closed_at" in p:
                live_at = format_at(result.closed_at) if result.closed_at else None
                check.same(e, "result", result.pk, "closed_at", p["closed_at"], live_at)


# --- 待我处理（community.needs） -------------------------------------------------------------------

NEEDS_LIMIT = 10


def needs_of(*, user, now: datetime) -> list[NeedItem]:
    """Result rounds `user` may rate now and has not: open, in a place where their membership is.

    Two queries: the person's active memberships (hall → building), then the open rounds of those
    halls they have not rated; the place is checked on the rows (building_ids is a JSON list).
    """
    places = dict(
        Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).values_list(
            "hall_id", "building_id"
        )
    )
    if not places:
        return []
    rated = Evaluation.objects.filter(result=OuterRef("pk"), user=user)
    rounds = (
        ResultPublication.objects.filter(
            hall_id__in=places, state=ResultState.EVALUATING, evaluation_ends_at__gt=now
        )
        .exclude(Exists(rated))
        .select_related("hall", "resolution")
        .order_by("evaluation_ends_at", "pk")[: NEEDS_LIMIT * 10]
    )
    items = []
    for r in rounds:
        if r.building_ids and places[r.hall_id] not in r.building_ids:
            continue
        items.append(
            NeedItem(
                kind="result",
                icon="⭐",
                title=_("请评议：%(title)s") % {"title": r.resolution.title},
                text=_("这件事已经办完了，请说说您满不满意。"),
                action=_("去评议"),
                url=reverse("result", args=[r.pk]),
                due=r.evaluation_ends_at,
                hall=r.hall.name,
            )
        )
        if len(items) == NEEDS_LIMIT:
            break
    return items
