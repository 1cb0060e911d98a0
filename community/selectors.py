"""Reads for halls and memberships; pages, the API and snapshots use these."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from community.models import (
    AuditEntry,
    Building,
    Hall,
    Membership,
    MembershipRole,
    MembershipStatus,
    User,
)
from community.roles import PUBLIC_OFFICES, Role


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


def approved_residents(*, hall: Hall, building_ids: Iterable[int] | None = None) -> QuerySet[User]:
    """The people a head approved into the hall, in the given buildings (None: wherever they live).

    The one rule of who counts as a resident of a place (electorates, ratings): an active
    membership — only a head's approval makes one — and the building recorded on that membership,
    which the head saw when approving. The building an account chose for itself at registration
    (or changed later in its profile) never counts, so a fresh account, member of no hall, is
    nobody's elector.
    """
    approved = Membership.objects.filter(hall=hall, status=MembershipStatus.ACTIVE)
    if building_ids is not None:
        approved = approved.filter(building_id__in=list(building_ids))
    return User.objects.filter(pk__in=approved.values("user_id"), is_active=True)


def members_by_role(*, hall: Hall) -> list[tuple[str, str, list[Membership]]]:
    """Active members grouped by role, in the order of the role list (a person may appear twice)."""
    groups: dict[str, list[Membership]] = {r: [] for r in Role.values}
    for m in active_members(hall=hall):
        for role in m.role_list:
            groups[role].append(m)
    return [(role, Role(role).label, groups[role]) for role in reversed(Role.values)]


@dataclass(frozen=True)
class RosterGroup:
    role: str
    label: str
    count: int
    members: list[Membership] | None  # None: names hidden from this viewer
    show_buildings: bool


def roster_visible_to(*, user, hall: Hall) -> list[RosterGroup]:
    """The hall's people by role, as this viewer may see them (privacy by default, PIPL).

    Anyone sees the holders of the public offices (head, moderator, recorder) by name and the
    other roles as counts; residents of the hall see every name; buildings only those who
    manage memberships (heads, federation admins), whose work needs them.
    """
    names = user.has_perm("community.view_members", hall)
    buildings = user.has_perm("community.manage_memberships", hall)
    return [
        RosterGroup(
            role=role,
            label=label,
            count=len(members),
            members=members if names or role in PUBLIC_OFFICES else None,
            show_buildings=buildings,
        )
        for role, label, members in members_by_role(hall=hall)
        if members
    ]


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


def audit_entries(*, hall: Hall) -> QuerySet[AuditEntry]:
    """A hall's audit log, newest first."""
    return AuditEntry.objects.filter(hall=hall).order_by("-at", "-pk")
