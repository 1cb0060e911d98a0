"""factory_boy factories for every model the tests need; no fixture files, no magic ids."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from community.models import (
    Building,
    Community,
    Compound,
    Hall,
    Membership,
    MembershipRole,
    MembershipStatus,
    ServiceBrand,
    Street,
    User,
)
from community.roles import Role

PASSWORD = "correct-horse-battery"


class StreetFactory(DjangoModelFactory):
    class Meta:
        model = Street
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"街道{n}")


class CommunityFactory(DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"社区{n}")


class CompoundFactory(DjangoModelFactory):
    class Meta:
        model = Compound

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"小区{n}")


class BuildingFactory(DjangoModelFactory):
    class Meta:
        model = Building

    compound = factory.SubFactory(CompoundFactory)
    name = factory.Sequence(lambda n: f"{n}栋")


class HallFactory(DjangoModelFactory):
    class Meta:
        model = Hall

    compound = factory.SubFactory(CompoundFactory)
    slug = factory.Sequence(lambda n: f"hall{n}")
    name = factory.Sequence(lambda n: f"议事厅{n}")
    home_name = "妇女微家"


class ServiceBrandFactory(DjangoModelFactory):
    class Meta:
        model = ServiceBrand

    hall = factory.SubFactory(HallFactory)
    name = factory.Sequence(lambda n: f"品牌{n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"居民{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    hall = factory.SubFactory(HallFactory)
    status = MembershipStatus.ACTIVE


def member(hall: Hall, *roles: str, user: User | None = None, **user_kwargs) -> User:
    """An active member of `hall` holding `roles` (resident when none are given)."""
    user = user or UserFactory(**user_kwargs)
    membership = MembershipFactory(user=user, hall=hall)
    for role in set(roles) | {Role.RESIDENT}:
        MembershipRole.objects.create(membership=membership, role=role)
    return user
