"""Small includes that put governance tasks on other pages (hall home, notice board, resolution).

They let those pages show tasks without their views knowing about tasks: `{% load task_tags %}`
then `{% overdue_tasks_box hall %}` or `{% resolution_tasks res %}`.
"""

from django import template
from django.utils import timezone

from deliberation.models import TaskState
from deliberation.models.votes import ResolutionState
from deliberation.tasks import selectors
from deliberation.tasks.workflow import task_progress as _task_progress

register = template.Library()


@register.inclusion_tag("deliberation/tasks/task_overdue_box.html")
def overdue_tasks_box(hall, limit: int = 5):
    """督办：the hall's overdue tasks (the first few) with a link to the filtered list."""
    today = timezone.localdate()
    count = selectors.overdue_count(hall=hall, today=today)
    tasks = selectors.overdue_tasks(hall=hall, today=today, limit=limit) if count else []
    return {"hall": hall, "tasks": tasks, "count": count}


@register.inclusion_tag("deliberation/tasks/task_resolution_section.html", takes_context=True)
def resolution_tasks(context, resolution):
    """The "分解为治理任务" section of a resolution page: its tasks, and the button for heads."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "res": resolution,
        "tasks": selectors.tasks_of_resolution(resolution=resolution),
        "can_add": resolution.state == ResolutionState.EFFECTIVE
        and user is not None
        and user.has_perm("deliberation.manage_tasks", resolution.hall),
        "is_effective": resolution.state == ResolutionState.EFFECTIVE,
    }


@register.filter
def task_progress(task) -> int:
    """A task's progress in percent (for pages of parts below tasks, e.g. a published result)."""
    return _task_progress(task)


@register.filter
def task_state(value: str) -> str:
    """The Chinese label of a task state value ("" for none)."""
    return TaskState(value).label if value in TaskState.values else ""
