"""Every role against every permission of the community app (other apps test theirs)."""

import pytest

from community.permissions import PERMISSIONS

pytestmark = pytest.mark.django_db

WHO = ["outsider", "applicant", "resident", "member", "executive", "volunteer",
       "moderator", "recorder", "head", "admin"]  # fmt: skip

# permission → the people who have it
EXPECTED = {
    "community.view_hall": set(WHO),
    "community.request_membership": {"outsider", "admin"},
    "community.view_members": set(WHO) - {"outsider", "applicant"},
    "community.manage_memberships": {"head", "admin"},
    "community.view_audit": {"head", "admin"},
    "community.assign_roles": {"head", "admin"},
    "community.change_hall_settings": {"head", "admin"},
    "community.join_hall_room": set(WHO) - {"outsider", "applicant"},
}


def test_every_permission_is_in_the_matrix():
    assert set(EXPECTED) == set(PERMISSIONS)


@pytest.mark.parametrize("perm", sorted(EXPECTED))
def test_role_matrix(perm, hall, people):
    granted = {who for who in WHO if people[who].has_perm(perm, hall)}
    assert granted == EXPECTED[perm]


def test_roles_in_another_hall_grant_nothing_here(hall, people):
    from tests.community.factories import HallFactory

    other = HallFactory()
    assert not people["head"].has_perm("community.manage_memberships", other)
    assert not people["member"].has_perm("community.join_hall_room", other)


def test_street_admin_manages_every_hall_of_the_street(hall):
    from community.models import AdminAssignment
    from tests.community.factories import UserFactory

    admin = UserFactory()
    AdminAssignment.objects.create(user=admin, street=hall.compound.community.street)
    assert admin.has_perm("community.manage_memberships", hall)


def test_anonymous_has_only_public_permissions(hall):
    from django.contrib.auth.models import AnonymousUser

    anon = AnonymousUser()
    assert anon.has_perm("community.view_hall", hall)
    assert not any(anon.has_perm(p, hall) for p in EXPECTED if p != "community.view_hall")
