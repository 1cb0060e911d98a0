"""/api/v1/ endpoints of the dashboard （数据看板）：the same figures as the pages, as JSON.

`?from=YYYY-MM-DD&to=YYYY-MM-DD` (both optional; default: the last 12 months).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from community.apierrors import answers
from community.auth import AUTH
from community.models import Community, Hall, Street
from deliberation.dashboard.figures import Period, federation_figures, hall_figures

router = Router(tags=["dashboard"])


class PeriodIn(Schema):
    from_: str | None = Field(None, alias="from", description="YYYY-MM-DD (included)")
    to: str | None = Field(None, description="YYYY-MM-DD (included)")


def _period(params: PeriodIn) -> Period:
    try:
        return Period.parse(params.from_, params.to, today=timezone.localdate())
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def _check(user, perm: str, obj, message: str) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(message)


@router.get(
    "/halls/{hall_id}/dashboard",
    response=answers(dict, 400, 401, 403, 404, 422),
    auth=AUTH,
    url_name="hall_dashboard_json",
    summary="A hall's dashboard figures for a period (heads, executives, federation admins)",
)
def hall_dashboard(request, hall_id: int, params: Query[PeriodIn]) -> dict[str, Any]:
    hall = get_object_or_404(Hall.objects.select_related("compound__community"), pk=hall_id)
    _check(
        request.auth,
        "deliberation.view_dashboard",
        hall,
        _("数据看板仅供微家负责人、妇联执委和妇联管理员查看。"),
    )
    return hall_figures(hall, _period(params)).as_dict()


@router.get(
    "/communities/{pk}/dashboard",
    response=answers(dict, 400, 401, 403, 404, 422),
    auth=AUTH,
    url_name="community_dashboard_json",
    summary="Every hall of a community, hall beside hall (its federation admins)",
)
def community_dashboard(request, pk: int, params: Query[PeriodIn]) -> dict[str, Any]:
    community = get_object_or_404(Community, pk=pk)
    _check(
        request.auth,
        "deliberation.view_federation_dashboard",
        community,
        _("只有本社区或本街道的妇联管理员可以查看。"),
    )
    return federation_figures(community, _period(params)).as_dict()


@router.get(
    "/streets/{pk}/dashboard",
    response=answers(dict, 400, 401, 403, 404, 422),
    auth=AUTH,
    url_name="street_dashboard_json",
    summary="Every hall of a street, hall beside hall (its federation admins)",
)
def street_dashboard(request, pk: int, params: Query[PeriodIn]) -> dict[str, Any]:
    street = get_object_or_404(Street, pk=pk)
    _check(
        request.auth,
        "deliberation.view_federation_dashboard",
        street,
        _("只有本街道的妇联管理员可以查看。"),
    )
    return federation_figures(street, _period(params)).as_dict()
