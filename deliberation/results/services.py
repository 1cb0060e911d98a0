"""实施结果公开：publish a resolution's result when all its tasks are done (evaluation follows).

`result_publish_if_complete` is called by the task services (tasks sit above results) after a
task reaches done or cancelled; it publishes at most one open round per resolution. Evaluation （评议） of a round
lives in deliberation/results/evaluation.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from community.markup import render_markdown
from community.models import Hall, MembershipStatus
from community.roles import Role
from community.selectors import approved_residents
from deliberation import locks
from deliberation.ledger import services as ledger
from deliberation.models import (
    GovernanceTask,
    Resolution,
    ResultPublication,
    ResultState,
    TaskState,
)
from deliberation.results.evaluation import result_url, settle_rounds_of
from forum.models import NotificationKind, ProposalState
from forum.notifications import notify
from forum.workflow import proposal_transition


def place_building_ids(tasks) -> list[int]:
    """The place a set of tasks concerns: their buildings, or [] when any covers the compound."""
    ids = set()
    for task in tasks:
        if task.building_id is None:
            return []
        ids.add(task.building_id)
    return sorted(ids)


def residents_of_place(*, hall: Hall, building_ids: list[int]):
    """Active members of the hall who live in the place ([] = the whole compound): a User queryset.

    The building is the one recorded on the membership a head approved (as for electorates).
    """
    return approved_residents(hall=hall, building_ids=building_ids or None)


def default_summary(tasks) -> str:
    """A Markdown summary from each done task and its latest report."""
    lines = []
    for task in tasks:
        if task.state != TaskState.DONE:
            continue
        report = task.reports.order_by("-created_at", "-pk").first()
        done = timezone.localtime(task.done_at).strftime("%Y-%m-%d") if task.done_at else ""
        done_on = _("完成于 %(date)s") % {"date": done}
        lines.append(f"- **{task.title}**({done_on})")
        if report is not None:
            lines.append(f"  {report.body.strip().splitlines()[0][:200]}")
    return "\n".join(lines)


@transaction.atomic
def result_publish_if_complete(
    *, resolution: Resolution, actor=None, summary: str = "", now: datetime | None = None
) -> ResultPublication | None:
    """Publish the result if every task is done or cancelled (at least one done); else None.

    Moves the proposal 落实中 → 已办结，appends `result_published` to the ledger and notifies
    the residents of the place and the hall's heads. Idempotent: an open round is not repeated.
    """
    now = now or timezone.now()
    # Rounds before the resolution (deliberation.locks): a round past its end is recorded first.
    settle_rounds_of(resolution_id=resolution.pk, now=now)
    locked = Resolution.objects.select_for_update().select_related("hall").get(pk=resolution.pk)
    tasks = list(GovernanceTask.objects.filter(resolution=locked).order_by("due_on", "pk"))
    states = {t.state for t in tasks}
    if TaskState.DONE not in states or not states <= {TaskState.DONE, TaskState.CANCELLED}:
        return None
    if ResultPublication.objects.filter(resolution=locked, state=ResultState.EVALUATING).exists():
        return None
    hall = locked.hall
    last_round = (
        ResultPublication.objects.filter(resolution=locked).aggregate(m=Max("round"))["m"] or 0
    )
    done_tasks = [t for t in tasks if t.state == TaskState.DONE]
    summary = (summary or "").strip() or default_summary(done_tasks)
    result = ResultPublication.objects.create(
        hall=hall,
        resolution=locked,
        round=last_round + 1,
        summary=summary,
        summary_html=str(render_markdown(summary)),
        published_at=now,
        published_by=actor,
        evaluation_ends_at=now + timedelta(days=hall.evaluation_days),
        building_ids=place_building_ids(done_tasks),
    )
    proposal = locked.proposal
    if proposal is not None and proposal.state == ProposalState.IMPLEMENTING:
        proposal_transition(
            proposal=proposal,
            to=ProposalState.COMPLETED,
            actor=actor,
            note=_("全部治理任务已完成，实施结果公开（第%(round)s轮）") % {"round": result.round},
            check_permission=False,
        )
    entry = ledger.ledger_append(
        hall=hall,
        kind=ledger.RESULT_PUBLISHED,
        payload={
            "resolution": locked.pk,
            "result": result.pk,
            "round": result.round,
            "tasks_done": len(done_tasks),
            "tasks_cancelled": len(tasks) - len(done_tasks),
            "evaluation_ends_at": ledger.format_at(result.evaluation_ends_at),
        },
    )
    result.ledger_seq = entry.seq
    result.save(update_fields=["ledger_seq"])
    heads = hall.memberships.filter(
        status=MembershipStatus.ACTIVE, roles__role=Role.HEAD
    ).select_related("user")
    recipients = list(residents_of_place(hall=hall, building_ids=result.building_ids))
    recipients += [m.user for m in heads]
    notify(
        recipients=recipients,
        kind=NotificationKind.RESULT,
        text=_("“%(title)s”的实施结果已公开，欢迎在 %(days)s 天内评议。")
        % {"title": locked.title, "days": hall.evaluation_days},
        actor=actor,
        url=result_url(result),
        key=f"result:{result.pk}:published",
    )
    return result


SUMMARY_MAX = 10000


@transaction.atomic
def result_summary_update(
    *,
    actor,
    result: ResultPublication,
    text: str,
    append: bool = False,
    now: datetime | None = None,
) -> ResultPublication:
    """Correct (replace) or add to (append) a published result's summary: heads and admins.

    Replacing is allowed only while nobody has rated the round yet, so what residents rated
    stays on the page; afterwards (and after the round closed) a dated addendum is appended.
    """
    now = now or timezone.now()
    settle_rounds_of(resolution_id=result.resolution_id, now=now)  # a round past its end closes
    locked = locks.lock_result(result.pk)
    if actor is None or not actor.has_perm("deliberation.manage_result", locked):
        raise PermissionDenied(_("只有微家负责人或管理员可以修改实施结果说明。"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("请填写内容。")]})
    if append:
        stamp = timezone.localtime(now).strftime("%Y-%m-%d")
        summary = f"{locked.summary.rstrip()}\n\n**{_('补充说明')}({stamp},{actor})**\n\n{text}"
    else:
        if locked.evaluations.exists():
            raise ValidationError(_("已有居民评议，不能再改写实施结果说明，只能在后面补充说明。"))
        summary = text
    if len(summary) > SUMMARY_MAX:
        raise ValidationError(
            {"text": [_("实施结果说明总长不能超过 %(n)d 字。") % {"n": SUMMARY_MAX}]}
        )
    locked.summary = summary
    locked.summary_html = str(render_markdown(summary))
    locked.save(update_fields=["summary", "summary_html"])
    result.summary, result.summary_html = locked.summary, locked.summary_html
    return locked
