"""The roles a person holds in a hall, and what each implies (domain.md, 'People and roles')."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    MEMBER = "member", _("微家成员")
    EXECUTIVE = "executive", _("妇联执委")
    VOLUNTEER = "volunteer", _("巾帼志愿者")
    MODERATOR = "moderator", _("主持人")
    RECORDER = "recorder", _("记录员")
    HEAD = "head", _("微家负责人")


# A role includes the roles it implies (transitively).
IMPLIES: dict[str, set[str]] = {
    Role.RESIDENT: set(),
    Role.MEMBER: {Role.RESIDENT},
    Role.EXECUTIVE: {Role.MEMBER},
    Role.VOLUNTEER: {Role.MEMBER},
    Role.MODERATOR: {Role.MEMBER},
    Role.RECORDER: {Role.MEMBER},
    Role.HEAD: {Role.EXECUTIVE, Role.MEMBER},
}

# Offices whose holders anyone may see by name (PIPL: everyone else is shown as a count to those
# outside the hall; docs/privacy.md).
PUBLIC_OFFICES: tuple[str, ...] = (Role.HEAD, Role.MODERATOR, Role.RECORDER)

# Pseudo-role for federation admins of the hall's community or street.
ADMIN = "admin"
ALL_ROLES: list[str] = [*Role.values, ADMIN]


def expand(roles: set[str] | list[str]) -> frozenset[str]:
    """Return the roles together with everything they imply."""
    out: set[str] = set()
    stack = list(roles)
    while stack:
        role = stack.pop()
        if role in out:
            continue
        out.add(role)
        if role == ADMIN:
            stack.extend(Role.values)
        else:
            stack.extend(IMPLIES.get(role, ()))
    return frozenset(out)
