"""Writes for accounts and memberships: one function per use case."""

from __future__ import annotations

import re
import unicodedata

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import hooks
from community.audit import audit_record
from community.models import (
    ApiToken,
    AuditAction,
    Building,
    Hall,
    Membership,
    MembershipEvent,
    MembershipRole,
    MembershipStatus,
    User,
)
from community.permissions import forget_roles
from community.roles import Role
from realtime.publish import access_changed

# What Django's UnicodeUsernameValidator allows, checked here so the API and pages agree.
USERNAME_CHARS = re.compile(r"[\w.@+-]+")
# Offices whose holders' names others may not take (residents would trust the name).
OFFICE_ROLES = (Role.HEAD, Role.EXECUTIVE, Role.MODERATOR, Role.RECORDER)


def require(user, perm: str, obj=None, message: str | None = None) -> None:
    """Raise PermissionDenied unless the user has the permission on the object."""
    if not user.has_perm(perm, obj):
        raise PermissionDenied(message or _("您没有权限执行此操作。"))


def roles_changed(*users: User) -> None:
    """What these people may do has changed: forget their cached roles now, and after commit
    make their open websockets re-authorise (rooms they may no longer see close with 4403)."""
    for user in users:
        forget_roles(user)
        access_changed(user.pk)


def _name_key(name: str) -> str:
    """A display name compared as people read it: NFKC, no spaces, case-folded."""
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def display_name_of_office(display_name: str) -> bool:
    """Whether a person holding an office in a hall already goes by this name (impersonation)."""
    key = _name_key(display_name)
    names = User.objects.filter(
        memberships__status=MembershipStatus.ACTIVE, memberships__roles__role__in=OFFICE_ROLES
    ).values_list("display_name", flat=True)
    return any(_name_key(name) == key for name in names.distinct())


@transaction.atomic
def user_register(
    *,
    username: str,
    display_name: str,
    password: str,
    building: Building | None = None,
    phone: str = "",
    email: str = "",
) -> User:
    """Create an account after validating the name and the password."""
    # NFKC, as the login form does: "ａｄｍｉｎ" is stored as "admin", or it could never sign in.
    username = User.normalize_username(username.strip())
    display_name = display_name.strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("请填写用户名。")]
    elif not USERNAME_CHARS.fullmatch(username):
        errors["username"] = [_("用户名只能用字母、数字和 @/./+/-/_。")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("该用户名已被使用，请换一个。")]
    if not display_name:
        errors["display_name"] = [_("请填写显示名（例如：王阿姨）。")]
    elif display_name_of_office(display_name):
        errors["display_name"] = [
            _(
                "这个显示名与议事厅的负责人或主持人重名，为免混淆请换一个（例如加上楼栋：王阿姨（3栋））。"
            )
        ]
    candidate = User(username=username, display_name=display_name, email=email)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user = User(
        username=username, display_name=display_name, building=building, phone=phone, email=email
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError({"username": [_("该用户名已被使用，请换一个。")]}) from None
    return user


def _record(membership: Membership, actor, from_status: str, note: str = "") -> None:
    MembershipEvent.objects.create(
        membership=membership,
        actor=actor,
        from_status=from_status,
        to_status=membership.status,
        note=note,
    )
    label = MembershipStatus(membership.status).label
    audit_record(
        action=AuditAction.ROLES if from_status == membership.status else AuditAction.MEMBERSHIP,
        actor=actor,
        hall=membership.hall,
        target=f"{membership.user}({membership.user.username})",
        detail=note
        if from_status == membership.status
        else f"{MembershipStatus(from_status).label if from_status else '—'} → {label}"
        + (f":{note}" if note else ""),
        owner_id=membership.user_id,
    )


@transaction.atomic
def membership_request(*, user: User, hall: Hall, message: str = "") -> Membership:
    """Ask to join a hall (again, after a decline or leaving)."""
    if not user.is_authenticated:
        raise PermissionDenied(_("请先登录。"))
    membership = Membership.objects.select_for_update().filter(user=user, hall=hall).first()
    if membership and membership.status == MembershipStatus.ACTIVE:
        raise ValidationError(_("您已经是本议事厅的成员。"))
    if membership and membership.status == MembershipStatus.REQUESTED:
        raise ValidationError(_("您的申请正在审核中，请耐心等待。"))
    if len(message) > 200:
        raise ValidationError(_("留言不能超过 200 字。"))
    building = (
        user.building if user.building and user.building.compound_id == hall.compound_id else None
    )
    if membership is None:
        membership = Membership(user=user, hall=hall)
        previous = ""
    else:
        previous = membership.status
    membership.status = MembershipStatus.REQUESTED
    membership.message = message
    membership.building = building
    membership.requested_at = timezone.now()
    membership.decided_at = None
    membership.decided_by = None
    membership.save()
    _record(membership, user, previous, message)
    roles_changed(user)
    hooks.membership_changed(membership=membership, change="requested", actor=user)
    return membership


@transaction.atomic
def membership_approve(
    *, actor: User, membership: Membership, roles: list[str] | None = None
) -> Membership:
    """Approve a pending request; the new member starts with the given roles (default resident)."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    require(actor, "community.manage_memberships", membership.hall)
    if membership.status != MembershipStatus.REQUESTED:
        raise ValidationError(
            _("该申请已处理（当前状态：%(status)s）。")
            % {"status": MembershipStatus(membership.status).label}
        )
    membership.status = MembershipStatus.ACTIVE
    membership.decided_at = timezone.now()
    membership.decided_by = actor
    membership.save()
    _set_roles(membership, roles or [Role.RESIDENT], actor)
    _record(membership, actor, MembershipStatus.REQUESTED, _("批准加入"))
    roles_changed(membership.user)
    hooks.membership_changed(membership=membership, change="approved", actor=actor)
    return membership


@transaction.atomic
def membership_decline(*, actor: User, membership: Membership, reason: str = "") -> Membership:
    """Decline a pending request with an optional reason."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    require(actor, "community.manage_memberships", membership.hall)
    if membership.status != MembershipStatus.REQUESTED:
        raise ValidationError(_("该申请已处理，不能再拒绝。"))
    membership.status = MembershipStatus.DECLINED
    membership.decided_at = timezone.now()
    membership.decided_by = actor
    membership.save()
    _record(membership, actor, MembershipStatus.REQUESTED, reason)
    roles_changed(membership.user)
    hooks.membership_changed(membership=membership, change="declined", actor=actor, note=reason)
    return membership


def _set_roles(membership: Membership, roles: list[str], actor) -> None:
    wanted = set(roles)
    unknown = wanted - set(Role.values)
    if unknown:
        raise ValidationError(_("未知角色：%(roles)s") % {"roles": ", ".join(sorted(unknown))})
    if not wanted:
        raise ValidationError(_("至少保留一个角色（居民）。"))
    current = set(membership.roles.values_list("role", flat=True))
    membership.roles.filter(role__in=current - wanted).delete()
    MembershipRole.objects.bulk_create(
        [MembershipRole(membership=membership, role=r, granted_by=actor) for r in wanted - current]
    )


@transaction.atomic
def membership_set_roles(*, actor: User, membership: Membership, roles: list[str]) -> Membership:
    """Replace the roles an active member holds."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    require(actor, "community.assign_roles", membership.hall)
    if membership.status != MembershipStatus.ACTIVE:
        raise ValidationError(_("只能为已加入的成员设置角色。"))
    if membership.user_id == actor.pk and Role.HEAD not in roles and not actor.is_superuser:
        others = MembershipRole.objects.filter(
            membership__hall=membership.hall,
            membership__status=MembershipStatus.ACTIVE,
            role=Role.HEAD,
        ).exclude(membership=membership)
        if not others.exists():
            raise ValidationError(_("议事厅至少需要一位负责人，不能撤销自己唯一的负责人角色。"))
    before = ",".join(membership.role_list)
    _set_roles(membership, roles, actor)
    _record(
        membership,
        actor,
        membership.status,
        _("角色：%(before)s → %(after)s")
        % {
            "before": before,
            "after": ",".join(sorted(set(roles))),
        },
    )
    roles_changed(membership.user)
    forget_roles(actor)
    return membership


@transaction.atomic
def membership_leave(*, user: User, membership: Membership) -> Membership:
    """Leave a hall (the person's own choice)."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.user_id != user.pk:
        raise PermissionDenied(_("只能退出自己的成员身份。"))
    if membership.status != MembershipStatus.ACTIVE:
        raise ValidationError(_("您当前不是本议事厅的成员。"))
    previous = membership.status
    membership.status = MembershipStatus.LEFT
    membership.save()
    membership.roles.all().delete()
    _record(membership, user, previous)
    roles_changed(user)
    return membership


@transaction.atomic
def api_token_issue(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; the raw key is returned once and never stored."""
    name = name.strip()
    if not name or len(name) > 60:
        raise ValidationError(_("请为令牌起一个 1–60 字的名称（例如：微信小程序）。"))
    if user.api_tokens.count() >= 10:
        raise ValidationError(_("每人最多 10 个令牌，请先撤销不用的令牌。"))
    return ApiToken.issue(user=user, name=name)


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> None:
    """Revoke one of the person's own tokens."""
    deleted, _count = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        raise ValidationError(_("没有这个令牌（可能已撤销）。"))


def elder_mode_set(*, user: User, on: bool) -> User:
    """Remember a person's choice of 长辈模式（larger text and targets） on her profile."""
    if user.elder_mode != on:
        user.elder_mode = on
        user.save(update_fields=["elder_mode"])
    return user
