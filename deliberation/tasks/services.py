"""Writes of governance tasks （治理任务）：one function per use case; pages and the API call these.

Each function is keyword-only and atomic: it locks the task, checks the permission
(PermissionDenied with a Chinese message), validates (ValidationError, which changes nothing),
changes state — the task's state only through `workflow.task_transition` — and notifies people.
When a task becomes done or cancelled the result is published if it was the last one
(`results.result_publish_if_complete`). Tasks sit above results and votes: they call them;
results tell tasks that a round closed unsatisfactory through deliberation/results/hooks.py
(`reopen_after_evaluation` below is registered in deliberation.apps). A result round's state
is moved only by the results part; a write here first records what time made due (a notice
period that ended, a round past its end) under the lock, then decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.images import clean_images
from community.markup import render_markdown
from community.models import Building, Hall, MembershipStatus, ServiceBrand, User
from community.permissions import is_member
from community.roles import Role
from deliberation.models import (
    GovernanceTask,
    ProgressReport,
    ProgressReportImage,
    Resolution,
    ResultPublication,
    ResultState,
    SubTask,
    TaskEvent,
    TaskState,
)
from deliberation.results import evaluation
from deliberation.results import services as results
from deliberation.tasks.workflow import task_progress, task_transition
from deliberation.votes import services as votes
from deliberation.votes.choices import ResolutionState
from forum.models import NotificationKind, ProposalState
from forum.notifications import notify
from forum.workflow import proposal_transition

T = TaskState
MAX_SUBTASKS = 30
MAX_VOLUNTEERS = 30
MAX_REPORT_IMAGES = 6
MAX_TITLE = 80
MAX_TEXT = 10000

# action name → (target state, permission, a reason is required)
ACTIONS: dict[str, tuple[str, str, bool]] = {
    "start": (T.IN_PROGRESS, "deliberation.move_task", False),
    "block": (T.BLOCKED, "deliberation.move_task", True),
    "unblock": (T.IN_PROGRESS, "deliberation.move_task", False),
    "complete": (T.DONE, "deliberation.move_task", False),
    "cancel": (T.CANCELLED, "deliberation.cancel_task", True),
    "reopen": (T.IN_PROGRESS, "deliberation.reopen_task", False),
}

DENIED = {
    "deliberation.manage_tasks": gettext_lazy("只有微家负责人或妇联管理员可以安排治理任务。"),
    "deliberation.edit_task": gettext_lazy("只有微家负责人或妇联管理员可以修改任务。"),
    "deliberation.move_task": gettext_lazy("只有任务的执行负责人或微家负责人可以改变任务状态。"),
    "deliberation.cancel_task": gettext_lazy("只有微家负责人或妇联管理员可以取消任务。"),
    "deliberation.reopen_task": gettext_lazy("只有微家负责人或妇联管理员可以重新打开任务。"),
    "deliberation.plan_task": gettext_lazy(
        "只有任务的执行负责人或微家负责人可以调整子任务和进度。"
    ),
    "deliberation.tick_subtask": gettext_lazy(
        "只有任务的执行负责人、志愿者或微家负责人可以勾选子任务。"
    ),
    "deliberation.report_task_progress": gettext_lazy(
        "只有任务的执行负责人、志愿者或微家负责人可以报告进展。"
    ),
}


def _require(user, perm: str, obj) -> None:
    if user is None or not user.has_perm(perm, obj):
        raise PermissionDenied(str(DENIED.get(perm) or _("您没有权限执行此操作。")))


def task_url(task: GovernanceTask) -> str:
    return reverse("task", args=[task.pk])


def _lock(task: GovernanceTask | int) -> GovernanceTask:
    pk = task if isinstance(task, int) else task.pk
    return (
        GovernanceTask.objects.select_for_update()
        .select_related("hall__compound__community", "resolution", "owner")
        .get(pk=pk)
    )


def heads_of(hall: Hall) -> list[User]:
    """The hall's heads (active memberships holding the head role)."""
    return list(
        User.objects.filter(
            memberships__hall=hall,
            memberships__status=MembershipStatus.ACTIVE,
            memberships__roles__role=Role.HEAD,
            is_active=True,
        ).distinct()
    )


def _notify(
    task: GovernanceTask, recipients: Iterable, text: str, actor=None, key: str = ""
) -> None:
    notify(
        recipients=recipients,
        kind=NotificationKind.TASK,
        text=text,
        actor=actor,
        url=task_url(task),
        key=key,
    )


# --- validation helpers


def _clean_text(value: str | None, *, field: str, label: str, required: bool, limit: int, errors):
    value = (value or "").strip()
    if required and not value:
        errors[field] = _("请填写%(label)s。") % {"label": label}
    elif len(value) > limit:
        errors[field] = _("%(label)s不能超过 %(n)d 个字。") % {"label": label, "n": limit}
    return value


def _check_people(hall: Hall, owner: User | None, volunteers: Sequence[User], errors) -> list[User]:
    if owner is None:
        errors["owner"] = _("请选择执行负责人。")
    elif not owner.is_active or not is_member(owner, hall):
        errors["owner"] = _("执行负责人必须是本议事厅的在册成员（微家成员或志愿者）。")
    people = {}
    for v in volunteers or ():
        if owner is not None and v.pk == owner.pk:
            continue
        if not v.is_active or not is_member(v, hall):
            errors["volunteers"] = _("志愿者“%(name)s”不是本议事厅的在册成员。") % {"name": v}
        people[v.pk] = v
    if len(people) > MAX_VOLUNTEERS:
        errors["volunteers"] = _("志愿者最多 %(n)d 位。") % {"n": MAX_VOLUNTEERS}
    return list(people.values())


def _check_place(hall: Hall, brand: ServiceBrand | None, building: Building | None, errors):
    if brand is not None and brand.hall_id != hall.pk:
        errors["brand"] = _("服务品牌不属于本议事厅。")
    if building is not None and building.compound_id != hall.compound_id:
        errors["building"] = _("楼栋不属于本小区。")


def _check_due(due_on: date | None, today: date, errors, field: str = "due_on") -> None:
    if due_on is None:
        errors[field] = _("请填写完成期限。")
    elif due_on < today:
        errors[field] = _("完成期限不能早于今天。")


def _clean_subtasks(subtasks, errors) -> list[tuple[str, int]]:
    out = []
    for item in subtasks or ():
        try:
            title, weight = item
            weight = int(weight)
        except (TypeError, ValueError):
            errors["subtasks"] = _("子任务应为“名称 | 权重”，权重是 1 到 100 的整数。")
            return []
        title = (title or "").strip()
        if not title or len(title) > MAX_TITLE:
            errors["subtasks"] = _("子任务名称不能为空，也不能超过 80 个字。")
            return []
        if not 1 <= weight <= 100:
            errors["subtasks"] = _("子任务的权重应在 1 到 100 之间。")
            return []
        out.append((title, weight))
    if len(out) > MAX_SUBTASKS:
        errors["subtasks"] = _("子任务最多 %(n)d 项。") % {"n": MAX_SUBTASKS}
    return out


def _result_blocks_new_tasks(resolution: Resolution) -> bool:
    """A published result under evaluation, or accepted, closes the resolution to new tasks."""
    latest = ResultPublication.objects.filter(resolution=resolution).order_by("-round").first()
    return latest is not None and latest.state in (ResultState.EVALUATING, ResultState.ACCEPTED)


# --- tasks


@transaction.atomic
def task_create(
    *,
    actor: User,
    resolution: Resolution,
    title: str,
    description: str = "",
    brand: ServiceBrand | None = None,
    owner: User | None,
    volunteers: Sequence[User] = (),
    building: Building | None = None,
    due_on: date | None,
    subtasks: Sequence[tuple[str, int]] = (),
    now: datetime | None = None,
) -> GovernanceTask:
    """Break an effective resolution into a task; the first task moves its proposal to 落实中."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # What time made due first (lock order: rounds, then the resolution): a round past its end
    # closes, a notice period that ended takes effect.
    evaluation.settle_rounds_of(resolution_id=resolution.pk, now=now)
    votes.resolution_settle(resolution=resolution, now=now)
    resolution = Resolution.objects.select_for_update().select_related("hall").get(pk=resolution.pk)
    hall = resolution.hall
    _require(actor, "deliberation.manage_tasks", hall)
    if resolution.state != ResolutionState.EFFECTIVE:
        raise ValidationError(_("只有已生效的决议才能分解为治理任务。"))
    if _result_blocks_new_tasks(resolution):
        raise ValidationError(_("这项决议的实施结果已经公开，不能再添加任务。"))
    errors: dict[str, str] = {}
    title = _clean_text(
        title, field="title", label=_("任务名称"), required=True, limit=MAX_TITLE, errors=errors
    )
    description = _clean_text(
        description,
        field="description",
        label=_("任务说明"),
        required=False,
        limit=MAX_TEXT,
        errors=errors,
    )
    people = _check_people(hall, owner, volunteers, errors)
    _check_place(hall, brand, building, errors)
    _check_due(due_on, today, errors)
    steps = _clean_subtasks(subtasks, errors)
    if errors:
        raise ValidationError(errors)
    task = GovernanceTask.objects.create(
        hall=hall,
        resolution=resolution,
        title=title,
        description=description,
        description_html=str(render_markdown(description)),
        brand=brand,
        owner=owner,
        building=building,
        due_on=due_on,
        created_by=actor,
        created_at=now,
    )
    task.volunteers.set(people)
    SubTask.objects.bulk_create(
        SubTask(task=task, title=t, weight=w, order=i) for i, (t, w) in enumerate(steps)
    )
    TaskEvent.objects.create(
        task=task, actor=actor, from_state="", to_state=T.PENDING, note=_("创建任务"), at=now
    )
    proposal = resolution.proposal
    if proposal is not None and proposal.state == ProposalState.ON_NOTICE:
        proposal_transition(
            proposal=proposal,
            to=ProposalState.IMPLEMENTING,
            actor=actor,
            note=_("决议已分解为治理任务，开始落实"),
            check_permission=False,
        )
    _notify(
        task,
        [owner],
        _("您被指定为治理任务“%(title)s”的执行负责人，完成期限 %(due)s。")
        % {"title": title, "due": due_on.isoformat()},
        actor,
    )
    _notify(
        task,
        people,
        _("您被邀请作为志愿者参与治理任务“%(title)s”。") % {"title": title},
        actor,
    )
    return task


_UNSET = object()


@transaction.atomic
def task_update(
    *,
    actor: User,
    task: GovernanceTask,
    title: str | None = None,
    description: str | None = None,
    brand=_UNSET,
    building=_UNSET,
    owner: User | None = None,
    volunteers: Sequence[User] | None = None,
    due_on: date | None = None,
    now: datetime | None = None,
) -> GovernanceTask:
    """Change a task's details; arguments left out stay as they are.

    `brand`/`building` may be set to None (no brand / the whole compound). Moving the due date
    clears the reminders sent, so the new date gets its own due-soon and overdue notices.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    locked = _lock(task)
    hall = locked.hall
    _require(actor, "deliberation.edit_task", locked)
    if locked.state == T.CANCELLED:
        raise ValidationError(_("已取消的任务不能再修改。"))
    errors: dict[str, str] = {}
    fields: list[str] = []
    if title is not None:
        locked.title = _clean_text(
            title, field="title", label=_("任务名称"), required=True, limit=MAX_TITLE, errors=errors
        )
        fields.append("title")
    if description is not None:
        locked.description = _clean_text(
            description,
            field="description",
            label=_("任务说明"),
            required=False,
            limit=MAX_TEXT,
            errors=errors,
        )
        locked.description_html = str(render_markdown(locked.description))
        fields += ["description", "description_html"]
    new_owner = owner or locked.owner
    old_volunteers = list(locked.volunteers.all())
    people = _check_people(
        hall, new_owner, old_volunteers if volunteers is None else volunteers, errors
    )
    if brand is not _UNSET:
        _check_place(hall, brand, None, errors)
        locked.brand = brand
        fields.append("brand")
    if building is not _UNSET:
        _check_place(hall, None, building, errors)
        locked.building = building
        fields.append("building")
    due_moved = due_on is not None and due_on != locked.due_on
    if due_moved:
        _check_due(due_on, today, errors)
        locked.due_on = due_on
        locked.due_soon_sent_at = None
        locked.overdue_sent_at = None
        fields += ["due_on", "due_soon_sent_at", "overdue_sent_at"]
    if errors:
        raise ValidationError(errors)
    owner_changed = new_owner.pk != locked.owner_id
    if owner_changed:
        locked.owner = new_owner
        fields.append("owner")
    locked.save(update_fields=fields)
    added = [p for p in people if p.pk not in {v.pk for v in old_volunteers}]
    if volunteers is not None or owner_changed:
        locked.volunteers.set(people)
    if owner_changed:
        _notify(
            locked,
            [new_owner],
            _("您被指定为治理任务“%(title)s”的执行负责人。") % {"title": locked.title},
            actor,
        )
    if added:
        _notify(
            locked,
            added,
            _("您被邀请作为志愿者参与治理任务“%(title)s”。") % {"title": locked.title},
            actor,
        )
    if due_moved and not owner_changed:
        _notify(
            locked,
            [locked.owner],
            _("治理任务“%(title)s”的完成期限改为 %(due)s。")
            % {"title": locked.title, "due": locked.due_on.isoformat()},
            actor,
        )
    return locked


# --- the state machine


@transaction.atomic
def task_move(
    *, actor: User, task: GovernanceTask, action: str, note: str = "", now: datetime | None = None
) -> GovernanceTask:
    """Start, block, unblock, complete, cancel or reopen a task (workflow.task_transition)."""
    now = now or timezone.now()
    if action not in ACTIONS:
        raise ValidationError(_("未知的操作：%(a)s") % {"a": action})
    to, perm, needs_reason = ACTIONS[action]
    # The resolution's rounds before the task (deliberation.locks); one past its end closes first.
    evaluation.settle_rounds_of(resolution_id=task.resolution_id, now=now)
    locked = _lock(task)
    _require(actor, perm, locked)
    frm = locked.state
    # The names tell apart two moves into 进行中（start/unblock/reopen） and keep each to its door.
    expected_from = {"start": T.PENDING, "unblock": T.BLOCKED, "reopen": T.DONE}.get(action)
    if expected_from is not None and frm != expected_from:
        raise ValidationError(_("任务当前为“%(frm)s”，不能执行这个操作。") % {"frm": T(frm).label})
    note = (note or "").strip()
    if needs_reason and not note:
        raise ValidationError({"note": _("请填写原因。")})
    if action == "reopen":
        _reopen_checks(locked, now=now)
    task_transition(task=locked, to=to, actor=actor, note=note, now=now)
    if action == "reopen":
        _reopen_effects(locked, actor=actor, note=note, now=now)
    _notify_move(locked, action=action, actor=actor, note=note)
    if to in (T.DONE, T.CANCELLED):
        results.result_publish_if_complete(resolution=locked.resolution, actor=actor, now=now)
    for name in ("state", "state_reason", "started_at", "done_at"):
        setattr(task, name, getattr(locked, name))
    return locked


def _reopen_checks(task: GovernanceTask, *, now: datetime) -> None:
    latest = ResultPublication.objects.filter(resolution_id=task.resolution_id).order_by("-round")
    latest = latest.first()
    if latest is not None and latest.state == ResultState.ACCEPTED:
        raise ValidationError(_("这项决议的实施结果已经评议通过，不能重新打开任务。"))


def _reopen_effects(task: GovernanceTask, *, actor, note: str, now: datetime) -> None:
    """A reopened task takes the resolution back to 落实中：its open result round ends."""
    evaluation.rounds_end_early(
        resolution_id=task.resolution_id, actor=actor, task_id=task.pk, now=now
    )
    proposal = task.resolution.proposal
    if proposal is not None and proposal.state in (
        ProposalState.COMPLETED,
        ProposalState.EVALUATED,
    ):
        proposal_transition(
            proposal=proposal,
            to=ProposalState.IMPLEMENTING,
            actor=actor,
            note=_("治理任务“%(title)s”重新打开") % {"title": task.title}
            + (f":{note}" if note else ""),
            check_permission=False,
        )


def reopen_after_evaluation(*, result: ResultPublication, note: str, text: str, now) -> None:
    """Residents found a round unsatisfactory: its resolution's done tasks go back to 进行中.

    Registered for deliberation.results.hooks.round_reopened; the owners are told.
    """
    tasks = list(
        GovernanceTask.objects.filter(resolution_id=result.resolution_id, state=T.DONE)
        .select_related("owner")
        .order_by("pk")
    )
    for task in tasks:
        task_transition(task=task, to=T.IN_PROGRESS, actor=None, note=note, now=now)
    owners = {t.owner_id: t.owner for t in tasks}
    notify(
        recipients=owners.values(),
        kind=NotificationKind.TASK,
        text=_("您负责的任务已重新打开：") + text,
        url=evaluation.result_url(result),
    )


def _notify_move(task: GovernanceTask, *, action: str, actor, note: str) -> None:
    label = T(task.state).label
    text = _("治理任务“%(title)s”状态变为：%(state)s") % {"title": task.title, "state": label}
    if note:
        text += _("(%(note)s)") % {"note": note}
    if action in ("block", "complete"):
        _notify(task, [task.owner, *heads_of(task.hall)], text, actor)
    else:
        _notify(task, [task.owner, *task.volunteers.all()], text, actor)


def task_start(*, actor, task, now=None):
    return task_move(actor=actor, task=task, action="start", now=now)


def task_block(*, actor, task, reason: str, now=None):
    return task_move(actor=actor, task=task, action="block", note=reason, now=now)


def task_unblock(*, actor, task, note: str = "", now=None):
    return task_move(actor=actor, task=task, action="unblock", note=note, now=now)


def task_complete(*, actor, task, note: str = "", now=None):
    return task_move(actor=actor, task=task, action="complete", note=note, now=now)


def task_cancel(*, actor, task, reason: str, now=None):
    return task_move(actor=actor, task=task, action="cancel", note=reason, now=now)


def task_reopen(*, actor, task, note: str = "", now=None):
    return task_move(actor=actor, task=task, action="reopen", note=note, now=now)


# --- sub-tasks and progress


def _require_open(task: GovernanceTask) -> None:
    if not task.is_open:
        raise ValidationError(
            _("任务状态为“%(state)s”，不能再修改进度。") % {"state": T(task.state).label}
        )


@transaction.atomic
def subtask_add(*, actor: User, task: GovernanceTask, title: str, weight: int = 1) -> SubTask:
    """Add a weighted step to an open task."""
    locked = _lock(task)
    _require(actor, "deliberation.plan_task", locked)
    _require_open(locked)
    errors: dict[str, str] = {}
    steps = _clean_subtasks([(title, weight)], errors)
    if not errors and locked.subtasks.count() >= MAX_SUBTASKS:
        errors["subtasks"] = _("子任务最多 %(n)d 项。") % {"n": MAX_SUBTASKS}
    if errors:
        raise ValidationError(errors)
    order = (locked.subtasks.aggregate(m=Max("order"))["m"] or 0) + 1
    return SubTask.objects.create(task=locked, title=steps[0][0], weight=steps[0][1], order=order)


def _subtask(task: GovernanceTask, subtask: SubTask | int) -> SubTask:
    pk = subtask if isinstance(subtask, int) else subtask.pk
    try:
        return SubTask.objects.select_for_update().get(pk=pk, task=task)
    except SubTask.DoesNotExist:
        raise ValidationError(_("这个子任务不属于该任务。")) from None


@transaction.atomic
def subtask_toggle(
    *, actor: User, task: GovernanceTask, subtask: SubTask | int, done: bool | None = None,
    now: datetime | None = None,
) -> SubTask:  # fmt: skip
    """Tick (or untick) a step; `done` None flips it."""
    locked = _lock(task)
    _require(actor, "deliberation.tick_subtask", locked)
    _require_open(locked)
    step = _subtask(locked, subtask)
    step.done = (not step.done) if done is None else bool(done)
    step.done_at = (now or timezone.now()) if step.done else None
    step.save(update_fields=["done", "done_at"])
    return step


@transaction.atomic
def subtask_remove(*, actor: User, task: GovernanceTask, subtask: SubTask | int) -> None:
    """Remove a step of an open task."""
    locked = _lock(task)
    _require(actor, "deliberation.plan_task", locked)
    _require_open(locked)
    _subtask(locked, subtask).delete()


@transaction.atomic
def task_set_progress(*, actor: User, task: GovernanceTask, progress: int) -> GovernanceTask:
    """Set the progress by hand (only for a task without sub-tasks), 0–100."""
    locked = _lock(task)
    _require(actor, "deliberation.plan_task", locked)
    _require_open(locked)
    _check_manual_progress(locked, progress)
    locked.manual_progress = int(progress)
    locked.save(update_fields=["manual_progress"])
    task.manual_progress = locked.manual_progress
    return locked


def _check_manual_progress(task: GovernanceTask, progress) -> None:
    if task.subtasks.exists():
        raise ValidationError({"progress": _("这个任务有子任务，进度按子任务的完成情况自动计算。")})
    try:
        value = int(progress)
    except (TypeError, ValueError):
        value = -1
    if not 0 <= value <= 100 or str(progress).strip() != str(value):
        raise ValidationError({"progress": _("进度应为 0 到 100 之间的整数。")})


# --- progress reports


def task_report_progress(
    *,
    actor: User,
    task: GovernanceTask,
    body: str,
    images: Sequence = (),
    progress: int | None = None,
    now: datetime | None = None,
) -> ProgressReport:
    """Post a progress report (Markdown, up to 6 photos stripped of EXIF) on the task's timeline.

    `progress` (owner or head, tasks without sub-tasks) sets the manual figure first; the
    report keeps the task's progress at this moment.
    """
    if len(images) > MAX_REPORT_IMAGES:
        raise ValidationError({"images": _("最多上传 %(n)d 张图片。") % {"n": MAX_REPORT_IMAGES}})
    _require(actor, "deliberation.report_task_progress", task)
    # Photos are decoded and re-encoded before the transaction: inside it, SQLite's write lock
    # would be held for seconds and other people's writes would fail ("database is locked").
    cleaned = clean_images(images)
    return _task_report_insert(
        actor=actor, task=task, body=body, cleaned=cleaned, progress=progress, now=now
    )


@transaction.atomic
def _task_report_insert(
    *,
    actor: User,
    task: GovernanceTask,
    body: str,
    cleaned: list,
    progress: int | None,
    now: datetime | None,
) -> ProgressReport:
    now = now or timezone.now()
    locked = _lock(task)
    _require(actor, "deliberation.report_task_progress", locked)
    if locked.state == T.CANCELLED:
        raise ValidationError(_("任务已取消，不能再报告进展。"))
    errors: dict[str, str] = {}
    body = _clean_text(
        body, field="body", label=_("进展情况"), required=True, limit=MAX_TEXT, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    if progress is not None and progress != "":
        _require(actor, "deliberation.plan_task", locked)
        _require_open(locked)
        _check_manual_progress(locked, progress)
        locked.manual_progress = int(progress)
        locked.save(update_fields=["manual_progress"])
    report = ProgressReport.objects.create(
        task=locked,
        author=actor,
        body=body,
        body_html=str(render_markdown(body)),
        progress=task_progress(locked),
        created_at=now,
    )
    for order, (content, width, height) in enumerate(cleaned):
        ProgressReportImage.objects.create(
            report=report, image=content, width=width, height=height, order=order, uploaded_at=now
        )
    recipients = [locked.owner, *locked.volunteers.all(), *heads_of(locked.hall)]
    _notify(
        locked,
        recipients,
        _("治理任务“%(title)s”有新的进展报告（进度 %(p)d%%）。")
        % {"title": locked.title, "p": report.progress},
        actor,
    )
    return report


# --- 督办 reminders


def _open_states() -> list[str]:
    return [T.PENDING, T.IN_PROGRESS, T.BLOCKED]


def reminders_due(*, today: date) -> tuple[list[GovernanceTask], list[GovernanceTask]]:
    """Open tasks owed a due-soon notice and those owed an overdue notice (each sent once)."""
    candidates = (
        GovernanceTask.objects.filter(state__in=_open_states())
        .filter(due_soon_sent_at__isnull=True, due_on__gte=today)
        .select_related("hall", "owner")
        .order_by("due_on", "pk")
    )
    due_soon = [t for t in candidates if (t.due_on - today).days <= t.hall.task_due_soon_days]
    overdue = list(
        GovernanceTask.objects.filter(
            state__in=_open_states(), overdue_sent_at__isnull=True, due_on__lt=today
        )
        .select_related("hall", "owner")
        .order_by("due_on", "pk")
    )
    return due_soon, overdue


def task_remind(*, task: GovernanceTask, kind: str, today: date, now: datetime) -> bool:
    """Send one reminder ("due_soon" or "overdue") and mark it sent, in one transaction.

    Returns False when another run already sent it or the task is no longer open.
    """
    field = {"due_soon": "due_soon_sent_at", "overdue": "overdue_sent_at"}[kind]
    with transaction.atomic():
        locked = _lock(task)
        if getattr(locked, field) is not None or not locked.is_open:
            return False
        days = (locked.due_on - today).days
        if kind == "due_soon":
            if not 0 <= days <= locked.hall.task_due_soon_days:
                return False
            if days == 0:
                text = _("督办提醒：治理任务“%(title)s”今天（%(due)s）到期。") % {
                    "title": locked.title,
                    "due": locked.due_on.isoformat(),
                }
            else:
                text = _("督办提醒：治理任务“%(title)s”将于 %(due)s 到期（还有 %(n)d 天）。") % {
                    "title": locked.title,
                    "due": locked.due_on.isoformat(),
                    "n": days,
                }
            recipients = [locked.owner]
        else:
            if days >= 0:
                return False
            text = _("督办：治理任务“%(title)s”已逾期 %(n)d 天（期限 %(due)s），请尽快办理。") % {
                "title": locked.title,
                "due": locked.due_on.isoformat(),
                "n": -days,
            }
            recipients = [locked.owner, *heads_of(locked.hall)]
        _notify(locked, recipients, text, key=f"task:{locked.pk}:{kind}:{locked.due_on}")
        setattr(locked, field, now)
        locked.save(update_fields=[field])
    return True


def reminders_send(
    *, today: date | None = None, now: datetime | None = None, dry_run: bool = False
) -> dict[str, list[GovernanceTask]]:
    """Send every due-soon and overdue notice owed today; return the tasks concerned.

    With `dry_run` nothing is sent or marked: the lists say what would be.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    due_soon, overdue = reminders_due(today=today)
    if dry_run:
        return {"due_soon": due_soon, "overdue": overdue}
    sent_soon = [t for t in due_soon if task_remind(task=t, kind="due_soon", today=today, now=now)]
    sent_over = [t for t in overdue if task_remind(task=t, kind="overdue", today=today, now=now)]
    return {"due_soon": sent_soon, "overdue": sent_over}
