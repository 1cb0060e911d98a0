"""The proposal state machine: every allowed and forbidden transition, by every role."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from forum.models import Proposal, ProposalEvent, ProposalState
from forum.workflow import TRANSITIONS, allowed_targets, proposal_transition
from tests.forum.factories import proposal

pytestmark = pytest.mark.django_db

S = ProposalState
WHO = ["outsider", "applicant", "resident", "member", "executive", "volunteer",
       "moderator", "recorder", "head", "admin", "author"]  # fmt: skip
# who passes the permission a transition names
BY_PERMISSION = {
    "forum.publish_proposal": {"author"},
    "forum.review_proposal": {"executive", "head", "admin"},
}


def _at(p: Proposal, state: str) -> Proposal:
    # Test setup only: put the row in a state directly, to try one move from there.
    Proposal.objects.filter(pk=p.pk).update(state=state)
    p.refresh_from_db()
    return p


@pytest.mark.parametrize("who", WHO)
def test_every_pair_of_states_by_every_role(hall, cast, who):
    actor = cast[who]
    p = proposal(hall, cast["author"], state=S.DRAFT)
    for frm in S.values:
        for to in S.values:
            _at(p, frm)
            events_before = ProposalEvent.objects.filter(proposal=p).count()
            rule = TRANSITIONS.get((frm, to))
            allowed = rule is not None and (
                rule.permission is None or who in BY_PERMISSION[rule.permission]
            )
            if rule is None:
                with pytest.raises(ValidationError) as exc:
                    proposal_transition(proposal=p, to=to, actor=actor, outcome="passed")
                assert str(S(frm).label) in exc.value.messages[0]
            elif not allowed:
                with pytest.raises(PermissionDenied):
                    proposal_transition(proposal=p, to=to, actor=actor, outcome="passed")
            else:
                event = proposal_transition(
                    proposal=p, to=to, actor=actor, note="n", outcome="passed"
                )
                assert (event.from_state, event.to_state, event.actor) == (frm, to, actor)
                assert Proposal.objects.get(pk=p.pk).state == to
                continue
            # refused: nothing changed
            assert Proposal.objects.get(pk=p.pk).state == frm
            assert ProposalEvent.objects.filter(proposal=p).count() == events_before


def test_transitions_without_a_permission_are_for_calling_services(hall, cast):
    p = proposal(hall, cast["author"], state=S.ACCEPTED)
    event = proposal_transition(proposal=p, to=S.ON_AGENDA, actor=None, check_permission=False)
    assert event.actor is None and p.state == S.ON_AGENDA
    assert S.DELIBERATING in allowed_targets(S.ON_AGENDA)


def test_a_vote_needs_an_outcome(hall, cast):
    p = proposal(hall, cast["author"], state=S.DELIBERATING)
    with pytest.raises(ValidationError, match="表决结果"):
        proposal_transition(proposal=p, to=S.VOTED, check_permission=False)
    assert Proposal.objects.get(pk=p.pk).state == S.DELIBERATING


def test_the_full_life_is_one_history(hall, cast):
    p = proposal(hall, cast["author"], state=S.EVALUATED)
    proposal_transition(proposal=p, to=S.ARCHIVED, check_permission=False)
    steps = list(p.events.values_list("to_state", flat=True))
    assert steps[0] == S.DRAFT and steps[-1] == S.ARCHIVED
    assert len(steps) >= 10
