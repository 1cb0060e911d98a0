import pytest

from demo.community import seed_organisation
from demo.forum import seed
from forum.models import Comment, Proposal, ProposalState, Second

pytestmark = pytest.mark.django_db


def test_demo_proposals_are_seeded_once_in_various_states():
    hall, users = seed_organisation()
    seed(hall=hall, users=users)
    counts = (Proposal.objects.count(), Comment.objects.count(), Second.objects.count())
    seed(hall=hall, users=users)
    assert (Proposal.objects.count(), Comment.objects.count(), Second.objects.count()) == counts
    states = dict(Proposal.objects.values_list("title", "state"))
    assert states["修复中心花园喷泉"] == ProposalState.ACCEPTED
    assert {ProposalState.ACCEPTED, ProposalState.AWAITING_REVIEW, ProposalState.COLLECTING,
            ProposalState.DRAFT} <= set(states.values())  # fmt: skip
    fountain = Proposal.objects.get(title="修复中心花园喷泉")
    assert fountain.brand.name == "花满名苑" and fountain.second_count == 3
    assert list(fountain.events.values_list("to_state", flat=True)) == [
        "draft", "collecting", "awaiting_review", "accepted"
    ]  # fmt: skip
