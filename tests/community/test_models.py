import pytest
from django.db import IntegrityError, transaction

from community.models import AdminAssignment, Membership, MembershipRole, MembershipStatus
from community.roles import ADMIN, Role, expand
from tests.community.factories import (
    CommunityFactory,
    HallFactory,
    MembershipFactory,
    StreetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_one_membership_per_person_per_hall():
    m = MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=m.user, hall=m.hall, status=MembershipStatus.REQUESTED)


def test_a_role_is_held_once_per_membership():
    m = MembershipFactory()
    MembershipRole.objects.create(membership=m, role=Role.MEMBER)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipRole.objects.create(membership=m, role=Role.MEMBER)


def test_admin_scope_is_a_street_or_a_community_never_both_or_neither():
    user = UserFactory()
    street = StreetFactory()
    community = CommunityFactory(street=street)
    with pytest.raises(IntegrityError), transaction.atomic():
        AdminAssignment.objects.create(user=user, street=street, community=community)
    with pytest.raises(IntegrityError), transaction.atomic():
        AdminAssignment.objects.create(user=user)
    AdminAssignment.objects.create(user=user, street=street)


def test_brand_names_are_unique_within_a_hall_but_not_across_halls():
    from community.models import ServiceBrand

    a, b = HallFactory(), HallFactory()
    ServiceBrand.objects.create(hall=a, name="花满名苑")
    ServiceBrand.objects.create(hall=b, name="花满名苑")
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceBrand.objects.create(hall=a, name="花满名苑")


def test_hall_defaults_follow_nantang_rules():
    hall = HallFactory()
    assert hall.speech_limit_seconds == 120
    assert hall.speeches_per_item == 2
    assert hall.rules_preset == "南塘十三条"


def test_role_expansion():
    assert expand({Role.HEAD}) >= {Role.HEAD, Role.EXECUTIVE, Role.MEMBER, Role.RESIDENT}
    assert Role.MODERATOR not in expand({Role.HEAD})
    assert expand({ADMIN}) >= set(Role.values)
    assert expand({Role.RESIDENT}) == {Role.RESIDENT}
