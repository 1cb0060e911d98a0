"""Helpers for result and evaluation tests: a resolution whose tasks are done, its result published.

Tasks are created directly and moved with `task_transition` (the task services live elsewhere);
publication goes through `result_publish_if_complete`, as the task services call it.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from community.roles import Role
from deliberation.models import GovernanceTask, ResultPublication, TaskState
from deliberation.results.services import result_publish_if_complete
from deliberation.tasks.workflow import task_transition
from forum.models import ProposalState
from forum.workflow import proposal_transition
from tests.community.factories import BuildingFactory, member
from tests.deliberation.tasks.factories import effective_resolution


def building(hall, name: str | None = None):
    kwargs = {"name": name} if name else {}
    return BuildingFactory(compound=hall.compound, **kwargs)


def resident(hall, place=None, *roles):
    """An active member of `hall` registered as living in building `place`."""
    return member(hall, *roles, building=place)


def published_result(
    hall, *, places=(None,), head=None, owner=None, now=None, title="修复小区喷泉"
) -> ResultPublication:
    """A resolution with one done task per place (None = whole compound), its result published."""
    now = now or timezone.now()
    head = head or member(hall, Role.HEAD)
    owner = owner or member(hall, Role.VOLUNTEER)
    res = effective_resolution(hall, head, title=title, now=now - timedelta(days=20))
    proposal_transition(proposal=res.proposal, to=ProposalState.IMPLEMENTING, actor=head)
    for i, place in enumerate(places):
        task = GovernanceTask.objects.create(
            hall=hall,
            resolution=res,
            title=f"任务{i + 1}",
            owner=owner,
            building=place,
            due_on=date(2099, 1, 1),
            created_by=head,
        )
        task_transition(task=task, to=TaskState.IN_PROGRESS, actor=owner, now=now)
        task_transition(task=task, to=TaskState.DONE, actor=owner, now=now)
    result = result_publish_if_complete(resolution=res, now=now)
    assert result is not None
    return result
