"""Each role against each task service: the service refuses, and refusing changes nothing."""

import pytest
from django.core.exceptions import PermissionDenied

from community.permissions import forget_roles
from deliberation.models import GovernanceTask, ProgressReport, SubTask, TaskEvent, TaskState
from deliberation.tasks import services
from tests.deliberation.tasks.factories import task_world

pytestmark = pytest.mark.django_db
ROLES = ["resident", "member", "volunteer", "owner", "head", "admin", "outsider"]


def _create(w, who, task):
    w_actor = getattr(w, who)
    return services.task_create(
        actor=w_actor,
        resolution=w.resolution,
        title="新任务",
        owner=w.owner,
        due_on=task.due_on,
    )


def _start(w, who, task):
    return services.task_start(actor=getattr(w, who), task=task)


def _block(w, who, task):
    return services.task_block(actor=getattr(w, who), task=task, reason="等材料")


def _complete(w, who, task):
    services.task_start(actor=w.head, task=task)
    return services.task_complete(actor=getattr(w, who), task=task)


def _cancel(w, who, task):
    return services.task_cancel(actor=getattr(w, who), task=task, reason="不做了")


def _reopen(w, who, task):
    w.task(title="另一个任务")  # keeps the resolution open, so no result is published
    services.task_start(actor=w.head, task=task)
    services.task_complete(actor=w.head, task=task)
    return services.task_reopen(actor=getattr(w, who), task=task, note="返工")


def _update(w, who, task):
    return services.task_update(actor=getattr(w, who), task=task, title="改名")


def _report(w, who, task):
    return services.task_report_progress(actor=getattr(w, who), task=task, body="进展顺利")


def _tick(w, who, task):
    return services.subtask_toggle(actor=getattr(w, who), task=task, subtask=task.subtasks.get())


def _add_step(w, who, task):
    return services.subtask_add(actor=getattr(w, who), task=task, title="新步骤", weight=1)


def _remove_step(w, who, task):
    return services.subtask_remove(actor=getattr(w, who), task=task, subtask=task.subtasks.get())


def _progress(w, who, task):
    task.subtasks.all().delete()
    return services.task_set_progress(actor=getattr(w, who), task=task, progress=30)


# service → the roles allowed (the volunteer is the task's volunteer; "member" is not on it)
MATRIX = {
    _create: {"head", "admin"},
    _update: {"head", "admin"},
    _start: {"owner", "head", "admin"},
    _block: {"owner", "head", "admin"},
    _complete: {"owner", "head", "admin"},
    _cancel: {"head", "admin"},
    _reopen: {"head", "admin"},
    _report: {"owner", "volunteer", "head", "admin"},
    _tick: {"owner", "volunteer", "head", "admin"},
    _add_step: {"owner", "head", "admin"},
    _remove_step: {"owner", "head", "admin"},
    _progress: {"owner", "head", "admin"},
}


def counts():
    return (
        GovernanceTask.objects.count(),
        list(GovernanceTask.objects.values_list("state", "title", "manual_progress")),
        TaskEvent.objects.count(),
        list(SubTask.objects.values_list("pk", "done")),
        ProgressReport.objects.count(),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("service", list(MATRIX), ids=lambda f: f.__name__.strip("_"))
def test_role_against_service(service, role):
    w = task_world()
    task = w.task(subtasks=[("准备", 1)])
    if role in MATRIX[service]:
        service(w, role, task)
        return
    before = counts()
    with pytest.raises(PermissionDenied) as exc:
        service(w, role, task)
    assert str(exc.value)  # a clear message
    if service in (_complete, _reopen, _progress):
        return  # their set-up (by the head) changed things before the refusal
    assert counts() == before


def test_an_owner_who_left_the_hall_loses_the_task(db):
    w = task_world()
    task = w.task()
    w.owner.memberships.update(status="left")
    forget_roles(w.owner)  # as on the next request
    with pytest.raises(PermissionDenied):
        services.task_start(actor=w.owner, task=task)
    with pytest.raises(PermissionDenied):
        services.task_report_progress(actor=w.owner, task=task, body="还在做")
    assert GovernanceTask.objects.get().state == TaskState.PENDING


def test_a_head_of_another_hall_is_an_outsider(db):
    w = task_world()
    other = task_world()
    task = w.task()
    with pytest.raises(PermissionDenied):
        services.task_cancel(actor=other.head, task=task, reason="越权")
    with pytest.raises(PermissionDenied):
        services.task_create(
            actor=other.head,
            resolution=w.resolution,
            title="越权",
            owner=w.owner,
            due_on=task.due_on,
        )
