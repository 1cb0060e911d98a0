"""Reads for halls and memberships; pages, the API and snapshots use these."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from community.models import Building, Hall, Membership, MembershipRole, MembershipStatus
from community.roles import Role


def halls_visible_to(*, user=None) -> QuerySet[Hall]:
    """Every hall is public (its profile, brands and notice board)."""
    return (
        Hall.objects.select_related("compound__community__street")
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE))
        )
        .order_by("pk")
    )


def hall_detail(*, slug: str | None = None, pk: int | None = None) -> Hall:
    qs = Hall.objects.select_related("compound__community__street").prefetch_related("brands")
    return qs.get(slug=slug) if slug is not None else qs.get(pk=pk)


def home_hall() -> Hall | None:
    slug = settings.FANGHUA.get("HOME_HALL")
    hall = Hall.objects.filter(slug=slug).first() if slug else None
    return hall or Hall.objects.order_by("pk").first()


def active_members(*, hall: Hall) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(hall=hall, status=MembershipStatus.ACTIVE)
        .select_related("user", "building")
        .prefetch_related(Prefetch("roles", queryset=MembershipRole.objects.order_by("role")))
        .order_by("user__display_name", "pk")
    )


def members_by_role(*, hall: Hall) -> list[tuple[str, str, list[Membership]]]:
    """Active members grouped by role, in the order of the role list (a person may appear twice)."""
    groups: dict[str, list[Membership]] = {r: [] for r in Role.values}
    for m in active_members(hall=hall):
        for role in m.role_list:
            groups[role].append(m)
    return [(role, Role(role).label, groups[role]) for role in reversed(Role.values)]


def pending_requests(*, hall: Hall) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(hall=hall, status=MembershipStatus.REQUESTED)
        .select_related("user", "building")
        .order_by("requested_at", "pk")
    )


def memberships_of(*, user) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("hall", "building")
        .prefetch_related("roles")
        .order_by("hall__name")
    )


def buildings_of(*, compound_id: int) -> QuerySet[Building]:
    return Building.objects.filter(compound_id=compound_id)


def membership_of(*, user, hall: Hall) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, hall=hall).prefetch_related("roles").first()
