"""/api/v1/ — who am I, halls, memberships."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from community import selectors, services
from community.apierrors import answers
from community.auth import AUTH
from community.models import Membership
from community.permissions import roles_in
from community.roles import Role

router = Router(tags=["community"])


class BrandOut(Schema):
    id: int
    name: str
    subtitle: str
    description: str
    color: str


class HallOut(Schema):
    id: int
    slug: str
    name: str
    home_name: str
    compound: str
    community: str
    member_count: int


class HallSettingsOut(Schema):
    rules_preset: str
    speech_limit_seconds: int
    speeches_per_item: int
    quorum_fraction: float
    default_majority_rule: str
    notice_period_days: int
    seconding_threshold: int


class HallDetailOut(Schema):
    id: int
    slug: str
    name: str
    home_name: str
    theme: str
    venue: str
    structure: str
    rules_text: str
    yearly_plan: str
    services: str
    brands: list[BrandOut]
    settings: HallSettingsOut
    my_roles: list[str]


class MembershipOut(Schema):
    id: int
    hall_id: int
    hall: str
    user_id: int
    user: str
    status: str
    roles: list[str]
    building: str | None
    requested_at: datetime


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    building: str | None
    memberships: list[MembershipOut]


class JoinIn(Schema):
    message: str = ""


class DeclineIn(Schema):
    reason: str = ""


class RolesIn(Schema):
    roles: list[Role]


def membership_out(m: Membership) -> dict:
    return {
        "id": m.pk,
        "hall_id": m.hall_id,
        "hall": m.hall.name,
        "user_id": m.user_id,
        "user": str(m.user),
        "status": m.status,
        "roles": m.role_list,
        "building": m.building.name if m.building else None,
        "requested_at": m.requested_at,
    }


def hall_out(h) -> dict:
    return {
        "id": h.pk,
        "slug": h.slug,
        "name": h.name,
        "home_name": h.home_name,
        "compound": h.compound.name,
        "community": h.compound.community.name,
        "member_count": getattr(h, "member_count", 0),
    }


@router.get("/me", response=answers(MeOut, 401), auth=AUTH, summary="Who am I")
def me(request):
    user = request.auth
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "building": user.building.name if user.building else None,
        "memberships": [
            membership_out(m) for m in selectors.memberships_of(user=user).select_related("user")
        ],
    }


@router.get("/halls", response=list[HallOut], auth=None, summary="All halls")
def halls(request):
    return [hall_out(h) for h in selectors.halls_visible_to()]


@router.get(
    "/halls/{hall_id}",
    response=answers(HallDetailOut, 404, 422),
    auth=None,
    summary="A hall with its brands",
)
def hall_detail(request, hall_id: int):
    hall = get_object_or_404(selectors.halls_visible_to(), pk=hall_id)
    return {
        **{f: getattr(hall, f) for f in ("id", "slug", "name", "home_name", "theme", "venue")},
        **{f: getattr(hall, f) for f in ("structure", "rules_text", "yearly_plan", "services")},
        "brands": [b for b in hall.brands.all() if b.is_active],
        "settings": hall,
        "my_roles": sorted(roles_in(request.user, hall)),
    }


@router.post(
    "/halls/{hall_id}/memberships",
    response=answers({201: MembershipOut}, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Ask to join a hall",
)
def request_membership(request, hall_id: int, payload: JoinIn):
    hall = get_object_or_404(selectors.halls_visible_to(), pk=hall_id)
    m = services.membership_request(user=request.auth, hall=hall, message=payload.message)
    return Status(201, membership_out(m))


@router.get(
    "/halls/{hall_id}/memberships",
    response=answers(list[MembershipOut], 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Pending requests (heads and admins)",
)
def pending(request, hall_id: int, status: str = "requested"):
    hall = get_object_or_404(selectors.halls_visible_to(), pk=hall_id)
    if not request.auth.has_perm("community.manage_memberships", hall):
        raise PermissionDenied(_("只有微家负责人或妇联管理员可以查看申请。"))
    qs = (
        selectors.pending_requests(hall=hall)
        if status == "requested"
        else selectors.active_members(hall=hall)
    )
    return [membership_out(m) for m in qs.select_related("hall").prefetch_related("roles")]


def _membership(pk: int) -> Membership:
    return get_object_or_404(Membership.objects.select_related("hall", "user", "building"), pk=pk)


@router.post(
    "/memberships/{pk}/approve", response=answers(MembershipOut, 400, 401, 403, 404, 422), auth=AUTH
)
def approve(request, pk: int):
    m = services.membership_approve(actor=request.auth, membership=_membership(pk))
    return membership_out(_membership(m.pk))


@router.post(
    "/memberships/{pk}/decline", response=answers(MembershipOut, 400, 401, 403, 404, 422), auth=AUTH
)
def decline(request, pk: int, payload: DeclineIn):
    m = services.membership_decline(
        actor=request.auth, membership=_membership(pk), reason=payload.reason[:200]
    )
    return membership_out(_membership(m.pk))


@router.put(
    "/memberships/{pk}/roles", response=answers(MembershipOut, 400, 401, 403, 404, 422), auth=AUTH
)
def put_roles(request, pk: int, payload: RolesIn):
    m = services.membership_set_roles(
        actor=request.auth, membership=_membership(pk), roles=[str(r) for r in payload.roles]
    )
    return membership_out(_membership(m.pk))
