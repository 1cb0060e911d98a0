"""Reads of published results: one result with its tasks and rounds, a hall's results, counts.

Every read first closes the rounds whose evaluation period has ended (`settle_evaluations`),
so a page never shows a stale open round and nothing depends on cron.

Counts (满意 / 基本满意 / 不满意) while a round is open: the number of ratings is public, the
breakdown is shown only to people who have already rated (so it cannot sway their rating) and
to everyone once the round is closed. The same rule holds for heads, admins and the API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from community.models import Hall
from deliberation.models import (
    Evaluation,
    GovernanceTask,
    ResultPublication,
    ResultState,
)
from deliberation.results.evaluation import (
    count_annotations,
    counts_table,
    evaluation_close,
    evaluation_counts,
    settle_evaluations,
)


def _with_counts(qs: QuerySet[ResultPublication]) -> QuerySet[ResultPublication]:
    return qs.select_related("hall", "resolution__proposal").annotate(**count_annotations())


def result_detail(*, pk: int, now: datetime | None = None) -> ResultPublication:
    """One result with its counts annotated; its round closed first if the period ended."""
    now = now or timezone.now()
    result = ResultPublication.objects.select_related("hall").get(pk=pk)
    if result.state == ResultState.EVALUATING and result.evaluation_ends_at <= now:
        evaluation_close(result=result, now=now)
    return _with_counts(
        ResultPublication.objects.select_related(
            "hall__compound__community", "resolution__ballot", "published_by"
        )
    ).get(pk=pk)


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
    return list(
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


def results_of_hall(*, hall: Hall, now: datetime | None = None) -> QuerySet[ResultPublication]:
    """The hall's published results, newest first, with counts; ended rounds closed first."""
    settle_evaluations(hall=hall, now=now)
    return _with_counts(ResultPublication.objects.filter(hall=hall)).order_by(
        "-published_at", "-pk"
    )


def notice_board_results(*, hall: Hall, now: datetime | None = None) -> dict[str, list]:
    """The 实施结果公开 part of the notice board: rounds being evaluated, and recent closed ones."""
    qs = results_of_hall(hall=hall, now=now)
    return {
        "results_evaluating": list(
            qs.filter(state=ResultState.EVALUATING).order_by("evaluation_ends_at", "pk")
        ),
        "results_closed": list(qs.exclude(state=ResultState.EVALUATING)[:30]),
    }
