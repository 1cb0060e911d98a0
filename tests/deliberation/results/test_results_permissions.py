"""Who may do what with a published result, walked role by role (permissions_results.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from community.models import AdminAssignment, Membership, MembershipStatus
from community.roles import Role
from deliberation.results.evaluation import evaluation_submit
from deliberation.results.services import result_summary_update
from tests.community.factories import HallFactory, UserFactory, member
from tests.deliberation.results.factories import building, published_result, resident

pytestmark = pytest.mark.django_db

PERMS = [
    "deliberation.view_result",
    "deliberation.evaluate_result",
    "deliberation.manage_result",
    "deliberation.view_evaluation_comments",
]

# who → the permissions they hold on a result concerning building 1
EXPECTED = {
    "anonymous": {"deliberation.view_result"},
    "outsider": {"deliberation.view_result"},
    "outsider_living_there": {"deliberation.view_result"},  # lives in 1栋 but not a member
    "member_of_another_hall": {"deliberation.view_result"},
    "applicant_living_there": {"deliberation.view_result"},
    "member_elsewhere": {"deliberation.view_result", "deliberation.view_evaluation_comments"},
    "member_no_building": {"deliberation.view_result", "deliberation.view_evaluation_comments"},
    "resident_of_place": {
        "deliberation.view_result",
        "deliberation.evaluate_result",
        "deliberation.view_evaluation_comments",
    },
    "volunteer_of_place": {
        "deliberation.view_result",
        "deliberation.evaluate_result",
        "deliberation.view_evaluation_comments",
    },
    "head_elsewhere": {
        "deliberation.view_result",
        "deliberation.manage_result",
        "deliberation.view_evaluation_comments",
    },
    "head_of_place": set(PERMS),
    "admin": {
        "deliberation.view_result",
        "deliberation.manage_result",
        "deliberation.view_evaluation_comments",
    },
}


@pytest.fixture
def world():
    hall = HallFactory()
    b1, b2 = building(hall, "1栋"), building(hall, "2栋")
    result = published_result(hall, places=[b1])
    other_hall = HallFactory()
    applicant = UserFactory(building=b1)
    Membership.objects.create(user=applicant, hall=hall, status=MembershipStatus.REQUESTED)
    admin = UserFactory()
    AdminAssignment.objects.create(user=admin, community=hall.compound.community)
    people = {
        "anonymous": AnonymousUser(),
        "outsider": UserFactory(),
        "outsider_living_there": UserFactory(building=b1),
        "member_of_another_hall": member(other_hall, building=b1),
        "applicant_living_there": applicant,
        "member_elsewhere": resident(hall, b2),
        "member_no_building": member(hall),
        "resident_of_place": resident(hall, b1),
        "volunteer_of_place": resident(hall, b1, Role.VOLUNTEER),
        "head_elsewhere": resident(hall, b2, Role.HEAD),
        "head_of_place": resident(hall, b1, Role.HEAD),
        "admin": admin,
    }
    return result, people


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_role_holds_exactly_its_permissions(world, who):
    result, people = world
    granted = {p for p in PERMS if people[who].has_perm(p, result)}
    assert granted == EXPECTED[who]


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_the_service_agrees_with_the_permission(world, who):
    result, people = world
    user = people[who]
    if "deliberation.evaluate_result" in EXPECTED[who]:
        evaluation_submit(user=user, result=result, rating="satisfied")
    else:
        with pytest.raises(PermissionDenied):
            evaluation_submit(user=user, result=result, rating="satisfied")


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_only_heads_and_admins_change_the_summary(world, who):
    result, people = world
    user = people[who]
    if "deliberation.manage_result" in EXPECTED[who]:
        result_summary_update(actor=user, result=result, text="补充", append=True)
    else:
        with pytest.raises(PermissionDenied):
            result_summary_update(actor=user, result=result, text="补充", append=True)


def test_a_whole_compound_result_is_open_to_every_member_and_no_outsider():
    hall = HallFactory()
    result = published_result(hall, places=[None])
    assert member(hall).has_perm("deliberation.evaluate_result", result)
    assert resident(hall, building(hall)).has_perm("deliberation.evaluate_result", result)
    assert not UserFactory().has_perm("deliberation.evaluate_result", result)
