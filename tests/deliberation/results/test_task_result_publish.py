"""The result is published once, when the last open task of a resolution is done."""

from datetime import date

import pytest

from community.roles import Role
from deliberation.ledger import services as ledger
from deliberation.models import GovernanceTask, LedgerEntry, ResultPublication, TaskState
from deliberation.results.services import result_publish_if_complete
from deliberation.tasks.workflow import task_transition
from forum.models import ProposalState
from forum.workflow import proposal_transition
from tests.community.factories import HallFactory, member
from tests.deliberation.tasks.factories import effective_resolution

pytestmark = pytest.mark.django_db


def test_published_only_when_every_task_is_done_or_cancelled():
    hall = HallFactory()
    head = member(hall, Role.HEAD)
    res = effective_resolution(hall, head)
    proposal_transition(proposal=res.proposal, to=ProposalState.IMPLEMENTING, actor=head)
    owner = member(hall, Role.VOLUNTEER)
    a, b = (
        GovernanceTask.objects.create(
            hall=hall,
            resolution=res,
            title=t,
            owner=owner,
            due_on=date(2026, 12, 1),
            created_by=head,
        )
        for t in ("清洗喷泉", "更换水泵")
    )
    for task in (a, b):
        task_transition(task=task, to=TaskState.IN_PROGRESS, actor=owner)
    task_transition(task=a, to=TaskState.DONE, actor=owner)
    assert result_publish_if_complete(resolution=res) is None
    task_transition(task=b, to=TaskState.CANCELLED, actor=head, note="并入物业维修")
    result = result_publish_if_complete(resolution=res)
    assert result is not None and result.round == 1
    assert result_publish_if_complete(resolution=res) is None  # one open round only
    assert ResultPublication.objects.count() == 1
    res.proposal.refresh_from_db()
    assert res.proposal.state == ProposalState.COMPLETED
    assert "清洗喷泉" in result.summary and "更换水泵" not in result.summary
    assert LedgerEntry.objects.filter(hall=hall, kind=ledger.RESULT_PUBLISHED).count() == 1
    assert ledger.ledger_verify(hall).ok


def test_an_effective_resolution_in_a_hall_with_many_members():
    from tests.deliberation.votes.factories import bulk_members

    hall = HallFactory()
    bulk_members(hall, 30)
    assert effective_resolution(hall).state == "effective"
