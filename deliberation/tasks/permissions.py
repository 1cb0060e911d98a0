"""Named permissions of governance tasks (see community.permissions for the predicates).

The object is a GovernanceTask (which has `.hall`) or, for creating and listing, a Hall.

Who does what (docs/tasks.md):
- a head （微家负责人） or a federation admin creates, edits, cancels and reopens tasks;
- the task's owner （执行负责人） moves it (start, block, unblock, complete), plans its
  sub-tasks and sets its progress; a head or an admin can stand in;
- the owner and the task's volunteers post progress reports and tick sub-tasks;
- everyone may read tasks: implementation is public （居务公开），like the notice board.

Owner and volunteers act only while they are still active residents of the hall.
"""

import rules

from community.permissions import is_admin, is_head, is_resident


@rules.predicate
def is_task_owner(user, task) -> bool:
    return getattr(task, "owner_id", None) == user.pk


@rules.predicate
def is_task_volunteer(user, task) -> bool:
    if getattr(task, "pk", None) is None or not hasattr(task, "volunteers"):
        return False
    cache = getattr(task, "_prefetched_objects_cache", {})
    if "volunteers" in cache:
        return any(v.pk == user.pk for v in cache["volunteers"])
    return task.volunteers.filter(pk=user.pk).exists()


manager = is_head | is_admin
owner = is_task_owner & is_resident
doer = (is_task_owner | is_task_volunteer) & is_resident

PERMISSIONS = {
    "deliberation.view_tasks": rules.always_allow,
    # The object is the hall: create tasks for its resolutions, edit any task of it.
    "deliberation.manage_tasks": manager,
    "deliberation.edit_task": manager,
    "deliberation.move_task": owner | manager,
    "deliberation.cancel_task": manager,
    "deliberation.reopen_task": manager,
    "deliberation.plan_task": owner | manager,  # sub-tasks added/removed, manual progress
    "deliberation.tick_subtask": doer | manager,
    "deliberation.report_task_progress": doer | manager,
}

for _name, _pred in PERMISSIONS.items():
    rules.add_perm(_name, _pred)
