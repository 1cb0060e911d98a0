"""Who may see a dashboard （数据看板）.

A hall's dashboard: its head and executives （妇联执委；the head is one） and the federation
admins above it. Residents are refused: the figures name buildings and meetings' attendance,
which is the hall's own working knowledge, not a public notice. A community's or a street's
dashboard: the federation admins of that community, or of its street (and superusers).
"""

from __future__ import annotations

import rules

from community.models import AdminAssignment, Community, Street
from community.permissions import is_admin, is_executive


@rules.predicate
def is_federation_admin_of(user, scope) -> bool:
    """The user is a federation admin （妇联管理员） of this street, or of this community or its street."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    mine = AdminAssignment.objects.filter(user=user)
    if isinstance(scope, Street):
        return mine.filter(street=scope).exists()
    if isinstance(scope, Community):
        return (
            mine.filter(community=scope).exists() or mine.filter(street_id=scope.street_id).exists()
        )
    return False


PERMISSIONS = {
    "deliberation.view_dashboard": is_executive | is_admin,
    "deliberation.view_federation_dashboard": is_federation_admin_of,
}

for _name, _pred in PERMISSIONS.items():
    rules.add_perm(_name, _pred)
