"""The governance task state machine in one table; every move writes a `TaskEvent`.

Services move tasks only through `task_transition`. Permission is the calling service's
job (who may start, block or cancel a task differs by use case); this module checks that
the move is allowed, that blocked and cancelled carry a reason, and records the history.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deliberation.models import GovernanceTask, TaskEvent, TaskState

T = TaskState

# (from, to) → the name of the move.
TRANSITIONS: dict[tuple[str, str], str] = {
    (T.PENDING, T.IN_PROGRESS): "start",
    (T.PENDING, T.BLOCKED): "block",
    (T.PENDING, T.CANCELLED): "cancel",
    (T.IN_PROGRESS, T.BLOCKED): "block",
    (T.IN_PROGRESS, T.DONE): "complete",
    (T.IN_PROGRESS, T.CANCELLED): "cancel",
    (T.BLOCKED, T.IN_PROGRESS): "unblock",
    (T.BLOCKED, T.CANCELLED): "cancel",
    # Residents found the result unsatisfactory （评议不满意），or the head reopens it.
    (T.DONE, T.IN_PROGRESS): "reopen",
}

# A reason is required to enter these states (shown on the task and in the history).
NEEDS_REASON = frozenset({T.BLOCKED, T.CANCELLED})


def allowed_targets(state: str) -> list[str]:
    """States a task in `state` may move to."""
    return [to for (frm, to) in TRANSITIONS if frm == state]


@transaction.atomic
def task_transition(
    *, task: GovernanceTask, to: str, actor=None, note: str = "", now=None
) -> TaskEvent:
    """Move `task` to state `to` (locking its row) and record who, when, from, to and why."""
    now = now or timezone.now()
    note = (note or "").strip()
    locked = GovernanceTask.objects.select_for_update().get(pk=task.pk)
    frm = locked.state
    if (frm, to) not in TRANSITIONS:
        raise ValidationError(
            _("任务当前为“%(frm)s”，不能改为“%(to)s”。")
            % {"frm": T(frm).label, "to": T(to).label if to in T.values else to}
        )
    if to in NEEDS_REASON and not note:
        raise ValidationError(_("请填写原因。"))
    if len(note) > 300:
        raise ValidationError(_("说明不能超过300字。"))
    fields = ["state", "state_reason"]
    locked.state = to
    locked.state_reason = note if to in NEEDS_REASON else ""
    if to == T.IN_PROGRESS and locked.started_at is None:
        locked.started_at = now
        fields.append("started_at")
    if to == T.DONE:
        locked.done_at = now
        fields.append("done_at")
    elif frm == T.DONE:
        locked.done_at = None
        fields.append("done_at")
    locked.save(update_fields=fields)
    for name in fields:
        setattr(task, name, getattr(locked, name))
    return TaskEvent.objects.create(
        task=locked, actor=actor, from_state=frm, to_state=to, note=note, at=now
    )


def task_progress(task: GovernanceTask) -> int:
    """Progress in percent: done weight over total weight of sub-tasks, else the manual figure.

    Uses `task.subtasks.all()`, so a prefetched list costs no query. A done task is 100.
    """
    if task.state == T.DONE:
        return 100
    subtasks = list(task.subtasks.all())
    if not subtasks:
        return task.manual_progress
    total = sum(s.weight for s in subtasks)
    done = sum(s.weight for s in subtasks if s.done)
    return (done * 100) // total
