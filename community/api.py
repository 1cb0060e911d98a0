"""/api/v1/ — who am I, halls, memberships."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from community import accounts, privacy, selectors, services, sms, throttle
from community.apierrors import ErrorOut, answers
from community.audit import client_ip
from community.auth import AUTH
from community.models import ApiToken, CodePurpose, Membership
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


class MeIn(Schema):
    display_name: str


def me_out(user) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "building": user.building.name if user.building else None,
        "memberships": [
            membership_out(m) for m in selectors.memberships_of(user=user).select_related("user")
        ],
    }


@router.get("/me", response=answers(MeOut, 401), auth=AUTH, summary="Who am I")
def me(request):
    return me_out(request.auth)


@router.patch(
    "/me",
    response=answers(MeOut, 400, 401, 422),
    auth=AUTH,
    summary="Set how I am called (the display name a first phone sign-in asks for)",
)
def me_update(request, payload: MeIn):
    """What the welcome page does for an app: `sms-login` answers `display_name_needed`, and the
    app asks once. Only the display name: e-mail and phone have their own verified flows."""
    user = request.auth
    privacy.profile_update(
        user=user, display_name=payload.display_name, email=user.email, building=user.building
    )
    return me_out(user)


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


# --- signing in by text-message code (a WeChat mini-program, an app) -------------------------


class SmsCodeIn(Schema):
    phone: str


class SmsCodeOut(Schema):
    detail: str
    phone: str
    resend_after: int
    expires_in: int


class SmsLoginIn(Schema):
    phone: str
    code: str


class SmsLoginOut(Schema):
    token: str
    user_id: int
    display_name: str
    created: bool
    display_name_needed: bool


SMS_TOKEN_NAME = "短信登录"
SMS_TOKENS_KEPT = 5  # each sign-in makes a token; the oldest beyond these are revoked


def _refused(response: HttpResponse, message: str, retry_after: int | None, status: int = 429):
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return Status(status, {"detail": message})


@router.post(
    "/auth/sms-code",
    response=answers({200: SmsCodeOut, 429: ErrorOut, 503: ErrorOut}, 400, 422),
    auth=None,
    summary="Send a sign-in code by text message",
    description=(
        "向中国大陆手机号（1[3-9] 开头的 11 位）发送 6 位登录验证码，5 分钟内有效。"
        "400：手机号格式不对；429：发送太频繁(60 秒内只能获取一次，或超过每个号码、每个网络"
        "每小时的上限),`Retry-After` 头给出等待秒数；503：短信服务暂时发不出。"
    ),
)
def sms_code(request, payload: SmsCodeIn, response: HttpResponse):
    try:
        sent = accounts.code_request(
            phone=payload.phone, purpose=CodePurpose.SIGN_IN, ip=client_ip(request)
        )
    except accounts.CodeThrottled as refused:
        return _refused(response, refused.message, refused.retry_after)
    except sms.SmsError as failed:
        return _refused(response, str(failed), None, status=503)
    return {
        "detail": _("验证码已发送到 %(phone)s。") % {"phone": accounts.mask_phone(sent.phone)},
        "phone": accounts.mask_phone(sent.phone),
        "resend_after": sent.resend_after,
        "expires_in": sent.expires_in,
    }


@router.post(
    "/auth/sms-login",
    response=answers({200: SmsLoginOut, 429: ErrorOut}, 400, 422),
    auth=None,
    summary="Sign in (or sign up) with the code; returns an API token",
    description=(
        "用手机号和短信验证码登录，第一次登录的号码会自动注册账号(`created`;"
        "`display_name_needed` 时请让用户填写称呼)。返回个人 API 令牌，之后以 "
        "`Authorization: Bearer fh_…` 使用。400：验证码不对、过期或已作废（`detail` 说明还能试几次）；"
        "429：错误次数太多已锁定，或新账号注册超过上限。"
    ),
)
def sms_login(request, payload: SmsLoginIn, response: HttpResponse):
    try:
        result = accounts.phone_sign_in(request=request, phone=payload.phone, code=payload.code)
    except accounts.SignInLocked:
        minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
        message = _("错误次数太多，已暂时锁定，请 %(m)d 分钟后再试。") % {"m": minutes}
        return _refused(response, message, minutes * 60)
    except throttle.RegistrationThrottled as refused:
        return _refused(response, refused.message, refused.retry_after)
    except ValidationError as exc:
        return Status(400, {"detail": "；".join(exc.messages), "errors": exc.message_dict})
    user = result.user
    old = ApiToken.objects.filter(user=user, name=SMS_TOKEN_NAME).order_by("-created_at")
    ApiToken.objects.filter(
        pk__in=list(old.values_list("pk", flat=True)[SMS_TOKENS_KEPT - 1 :])
    ).delete()
    _token, raw = ApiToken.issue(user=user, name=SMS_TOKEN_NAME)
    return {
        "token": raw,
        "user_id": user.pk,
        "display_name": user.display_name,
        "created": result.created,
        "display_name_needed": not user.display_name,
    }
