"""Reads of governance tasks: lists with filters, one task with its timeline，督办（overdue）.

Selectors own select_related/prefetch so the pages, the API and the reminders read the same
rows with a constant number of queries. Tasks are public （居务公开）：`user` is taken so the
visibility rule can change in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.paginator import Page, Paginator
from django.db.models import Case, F, Prefetch, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Hall
from community.needs import NeedItem
from deliberation.models import (
    GovernanceTask,
    ProgressReport,
    ProgressReportImage,
    Resolution,
    ResultPublication,
    SubTask,
    TaskEvent,
    TaskState,
)
from deliberation.tasks.workflow import task_progress

OPEN_STATES = (TaskState.PENDING, TaskState.IN_PROGRESS, TaskState.BLOCKED)
PER_PAGE = 20


def _base() -> QuerySet[GovernanceTask]:
    return GovernanceTask.objects.select_related(
        "hall", "resolution", "owner", "brand", "building"
    ).prefetch_related(Prefetch("subtasks", queryset=SubTask.objects.order_by("order", "pk")))


def decorate(tasks, today: date | None = None):
    """Set `.progress` (derived %) and `.overdue` on each task (no queries with prefetched rows)."""
    today = today or timezone.localdate()
    for t in tasks:
        t.progress = task_progress(t)
        t.overdue = t.is_overdue(today)
        t.days_overdue = (today - t.due_on).days if t.overdue else 0
    return tasks


def tasks_filtered(
    *,
    user=None,
    hall: Hall,
    state: str | None = None,
    overdue: bool | None = None,
    brand: int | None = None,
    today: date | None = None,
) -> QuerySet[GovernanceTask]:
    """The hall's tasks, filtered by state, overdue （督办） and brand; what needs attention first.

    Open tasks (pending, in progress, blocked) come first, soonest due first — so the overdue
    lead; then the finished ones (done, cancelled), the most recently done first, so last
    year's finished work sinks to the end of the list.
    """
    today = today or timezone.localdate()
    qs = _base().filter(hall=hall)
    if state:
        qs = qs.filter(state=state)
    if overdue is True:
        qs = qs.filter(state__in=OPEN_STATES, due_on__lt=today)
    elif overdue is False:
        qs = qs.exclude(state__in=OPEN_STATES, due_on__lt=today)
    if brand:
        qs = qs.filter(brand_id=brand)
    is_open = Q(state__in=OPEN_STATES)
    return qs.annotate(
        finished=Case(When(is_open, then=Value(0)), default=Value(1)),
        open_due=Case(When(is_open, then=F("due_on")), default=None),
    ).order_by(
        "finished",
        F("open_due").asc(nulls_last=True),
        F("done_at").desc(nulls_last=True),
        "pk",
    )


def tasks_of_hall(
    *,
    user=None,
    hall: Hall,
    state: str | None = None,
    overdue: bool | None = None,
    brand: int | None = None,
    page: int | str | None = 1,
    per_page: int = PER_PAGE,
    today: date | None = None,
) -> Page:
    """One page of the hall's tasks (filters as `tasks_filtered`), each decorated."""
    today = today or timezone.localdate()
    qs = tasks_filtered(
        user=user, hall=hall, state=state, overdue=overdue, brand=brand, today=today
    )
    result = Paginator(qs, per_page).get_page(page)
    result.object_list = decorate(list(result.object_list), today)
    return result


def overdue_tasks(
    *, hall: Hall, today: date | None = None, limit: int | None = None
) -> list[GovernanceTask]:
    """督办：the hall's open tasks past their due date, most overdue first (the first `limit`)."""
    today = today or timezone.localdate()
    qs = _base().filter(hall=hall, state__in=OPEN_STATES, due_on__lt=today).order_by("due_on", "pk")
    return decorate(list(qs[:limit] if limit else qs), today)


def overdue_count(*, hall: Hall, today: date | None = None) -> int:
    today = today or timezone.localdate()
    return GovernanceTask.objects.filter(hall=hall, state__in=OPEN_STATES, due_on__lt=today).count()


def tasks_of_resolution(*, resolution: Resolution, today: date | None = None):
    """A resolution's tasks, decorated (for its page)."""
    return decorate(list(_base().filter(resolution=resolution).order_by("due_on", "pk")), today)


def task_detail(*, pk: int, today: date | None = None) -> GovernanceTask:
    """One task with its people, place and sub-tasks; raises GovernanceTask.DoesNotExist."""
    task = (
        _base()
        .select_related("resolution__proposal", "hall__compound__community", "created_by")
        .prefetch_related("volunteers")
        .get(pk=pk)
    )
    decorate([task], today)
    return task


def latest_result(*, resolution_id: int) -> ResultPublication | None:
    """The newest result round （实施结果公开） of a resolution, if any."""
    return ResultPublication.objects.filter(resolution_id=resolution_id).order_by("-round").first()


@dataclass
class TimelineEntry:
    """One line of a task's timeline: a state change (`event`) or a report (`report`)."""

    at: datetime
    event: TaskEvent | None = None
    report: ProgressReport | None = None


def task_timeline(*, task: GovernanceTask) -> list[TimelineEntry]:
    """The task's history events and progress reports (with photos) in time order."""
    events = TaskEvent.objects.filter(task=task).select_related("actor")
    reports = (
        ProgressReport.objects.filter(task=task)
        .select_related("author")
        .prefetch_related(
            Prefetch("images", queryset=ProgressReportImage.objects.order_by("order", "pk"))
        )
    )
    entries = [TimelineEntry(at=e.at, event=e) for e in events]
    entries += [TimelineEntry(at=r.created_at, report=r) for r in reports]
    # Events before reports at the same instant: creation comes first.
    entries.sort(key=lambda e: (e.at, e.report is not None))
    return entries


# --- 待我处理（community.needs） -------------------------------------------------------------------

NEEDS_LIMIT = 10


def needs_of(*, user, now: datetime) -> list[NeedItem]:
    """My open tasks (as owner) that are overdue or due within the hall's 到期提醒 days; one query."""
    today = timezone.localdate(now)
    tasks = (
        GovernanceTask.objects.filter(owner=user, state__in=OPEN_STATES)
        .select_related("hall")
        .order_by("due_on", "pk")[: NEEDS_LIMIT * 5]
    )
    items = []
    for t in tasks:
        if (t.due_on - today).days > t.hall.task_due_soon_days or len(items) == NEEDS_LIMIT:
            continue
        overdue = t.due_on < today
        items.append(
            NeedItem(
                kind="task",
                icon="🛠️",
                title=_("我的任务：%(title)s") % {"title": t.title},
                text=_("已过完成期限，请尽快办理，或报告进展和困难。")
                if overdue
                else _("快到完成期限了，请报告进展。"),
                action=_("报告进展"),
                url=reverse("task", args=[t.pk]),
                due=t.due_on,
                hall=t.hall.name,
            )
        )
    return items
