"""评议：residents rate a published result; when the period ends it is accepted or reopened.

- `evaluation_submit`: one rating （满意 / 基本满意 / 不满意，optional comment） per resident of the
  place, while the round is open. The database's unique constraint is the final word.
- `evaluation_close`: at the end of the period. With at least `hall.evaluation_min_ratings`
  ratings and a 不满意 share strictly above `hall.dissatisfaction_threshold` the round is
  REOPENED (the resolution's done tasks go back to in progress, the proposal to 落实中，heads
  and owners are told); otherwise ACCEPTED (proposal 已办结 → 已评议 → 归档). A ledger entry
  `evaluation_closed` records the counts either way. Idempotent.
- `settle_evaluations`: record the close of every round whose period ended (`close_evaluations`,
  from cron); `settle_rounds_of` does it for one resolution before a write touches it.
  Reads never write: they show a round past its end as it closes (`selectors.effective_result`).
The round's state moves only through deliberation/results/workflow.py. See docs/results.md.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from community.models import Building, Hall, MembershipStatus
from community.roles import Role
from community.times import bj_format
from deliberation import locks
from deliberation.ledger import services as ledger
from deliberation.models import Evaluation, Rating, ResultPublication, ResultState
from deliberation.results import hooks, workflow
from forum.models import NotificationKind, ProposalState
from forum.notifications import notify
from forum.workflow import proposal_transition

COMMENT_MAX = 500
RATINGS: list[str] = [Rating.SATISFIED, Rating.BASICALLY, Rating.DISSATISFIED]

# Control characters other than newline and tab (pasted from other apps, never meant).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def result_url(result: ResultPublication) -> str:
    """The path of a round's page (in notifications and links)."""
    return f"/results/{result.pk}/"


# --- counting -------------------------------------------------------------------------------


def count_annotations() -> dict[str, Count]:
    """Annotations giving a ResultPublication queryset its counts in the same query."""
    counts = {
        f"n_{key}": Count("evaluations", filter=Q(evaluations__rating=key)) for key in RATINGS
    }
    return {**counts, "n_total": Count("evaluations")}


def evaluation_counts(result: ResultPublication) -> dict[str, int]:
    """{rating: count} for the three ratings (from annotations when present, else one query)."""
    if all(hasattr(result, f"n_{key}") for key in RATINGS):
        return {key: getattr(result, f"n_{key}") for key in RATINGS}
    rows = Evaluation.objects.filter(result=result).values("rating").annotate(n=Count("pk"))
    found = {row["rating"]: row["n"] for row in rows}
    return {key: found.get(key, 0) for key in RATINGS}


def share(part: int, total: int) -> Decimal:
    """part / total as a fraction with 3 decimals (0 when there is nothing to divide)."""
    if not total:
        return Decimal("0.000")
    return (Decimal(part) / Decimal(total)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def counts_table(counts: dict[str, int]) -> dict[str, Any]:
    """What a page or the API shows: each rating's count and share in percent, and the total."""
    total = sum(counts.values())
    rows = []
    for key in RATINGS:
        n = counts.get(key, 0)
        percent = (
            (Decimal(n) * 100 / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            if total
            else Decimal("0.0")
        )
        rows.append({"key": key, "label": Rating(key).label, "count": n, "percent": percent})
    return {"total": total, "rows": rows}


def should_reopen(counts: dict[str, int], hall: Hall) -> bool:
    """Enough ratings, and the 不满意 share strictly above the hall's threshold (exact arithmetic)."""
    total = sum(counts.values())
    if total < hall.evaluation_min_ratings or total == 0:
        return False
    # dissatisfied / total > threshold, compared without rounding.
    return Decimal(counts.get(Rating.DISSATISFIED, 0)) > hall.dissatisfaction_threshold * total


# --- rating ---------------------------------------------------------------------------------


def clean_comment(text: str) -> str:
    """Plain text: no markup, no control characters, trimmed; newlines kept."""
    text = strip_tags(text or "")
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def place_label(result: ResultPublication) -> str:
    """The place of a round in words: its buildings, or the whole compound."""
    if not result.building_ids:
        return _("全小区")
    names = Building.objects.filter(pk__in=result.building_ids).order_by("name")
    return _("、").join(b.name for b in names)


def evaluation_refusal(*, user, result: ResultPublication, now: datetime | None = None):
    """Why `user` may not rate `result` now, as (exception class, message); None if they may.

    The page uses this to explain instead of showing the form; the service raises it.
    """
    now = now or timezone.now()
    if not getattr(user, "is_authenticated", False):
        return PermissionDenied, _("请先登录后再评议。")
    if now >= result.evaluation_ends_at:
        return ValidationError, _("评议期已于 %(at)s 结束，不能再评议。") % {
            "at": bj_format(result.evaluation_ends_at)
        }
    if result.state != ResultState.EVALUATING:
        return ValidationError, _("本轮评议已经结束，不能再评议。")
    if not result.hall.memberships.filter(user=user, status=MembershipStatus.ACTIVE).exists():
        return PermissionDenied, _("只有本议事厅的成员可以评议；请先申请加入议事厅。")
    if not user.has_perm("deliberation.evaluate_result", result):
        return PermissionDenied, _(
            "这项实施结果涉及%(place)s，只有住在那里的居民可以评议。"
            "如果您的楼栋登记有误，请联系微家负责人。"
        ) % {"place": place_label(result)}
    if Evaluation.objects.filter(result=result, user=user).exists():
        return ValidationError, _("您已经评议过这项实施结果了，每人只能评议一次。")
    return None


@transaction.atomic
def evaluation_submit(
    *,
    user,
    result: ResultPublication,
    rating: str,
    comment: str = "",
    now: datetime | None = None,
) -> Evaluation:
    """Record one resident's rating of an open round (once each; nothing changes on refusal)."""
    now = now or timezone.now()
    # The row lock orders a rating against the round's closing (evaluation_close locks it too).
    locked = locks.lock_result(result.pk)
    _close_locked(locked, now)  # a round past its end is recorded closed first (then refused)
    refusal = evaluation_refusal(user=user, result=locked, now=now)
    if refusal is not None:
        exc_class, message = refusal
        raise exc_class(message)
    if rating not in RATINGS:
        raise ValidationError({"rating": [_("请选择“满意”“基本满意”或“不满意”中的一项。")]})
    comment = clean_comment(comment)
    if len(comment) > COMMENT_MAX:
        raise ValidationError(
            {
                "comment": [
                    _("意见不能超过 %(n)d 字（现在 %(m)d 字）。")
                    % {"n": COMMENT_MAX, "m": len(comment)}
                ]
            }
        )
    try:
        # A savepoint: a concurrent second submit loses here without spoiling the transaction.
        with transaction.atomic():
            created = Evaluation.objects.create(
                result=locked, user=user, rating=rating, comment=comment, created_at=now
            )
    except IntegrityError:
        raise ValidationError(_("您已经评议过这项实施结果了，每人只能评议一次。")) from None
    _mark_evaluated(locked)
    return created


def _mark_evaluated(result: ResultPublication) -> None:
    """已评议 once enough residents have rated and 不满意 is within the threshold.

    The round stays open to the end of its period; the proposal is archived then (or, if late
    ratings tip the share over the threshold, its tasks are reopened after all).
    """
    proposal = result.resolution.proposal
    if proposal is None:
        return
    # Read after the round's lock: the row joined into the locking query can be the version from
    # before a concurrent rating moved it (PostgreSQL re-checks only the locked row).
    proposal.refresh_from_db(fields=["state"])
    if proposal.state != ProposalState.COMPLETED:
        return
    counts = evaluation_counts(result)
    total = sum(counts.values())
    if total < result.hall.evaluation_min_ratings or should_reopen(counts, result.hall):
        return
    proposal_transition(
        proposal=proposal,
        to=ProposalState.EVALUATED,
        note=_("已有 %(n)s 位居民评议，不满意占 %(pct)s%%，未超过重办比例；评议期结束后归档")
        % {
            "n": total,
            "pct": (share(counts[Rating.DISSATISFIED], total) * 100).quantize(Decimal("0.1")),
        },
        check_permission=False,
    )


# --- closing --------------------------------------------------------------------------------


def _heads(hall: Hall) -> list:
    return [
        m.user
        for m in hall.memberships.filter(
            status=MembershipStatus.ACTIVE, roles__role=Role.HEAD
        ).select_related("user")
    ]


@transaction.atomic
def evaluation_close(*, result: ResultPublication, now: datetime | None = None) -> bool:
    """Close a round whose period has ended; return False if it was not due or already closed."""
    closed = _close_locked(locks.lock_result(result.pk), now or timezone.now())
    if closed:
        result.refresh_from_db(fields=["state", "closed_at"])
    return closed


def closing_state(result: ResultPublication, counts: dict[str, int]) -> str:
    """The state a round closes in at the end of its period: reopened or accepted."""
    return ResultState.REOPENED if should_reopen(counts, result.hall) else ResultState.ACCEPTED


def _close_locked(locked: ResultPublication, now: datetime) -> bool:
    """Record the close of a locked round whose period has ended (at the end of the period)."""
    if not workflow.round_due(locked, now):
        return False
    hall = locked.hall
    resolution = locked.resolution
    counts = evaluation_counts(locked)
    total = sum(counts.values())
    dissatisfied = share(counts[Rating.DISSATISFIED], total)
    percent = (dissatisfied * 100).quantize(Decimal("0.1"))
    to = closing_state(locked, counts)
    reopen = to == ResultState.REOPENED
    # It closed when its period ended: what the pages showed from then on is what is recorded.
    workflow.result_transition(result=locked, to=to, closed_at=locked.evaluation_ends_at)
    proposal = resolution.proposal
    if reopen:
        note = _(
            "评议不满意：第%(round)s轮评议中不满意占 %(pct)s%%（%(d)s/%(n)s），"
            "超过 %(limit)s%%，重新落实"
        ) % {
            "round": locked.round,
            "pct": percent,
            "d": counts[Rating.DISSATISFIED],
            "n": total,
            "limit": format((hall.dissatisfaction_threshold * 100).normalize(), "f"),
        }
        text = _("“%(title)s”%(note)s。") % {"title": resolution.title, "note": note}
        # The tasks part reopens the resolution's done tasks and tells their owners.
        hooks.round_reopened(result=locked, note=note, text=text, now=now)
        if proposal is not None and proposal.state in (
            ProposalState.COMPLETED,
            ProposalState.EVALUATED,
        ):
            proposal_transition(
                proposal=proposal, to=ProposalState.IMPLEMENTING, note=note, check_permission=False
            )
        notify(
            recipients=_heads(hall),
            kind=NotificationKind.RESULT,
            text=text,
            url=result_url(locked),
        )
    elif proposal is not None and proposal.state in (
        ProposalState.COMPLETED,
        ProposalState.EVALUATED,
    ):
        if proposal.state == ProposalState.COMPLETED:
            proposal_transition(
                proposal=proposal,
                to=ProposalState.EVALUATED,
                note=_("第%(round)s轮评议结束：%(n)s 人评议，不满意占 %(pct)s%%")
                % {
                    "round": locked.round,
                    "n": total,
                    "pct": percent,
                },
                check_permission=False,
            )
        proposal_transition(
            proposal=proposal,
            to=ProposalState.ARCHIVED,
            note=_("评议通过，归档"),
            check_permission=False,
        )
    ledger.ledger_append(
        hall=hall,
        kind=ledger.EVALUATION_CLOSED,
        payload={
            "resolution": resolution.pk,
            "result": locked.pk,
            "round": locked.round,
            "outcome": locked.state,
            "ratings": total,
            "satisfied": counts[Rating.SATISFIED],
            "basically": counts[Rating.BASICALLY],
            "dissatisfied": counts[Rating.DISSATISFIED],
            "dissatisfied_share": str(dissatisfied),
            "threshold": str(hall.dissatisfaction_threshold),
            "min_ratings": hall.evaluation_min_ratings,
            "closed_at": ledger.format_at(locked.closed_at),
        },
    )
    return True


def settle_evaluations(*, hall: Hall | None = None, now: datetime | None = None) -> int:
    """Record the close of every round whose period has ended (of one hall, or all); how many."""
    now = now or timezone.now()
    due = ResultPublication.objects.filter(
        state=ResultState.EVALUATING, evaluation_ends_at__lte=now
    )
    if hall is not None:
        due = due.filter(hall=hall)
    closed = 0
    for pk in due.order_by("evaluation_ends_at", "pk").values_list("pk", flat=True):
        with transaction.atomic():
            closed += _close_locked(locks.lock_result(pk), now)
    return closed


def settle_rounds_of(*, resolution_id: int, now: datetime | None = None) -> list[ResultPublication]:
    """Lock a resolution's open rounds and record the close of those past their end (a write
    that touches them does this first); return the rounds still open."""
    now = now or timezone.now()
    return [r for r in locks.lock_open_rounds(resolution_id) if not _close_locked(r, now)]


def rounds_end_early(*, resolution_id: int, actor, task_id: int, now: datetime) -> int:
    """A head reopened a done task: the resolution's open round ends now, as reopened.

    Its ratings so far go on the ledger, as when a period ends. Returns how many rounds ended.
    """
    ended = 0
    for result in settle_rounds_of(resolution_id=resolution_id, now=now):
        workflow.result_transition(result=result, to=ResultState.REOPENED, closed_at=now)
        counts = evaluation_counts(result)
        ledger.ledger_append(
            hall=result.hall,
            kind=ledger.EVALUATION_CLOSED,
            payload={
                "resolution": resolution_id,
                "result": result.pk,
                "round": result.round,
                "outcome": result.state,
                "reopened_by": getattr(actor, "pk", None),
                "task": task_id,
                "ratings": sum(counts.values()),
                "satisfied": counts[Rating.SATISFIED],
                "basically": counts[Rating.BASICALLY],
                "dissatisfied": counts[Rating.DISSATISFIED],
                "closed_at": ledger.format_at(now),
            },
        )
        ended += 1
    return ended
