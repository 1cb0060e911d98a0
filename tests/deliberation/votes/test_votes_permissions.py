"""Every role against every permission of votes, resolutions and objections."""

import pytest

from community.roles import Role
from deliberation.votes import services as sv
from deliberation.votes.permissions import PERMISSIONS
from tests.deliberation.votes.factories import make_ballot

pytestmark = pytest.mark.django_db

WHO = ["outsider", "applicant", "resident", "member", "executive", "volunteer",
       "moderator", "recorder", "head", "admin"]  # fmt: skip
MEMBERS = set(WHO) - {"outsider", "applicant"}
# The admin is no member of the hall, so not on the electorate snapshot: admins run votes,
# they do not vote in a hall they do not belong to.
ELECTORS = MEMBERS - {"admin"}

EXPECTED = {
    "deliberation.view_ballot": MEMBERS,
    "deliberation.manage_ballot": {"moderator", "head", "admin"},
    "deliberation.cast_vote": ELECTORS,
    "deliberation.enter_hand_count": {"moderator", "head", "admin"},
    "deliberation.record_proxy": {"moderator", "head", "admin"},
    "deliberation.publish_resolution": {"head", "admin"},
    "deliberation.lodge_objection": MEMBERS,
    "deliberation.answer_objection": {"head", "admin"},
    "deliberation.view_notice_board": set(WHO),
}


def test_every_permission_is_in_the_matrix():
    assert set(EXPECTED) == set(PERMISSIONS)


@pytest.fixture
def ballot(hall, people):
    return make_ballot(hall, people[Role.MODERATOR])


@pytest.mark.parametrize("perm", sorted(EXPECTED))
def test_role_matrix(perm, hall, people, ballot):
    granted = {who for who in WHO if people[who].has_perm(perm, ballot)}
    assert granted == EXPECTED[perm]


def test_a_neighbour_no_head_approved_may_neither_view_nor_vote(hall, people):
    """The building an account chose for itself puts it on no electorate (issue 11 #2)."""
    from django.core.exceptions import PermissionDenied

    from community.models import Building
    from deliberation.models.votes import ElectorateScope
    from tests.community.factories import UserFactory

    b = Building.objects.create(compound=hall.compound, name="3栋")
    neighbour = UserFactory(building=b)
    ballot = make_ballot(hall, people[Role.MODERATOR], electorate_scope=ElectorateScope.COMPOUND)
    assert not neighbour.has_perm("deliberation.view_ballot", ballot)
    assert not neighbour.has_perm("deliberation.cast_vote", ballot)
    with pytest.raises(PermissionDenied):
        sv.ballot_cast(voter=neighbour, ballot=ballot, choices=["for"])


def test_roles_in_another_hall_grant_nothing_here(hall, people, ballot):
    from tests.community.factories import HallFactory, member

    other = HallFactory()
    mod_elsewhere = member(other, Role.MODERATOR, Role.HEAD)
    assert not any(
        mod_elsewhere.has_perm(p, ballot) for p in EXPECTED if p != "deliberation.view_notice_board"
    )
