"""Pages of governance tasks: the hall's list （督办），a task with its timeline, forms.

Every write goes through deliberation.tasks.services; the pages only show or hide buttons.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from community.models import Hall
from deliberation.models import GovernanceTask, Resolution, TaskState
from deliberation.models.votes import ResolutionState
from deliberation.tasks import selectors, services
from deliberation.tasks.forms import ProgressForm, ReasonForm, ReportForm, SubTaskForm, TaskForm
from deliberation.tasks.workflow import allowed_targets


def _hall(slug: str) -> Hall:
    return get_object_or_404(Hall.objects.select_related("compound__community"), slug=slug)


def _task(pk: int) -> GovernanceTask:
    try:
        return selectors.task_detail(pk=pk)
    except GovernanceTask.DoesNotExist:
        raise Http404(_("没有这个任务。")) from None


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def _flash_errors(request, exc: ValidationError) -> None:
    messages.error(request, ";".join(exc.messages))


def _flag(value: str | None) -> bool | None:
    return {"1": True, "0": False}.get(value or "")


def task_list(request, slug: str):
    hall = _hall(slug)
    state = request.GET.get("state") or None
    if state not in TaskState.values:
        state = None
    overdue = _flag(request.GET.get("overdue"))
    try:
        brand = int(request.GET.get("brand") or 0) or None
    except ValueError:
        brand = None
    today = timezone.localdate()
    page = selectors.tasks_of_hall(
        user=request.user,
        hall=hall,
        state=state,
        overdue=overdue,
        brand=brand,
        page=request.GET.get("page"),
        today=today,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deliberation/tasks/task_list.html",
        {
            "hall": hall,
            "page": page,
            "tasks": page.object_list,
            "states": TaskState.choices,
            "brands": [b for b in hall.brands.all() if b.is_active],
            "state": state or "",
            "overdue": request.GET.get("overdue", ""),
            "brand": brand,
            "filtered": bool(state or overdue is not None or brand),
            "query": query.urlencode(),
            "overdue_count": selectors.overdue_count(hall=hall, today=today),
            "can_manage": request.user.has_perm("deliberation.manage_tasks", hall),
        },
    )


@login_required
def task_new(request, pk: int):
    resolution = get_object_or_404(Resolution.objects.select_related("hall", "proposal"), pk=pk)
    hall = resolution.hall
    if not request.user.has_perm("deliberation.manage_tasks", hall):
        raise PermissionDenied(_("只有微家负责人或妇联管理员可以安排治理任务。"))
    if resolution.state != ResolutionState.EFFECTIVE:
        messages.error(request, _("只有已生效的决议才能分解为治理任务。"))
        return redirect("resolution", pk=resolution.pk)
    form = TaskForm(request.POST or None, hall=hall)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            task = services.task_create(
                actor=request.user,
                resolution=resolution,
                title=d["title"],
                description=d["description"],
                brand=d["brand"],
                owner=d["owner"],
                volunteers=list(d["volunteers"]),
                building=d["building"],
                due_on=d["due_on"],
                subtasks=d["subtasks"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("任务已创建，已通知执行负责人和志愿者。"))
            return redirect("task", pk=task.pk)
    return render(
        request,
        "deliberation/tasks/task_form.html",
        {"hall": hall, "resolution": resolution, "form": form, "task": None},
    )


def _timeline_context(request, task: GovernanceTask) -> dict:
    user = request.user
    can_move = user.has_perm("deliberation.move_task", task)
    can_cancel = user.has_perm("deliberation.cancel_task", task)
    can_reopen = user.has_perm("deliberation.reopen_task", task)
    targets = set(allowed_targets(task.state))
    actions = []
    for name, (to, _perm, needs_reason) in services.ACTIONS.items():
        allowed = {"cancel": can_cancel, "reopen": can_reopen}.get(name, can_move)
        expected = {"start": "pending", "unblock": "blocked", "reopen": "done"}.get(name)
        if allowed and to in targets and (expected is None or expected == task.state):
            actions.append({"name": name, "label": ACTION_LABELS[name], "reason": needs_reason})
    subtasks = list(task.subtasks.all())
    can_plan = user.has_perm("deliberation.plan_task", task)
    result = selectors.latest_result(resolution_id=task.resolution_id)
    return {
        "task": task,
        "hall": task.hall,
        "result": result,
        "result_url": reverse("result", args=[result.pk]) if result else "",
        "resolution": task.resolution,
        "volunteers": list(task.volunteers.all()),
        "subtasks": subtasks,
        "timeline": selectors.task_timeline(task=task),
        "actions": actions,
        "can_edit": user.has_perm("deliberation.edit_task", task) and task.state != "cancelled",
        "can_plan": can_plan and task.is_open,
        "can_tick": user.has_perm("deliberation.tick_subtask", task) and task.is_open,
        "can_report": user.has_perm("deliberation.report_task_progress", task)
        and task.state != "cancelled",
        "reason_form": ReasonForm(),
        "subtask_form": SubTaskForm(),
        "progress_form": ProgressForm(initial={"progress": task.manual_progress}),
    }


ACTION_LABELS = {
    "start": gettext_lazy("开始落实"),
    "block": gettext_lazy("标记受阻"),
    "unblock": gettext_lazy("恢复进行"),
    "complete": gettext_lazy("标记完成（办结）"),
    "cancel": gettext_lazy("取消任务"),
    "reopen": gettext_lazy("重新打开"),
}


def task_page(request, pk: int):
    task = _task(pk)
    ctx = _timeline_context(request, task)
    return render(request, "deliberation/tasks/task.html", ctx)


@login_required
def task_edit(request, pk: int):
    task = _task(pk)
    if not request.user.has_perm("deliberation.edit_task", task):
        raise PermissionDenied(_("只有微家负责人或妇联管理员可以修改任务。"))
    initial = {
        "title": task.title,
        "description": task.description,
        "brand": task.brand_id,
        "owner": task.owner_id,
        "volunteers": [v.pk for v in task.volunteers.all()],
        "building": task.building_id,
        "due_on": task.due_on,
    }
    form = TaskForm(request.POST or None, hall=task.hall, initial=initial, with_subtasks=False)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.task_update(
                actor=request.user,
                task=task,
                title=d["title"],
                description=d["description"],
                brand=d["brand"],
                owner=d["owner"],
                volunteers=list(d["volunteers"]),
                building=d["building"],
                due_on=d["due_on"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("任务已更新。"))
            return redirect("task", pk=task.pk)
    return render(
        request,
        "deliberation/tasks/task_form.html",
        {"hall": task.hall, "resolution": task.resolution, "form": form, "task": task},
    )


@login_required
@require_POST
def task_action(request, pk: int, action: str):
    task = _task(pk)
    if action not in services.ACTIONS:
        raise Http404(_("没有这个操作。"))
    form = ReasonForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.task_move(actor=request.user, task=task, action=action, note=note)
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("任务状态已改为：%(s)s") % {"s": TaskState(task.state).label})
    return redirect("task", pk=task.pk)


@login_required
def task_report(request, pk: int):
    task = _task(pk)
    if not request.user.has_perm("deliberation.report_task_progress", task):
        raise PermissionDenied(_("只有任务的执行负责人、志愿者或微家负责人可以报告进展。"))
    with_progress = (
        request.user.has_perm("deliberation.plan_task", task)
        and task.is_open
        and not task.subtasks.all()
    )
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        with_progress=with_progress,
        initial={"progress": task.progress},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.task_report_progress(
                actor=request.user,
                task=task,
                body=d["body"],
                images=d["images"],
                progress=d.get("progress"),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("进展报告已发布。"))
            return redirect("task", pk=task.pk)
    return render(
        request,
        "deliberation/tasks/task_report.html",
        {"task": task, "hall": task.hall, "form": form},
    )


@login_required
@require_POST
def subtask_add(request, pk: int):
    task = _task(pk)
    form = SubTaskForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写子任务名称，权重为 1 到 100 的整数。"))
        return redirect("task", pk=task.pk)
    try:
        step = services.subtask_add(
            actor=request.user,
            task=task,
            title=form.cleaned_data["title"],
            weight=form.cleaned_data["weight"],
        )
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("已添加子任务「%(t)s」。") % {"t": step.title})
    return redirect("task", pk=task.pk)


@login_required
@require_POST
def subtask_toggle(request, pk: int, sid: int):
    task = _task(pk)
    try:
        step = services.subtask_toggle(actor=request.user, task=task, subtask=sid)
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        done = (
            _("子任务「%(t)s」已标记为完成。") if step.done else _("子任务「%(t)s」已改为未完成。")
        )
        messages.success(request, done % {"t": step.title})
    return redirect(reverse("task", args=[task.pk]) + "#subtasks")


@login_required
@require_POST
def subtask_remove(request, pk: int, sid: int):
    task = _task(pk)
    try:
        services.subtask_remove(actor=request.user, task=task, subtask=sid)
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("子任务已删除。"))
    return redirect(reverse("task", args=[task.pk]) + "#subtasks")


@login_required
@require_POST
def task_progress_set(request, pk: int):
    task = _task(pk)
    try:
        task = services.task_set_progress(
            actor=request.user, task=task, progress=request.POST.get("progress", "")
        )
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("进度已更新为 %(p)s%%。") % {"p": task.manual_progress})
    return redirect("task", pk=task.pk)
