"""A person's own data (PIPL Art. 44–50): what we hold about them, correcting it, deleting it.

Each app registers a section provider (`register_section`) in its AppConfig.ready, so this
module, low in the import order, never imports forum or deliberation. A provider takes the
user and returns a `Section`: a title and rows of plain, readable values.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from community.audit import audit_record
from community.models import (
    ApiToken,
    AuditAction,
    AuditEntry,
    Building,
    Membership,
    MembershipStatus,
    PrivacyAcceptance,
    User,
)
from community.services import display_name_of_office, roles_changed

DELETED_NAME = "已注销用户"
CONFIRM_PHRASE = "注销"  # what a person without a password types to delete her account


def confirm_phrase() -> str:
    """The word to type in the page's language （注销 is accepted in any）."""
    return pgettext("typed to delete an account", "注销")


@dataclass
class Section:
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)


SectionProvider = Callable[[User], list[Section]]
_providers: list[SectionProvider] = []
# What each app erases when an account is deleted (e.g. notification settings); the rows that
# are the community's record (proposals, comments, votes) stay, under "已注销用户".
_erasers: list[Callable[[User], None]] = []


def register_section(provider: SectionProvider) -> SectionProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def register_eraser(eraser: Callable[[User], None]) -> Callable[[User], None]:
    if eraser not in _erasers:
        _erasers.append(eraser)
    return eraser


def when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _own_sections(user: User) -> list[Section]:
    account = Section(
        _("账户"),
        [
            {
                _("用户名"): user.username,
                _("显示名"): user.display_name,
                _("手机号"): user.phone,
                _("手机号已验证"): when(user.phone_verified_at),
                _("电子邮箱"): user.email,
                _("邮箱已验证"): when(user.email_verified_at),
                _("居住楼栋"): str(user.building or ""),
                _("长辈模式"): _("已打开") if user.elder_mode else _("未打开"),
                _("注册时间"): when(user.date_joined),
                _("最近登录"): when(user.last_login),
            }
        ],
    )
    memberships = Section(
        _("议事厅成员身份"),
        [
            {
                _("议事厅"): m.hall.name,
                _("状态"): m.get_status_display(),
                _("角色"): _("、").join(str(r) for r in m.role_labels()),
                _("楼栋"): str(m.building or ""),
                _("申请时间"): when(m.requested_at),
            }
            for m in Membership.objects.filter(user=user)
            .select_related("hall", "building")
            .prefetch_related("roles")
        ],
    )
    tokens = Section(
        _("API 令牌（只列名称，密钥从不保存）"),
        [
            {
                _("名称"): t.name,
                _("创建时间"): when(t.created_at),
                _("最近使用"): when(t.last_used_at),
            }
            for t in ApiToken.objects.filter(user=user)
        ],
    )
    consents = Section(
        _("隐私说明同意记录"),
        [
            {_("版本"): a.version, _("同意时间"): when(a.at)}
            for a in PrivacyAcceptance.objects.filter(user=user).order_by("at")
        ],
    )
    log = Section(
        _("登录与操作记录"),
        [
            {
                _("时间"): when(e.at),
                _("操作"): e.get_action_display(),
                _("对象"): e.target,
                _("IP 地址"): e.ip_address or "",
            }
            for e in AuditEntry.objects.filter(actor=user).order_by("-at")[:500]
        ],
    )
    return [account, memberships, tokens, consents, log]


def personal_data(user: User) -> list[Section]:
    """Everything the platform holds about `user`, section by section."""
    sections = _own_sections(user)
    for provider in _providers:
        sections.extend(provider(user))
    return sections


def personal_data_json(user: User) -> dict[str, Any]:
    return {
        "exported_at": timezone.now().isoformat(),
        "sections": [{"title": s.title, "rows": s.rows} for s in personal_data(user)],
    }


# --- corrections and deletion -------------------------------------------------------------


@transaction.atomic
def profile_update(
    *,
    user: User,
    display_name: str,
    email: str = "",
    building: Building | None = None,
) -> User:
    """Correct one's own profile (PIPL Art. 46); the phone number changes only with a code
    (community.accounts.phone_bind), and a changed e-mail address must be verified again."""
    display_name = display_name.strip()
    email = email.strip()
    errors: dict[str, list[str]] = {}
    if not display_name or len(display_name) > 40:
        errors["display_name"] = [_("显示名为 1–40 个字。")]
    elif display_name != user.display_name and display_name_of_office(display_name):
        errors["display_name"] = [_("这个显示名与议事厅的负责人或主持人重名，为免混淆请换一个。")]
    if email and ("@" not in email or len(email) > 254):
        errors["email"] = [_("请输入有效的电子邮箱。")]
    if errors:
        raise ValidationError(errors)
    if email != user.email:
        user.email_verified_at = None
    user.display_name, user.email, user.building = display_name, email, building
    user.save(update_fields=["display_name", "email", "email_verified_at", "building"])
    return user


@transaction.atomic
def privacy_accept(*, user: User, version: str | None = None) -> PrivacyAcceptance:
    """Record that `user` accepted the current privacy notice."""
    version = version or settings.PRIVACY_NOTICE_VERSION
    acceptance, _created = PrivacyAcceptance.objects.get_or_create(user=user, version=version)
    User.objects.filter(pk=user.pk).update(privacy_version=version)
    user.privacy_version = version
    return acceptance


@transaction.atomic
def account_delete(*, user: User, password: str) -> None:
    """Delete one's account (PIPL Art. 47): personal fields erased, contributions kept anonymous.

    The row stays (so proposals, comments, votes and the ledger, which refers to people by
    number only, keep their meaning and the chain still verifies), but nothing in it names
    the person: the display name becomes 已注销用户，the sign-in name a random one, and the
    phone, e-mail, building and password are gone. Memberships end; tokens are revoked.
    """
    if not user.is_authenticated:
        raise PermissionDenied(_("请先登录。"))
    if user.has_usable_password():
        if not user.check_password(password):
            raise PermissionDenied(_("密码不正确，账户没有注销。"))
    elif password.strip().casefold() not in {CONFIRM_PHRASE, confirm_phrase().casefold()}:
        # An account made by a text-message code has no password: she types the word instead.
        raise PermissionDenied(_("请输入“注销”两个字确认，账户没有注销。"))
    user = User.objects.select_for_update().get(pk=user.pk)
    for m in Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE):
        m.roles.all().delete()
    Membership.objects.filter(user=user).update(
        status=MembershipStatus.LEFT, message="", building=None
    )
    ApiToken.objects.filter(user=user).delete()
    for eraser in _erasers:
        eraser(user)
    audit_record(action=AuditAction.MEMBERSHIP, actor=None, target=f"#{user.pk}", detail="注销账户")
    AuditEntry.objects.filter(actor=user).update(actor_label=DELETED_NAME, ip_address=None)
    user.username = f"deleted-{user.pk}-{secrets.token_hex(4)}"
    user.display_name = DELETED_NAME
    user.first_name = user.last_name = user.email = user.phone = ""
    user.phone_verified_at = user.email_verified_at = None
    user.building = None
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()
    roles_changed(user)  # her open websockets close
