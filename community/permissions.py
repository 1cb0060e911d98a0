"""Who may do what in a hall: roles → predicates → named permissions (the `rules` package).

Every app declares its permissions in its own `permissions.py` with the predicates defined here.
Services check them (and refuse); templates only show or hide (`{% has_perm %}`).
An object given to a permission is a Hall or anything with a `.hall` attribute.
"""

from __future__ import annotations

from typing import Any

import rules

from community.models import (
    AdminAssignment,
    Hall,
    Membership,
    MembershipRole,
    MembershipStatus,
)
from community.roles import ADMIN, Role, expand

_CACHE_ATTR = "_fanghua_roles"


def hall_of(obj: Any):
    """Return the hall an object belongs to (the hall itself, or `obj.hall`)."""
    if obj is None:
        return None
    if isinstance(obj, Hall):
        return obj
    return getattr(obj, "hall", None)


def roles_in(user, hall) -> frozenset[str]:
    """Return the roles (expanded) the user holds in the hall; cached on the user object."""
    if user is None or not getattr(user, "is_authenticated", False) or hall is None:
        return frozenset()
    cache: dict[int, frozenset[str]] = user.__dict__.setdefault(_CACHE_ATTR, {})
    if hall.pk in cache:
        return cache[hall.pk]
    held: set[str] = set(
        MembershipRole.objects.filter(
            membership__user=user,
            membership__hall_id=hall.pk,
            membership__status=MembershipStatus.ACTIVE,
        ).values_list("role", flat=True)
    )
    if user.is_superuser:
        held.add(ADMIN)
    else:
        community = hall.compound.community
        if (
            AdminAssignment.objects.filter(user=user)
            .filter(rules_q_admin(community_id=community.pk, street_id=community.street_id))
            .exists()
        ):
            held.add(ADMIN)
    result = expand(held)
    cache[hall.pk] = result
    return result


def rules_q_admin(*, community_id: int, street_id: int):
    from django.db.models import Q

    return Q(community_id=community_id) | Q(street_id=street_id)


def forget_roles(user) -> None:
    """Drop the cached roles of a user (after their roles changed in this request)."""
    user.__dict__.pop(_CACHE_ATTR, None)


def heads_or_administers(user) -> bool:
    """Whether the person heads a hall or is an admin (staff, superuser, federation admin).

    Their sessions end after a short idle time (community.middleware.IdleTimeoutMiddleware)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return (
        AdminAssignment.objects.filter(user=user).exists()
        or MembershipRole.objects.filter(
            membership__user=user,
            membership__status=MembershipStatus.ACTIVE,
            role=Role.HEAD,
        ).exists()
    )


def has_role(role: str) -> rules.Predicate:
    """A predicate: the user holds `role` (or a role that implies it) in the object's hall."""

    @rules.predicate(name=f"has_role:{role}")
    def predicate(user, obj=None) -> bool:
        return role in roles_in(user, hall_of(obj))

    return predicate


is_resident = has_role(Role.RESIDENT)  # any active member of the hall
is_member = has_role(Role.MEMBER)
is_executive = has_role(Role.EXECUTIVE)
is_volunteer = has_role(Role.VOLUNTEER)
is_moderator = has_role(Role.MODERATOR)
is_recorder = has_role(Role.RECORDER)
is_head = has_role(Role.HEAD)
is_admin = has_role(ADMIN)
is_authenticated = rules.is_authenticated


@rules.predicate
def has_no_open_membership(user, hall) -> bool:
    if hall is None or not user.is_authenticated:
        return False
    return not Membership.objects.filter(
        user=user, hall=hall, status__in=[MembershipStatus.ACTIVE, MembershipStatus.REQUESTED]
    ).exists()


# Named permissions of this app.
PERMISSIONS: dict[str, rules.Predicate] = {
    "community.view_hall": rules.always_allow,
    "community.request_membership": is_authenticated & has_no_open_membership,
    "community.view_members": is_resident,
    "community.manage_memberships": is_head | is_admin,
    "community.assign_roles": is_head | is_admin,
    "community.change_hall_settings": is_head | is_admin,
    "community.join_hall_room": is_resident,
    "community.view_audit": is_head | is_admin,
}

for _name, _pred in PERMISSIONS.items():
    rules.add_perm(_name, _pred)
