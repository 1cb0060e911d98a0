"""Who is who: the organisation tree, halls, memberships, roles, accounts."""

from __future__ import annotations

import hashlib
import secrets
from decimal import Decimal

import rules
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.roles import Role


class User(AbstractUser):
    """A person using the platform; `display_name` is what others see (e.g. 王阿姨)."""

    display_name = models.CharField(_("显示名"), max_length=40)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    # Set when the person proved the number with a text-message code (community.accounts); only
    # a verified number signs in, and one verified number belongs to one account.
    phone_verified_at = models.DateTimeField(_("手机号验证时间"), null=True, blank=True)
    # Set when the person opened the signed link sent to `email`; only a verified address
    # receives password-reset links.
    email_verified_at = models.DateTimeField(_("邮箱验证时间"), null=True, blank=True)
    building = models.ForeignKey(
        "community.Building",
        verbose_name=_("居住楼栋"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
    )
    # The version of the privacy notice this person last accepted (history: PrivacyAcceptance);
    # on the user row so the "please read" banner costs no query.
    privacy_version = models.CharField(_("已同意的隐私说明版本"), max_length=20, blank=True)
    # 长辈模式（MIIT 适老化）：larger text and targets. The device's cookie `elder_mode` wins
    # over this on the device that set it (community.context_processors.site).
    elder_mode = models.BooleanField(_("长辈模式"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(phone_verified_at__isnull=False),
                name="user_unique_verified_phone",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def has_perm(self, perm: str, obj=None) -> bool:
        """Our named permissions (`rules`) are asked of their rule, for superusers too.

        Django lets a superuser pass every permission; our rules already give a superuser every
        role in every hall, but "author only" must stay author only: a superuser may not edit
        or publish a resident's draft under her name. Django's model permissions are unchanged.

        A few rules share their name with a model permission of Django's (`community.view_hall`,
        `deliberation.view_ballot`, `deliberation.view_meeting`). Our code asks them about an
        object; the admin asks the model permission about none. Without an object the name is
        Django's: otherwise `view_hall` (always allowed, for the public hall page) let every staff
        member read the halls' admin, their settings and change history.
        """
        if obj is None and rules.perm_exists(perm) and _is_model_permission(perm):
            # Django's model permission alone (the backends that list them: `rules`' backend
            # would answer with the rule).
            return self.is_active and (self.is_superuser or perm in self.get_all_permissions())
        if rules.perm_exists(perm):
            return self.is_active and rules.has_perm(perm, self, obj)
        return super().has_perm(perm, obj)


_MODEL_ACTIONS = ("add", "change", "delete", "view")


def _is_model_permission(perm: str) -> bool:
    """Whether `perm` is also one of Django's model permissions (`app.view_model`, …)."""
    app_label, _dot, codename = perm.partition(".")
    action, _sep, model_name = codename.partition("_")
    if action not in _MODEL_ACTIONS:
        return False
    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return False
    return True


class Street(models.Model):
    """街道 and its women's federation （街道妇联），e.g. 桂城街道."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    district = models.CharField(_("区"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("街道")
        verbose_name_plural = _("街道")

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """社区 with its 社区妇联，e.g. 叠二社区."""

    street = models.ForeignKey(
        Street, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="communities"
    )
    name = models.CharField(_("名称"), max_length=60)

    class Meta:
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="community_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Compound(models.Model):
    """小区，e.g. 名苑小区."""

    community = models.ForeignKey(
        Community, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="compounds"
    )
    name = models.CharField(_("名称"), max_length=60)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="compound_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    """楼栋 / 网格：a building and the Party grid cell it forms （三级党建网格）."""

    compound = models.ForeignKey(
        Compound, verbose_name=_("小区"), on_delete=models.PROTECT, related_name="buildings"
    )
    name = models.CharField(_("名称"), max_length=40)
    grid_name = models.CharField(_("网格"), max_length=60, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("楼栋/网格")
        verbose_name_plural = _("楼栋/网格")
        ordering = ["compound", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "name"], name="building_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class MajorityRule(models.TextChoices):
    FOR_GT_AGAINST = "for_gt_against", _("赞成多于反对（平票不通过）")
    HALF_OF_CAST = "half_of_cast", _("超过投票数的一半")
    HALF_OF_ELECTORATE = "half_of_electorate", _("超过应到人数的一半")
    TWO_THIRDS = "two_thirds", _("三分之二多数")


class Hall(models.Model):
    """议事厅 of a 妇女微家，with its profile (the five micro-elements) and its rules settings."""

    compound = models.ForeignKey(
        Compound, verbose_name=_("小区"), on_delete=models.PROTECT, related_name="halls"
    )
    slug = models.SlugField(_("短名"), max_length=40, unique=True)
    name = models.CharField(_("议事厅名称"), max_length=60)
    home_name = models.CharField(_("妇女微家"), max_length=60)
    theme = models.CharField(_("主题"), max_length=60, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    # 5 micro-elements （微元素）
    venue = models.CharField(_("有阵地：活动场地"), max_length=200, blank=True)
    structure = models.TextField(_("有架构：组织架构"), blank=True)
    rules_text = models.TextField(_("有制度：议事规则"), blank=True)
    yearly_plan = models.TextField(_("有计划：年度计划"), blank=True)
    services = models.TextField(_("有服务：服务内容"), blank=True)
    # Rules of order and process settings （南塘十三条 defaults）.
    rules_preset = models.CharField(_("议事规则预设"), max_length=40, default="南塘十三条")
    speech_limit_seconds = models.PositiveIntegerField(
        _("每次发言时限（秒）"), default=120, validators=[MinValueValidator(15)]
    )
    speeches_per_item = models.PositiveSmallIntegerField(
        _("每人每项发言次数"), default=2, validators=[MinValueValidator(1)]
    )
    quorum_fraction = models.DecimalField(
        _("法定人数比例"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.667"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1"))],
    )
    default_majority_rule = models.CharField(
        _("默认表决规则"),
        max_length=24,
        choices=MajorityRule.choices,
        default=MajorityRule.FOR_GT_AGAINST,
    )
    notice_period_days = models.PositiveSmallIntegerField(
        _("公示期（天）"), default=5, validators=[MinValueValidator(1)]
    )
    objection_answer_days = models.PositiveSmallIntegerField(
        _("异议答复期限（天）"), default=3, validators=[MinValueValidator(1)]
    )
    seconding_threshold = models.PositiveSmallIntegerField(
        _("附议门槛（人）"), default=5, validators=[MinValueValidator(1)]
    )
    report_hide_threshold = models.PositiveSmallIntegerField(
        _("举报隐藏门槛（次）"), default=3, validators=[MinValueValidator(1)]
    )
    evaluation_days = models.PositiveSmallIntegerField(
        _("评议期（天）"), default=14, validators=[MinValueValidator(1)]
    )
    dissatisfaction_threshold = models.DecimalField(
        _("不满意重办比例"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.300"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    evaluation_min_ratings = models.PositiveSmallIntegerField(
        _("重办所需最少评议数"), default=5, validators=[MinValueValidator(1)]
    )
    task_due_soon_days = models.PositiveSmallIntegerField(
        _("任务到期提前提醒（天）"), default=3, validators=[MinValueValidator(1)]
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("议事厅")
        verbose_name_plural = _("议事厅")

    def __str__(self) -> str:
        return self.name

    @property
    def community(self) -> Community:
        return self.compound.community


class ServiceBrand(models.Model):
    """A hall's service brand （微品牌），used as the category of proposals and tasks."""

    hall = models.ForeignKey(
        Hall, verbose_name=_("议事厅"), on_delete=models.CASCADE, related_name="brands"
    )
    name = models.CharField(_("品牌名称"), max_length=30)
    subtitle = models.CharField(_("说明"), max_length=60, blank=True)
    description = models.TextField(_("简介"), blank=True)
    color = models.CharField(_("颜色"), max_length=7, default="#c0392b")
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("服务品牌")
        verbose_name_plural = _("服务品牌")
        ordering = ["hall", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["hall", "name"], name="brand_unique_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The colour carries white text (the brand's badge): it must be dark enough to read."""
        ratio = contrast_with_white(self.color)
        if ratio is None:
            raise ValidationError({"color": _("颜色请填写六位色值，如 #b3261e。")})
        if ratio < 4.5:
            raise ValidationError(
                {
                    "color": _(
                        "这个颜色太浅，上面的白字看不清（对比度 %(ratio).1f:1，至少要 4.5:1），"
                        "请选深一些的颜色。"
                    )
                    % {"ratio": ratio}
                }
            )


def contrast_with_white(color: str) -> float | None:
    """WCAG contrast ratio of white text on `color` ("#rrggbb"); None when it is no such colour."""
    if len(color or "") != 7 or color[0] != "#":
        return None
    try:
        channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    except ValueError:
        return None
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


class MembershipStatus(models.TextChoices):
    REQUESTED = "requested", _("待审核")
    ACTIVE = "active", _("已加入")
    DECLINED = "declined", _("已拒绝")
    LEFT = "left", _("已退出")


class Membership(models.Model):
    """A person in a hall: status and the roles held there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    hall = models.ForeignKey(
        Hall, verbose_name=_("议事厅"), on_delete=models.CASCADE, related_name="memberships"
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=MembershipStatus.choices,
        default=MembershipStatus.REQUESTED,
    )
    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), null=True, blank=True, on_delete=models.SET_NULL
    )
    message = models.CharField(_("申请留言"), max_length=200, blank=True)
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        constraints = [
            models.UniqueConstraint(fields=["user", "hall"], name="membership_one_per_hall")
        ]
        indexes = [models.Index(fields=["hall", "status"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.hall}"

    @property
    def role_list(self) -> list[str]:
        return sorted((r.role for r in self.roles.all()), key=Role.values.index)

    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in self.role_list]


class MembershipRole(models.Model):
    """One role held through a membership (a person can hold several)."""

    membership = models.ForeignKey(
        Membership, verbose_name=_("成员"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices)
    granted_at = models.DateTimeField(_("授予时间"), default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [
            models.UniqueConstraint(fields=["membership", "role"], name="role_once_per_membership")
        ]

    def __str__(self) -> str:
        return str(Role(self.role).label)


class AdminAssignment(models.Model):
    """A federation admin （妇联管理员） for a whole street or one community."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="admin_assignments",
    )
    street = models.ForeignKey(
        Street, verbose_name=_("街道"), null=True, blank=True, on_delete=models.CASCADE
    )
    community = models.ForeignKey(
        Community, verbose_name=_("社区"), null=True, blank=True, on_delete=models.CASCADE
    )

    class Meta:
        verbose_name = _("妇联管理员")
        verbose_name_plural = _("妇联管理员")
        constraints = [
            models.CheckConstraint(
                condition=(Q(street__isnull=False) & Q(community__isnull=True))
                | (Q(street__isnull=True) & Q(community__isnull=False)),
                name="admin_scope_street_xor_community",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.street or self.community}"


class MembershipEvent(models.Model):
    """History of a membership: requested, approved, declined, roles changed, left."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="events", verbose_name=_("成员")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(_("原状态"), max_length=12, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("成员记录")
        verbose_name_plural = _("成员记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.membership_id}: {self.from_status} → {self.to_status}"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token (for a WeChat mini-program or a script); only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=60)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple[ApiToken, str]:
        """Create a token and return it with the raw key (shown once)."""
        raw = "fh_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[:8], key_hash=_hash_token(raw))
        return token, raw

    @classmethod
    def lookup(cls, raw: str) -> ApiToken | None:
        """Return the token for a raw key, or None."""
        return cls.objects.select_related("user").filter(key_hash=_hash_token(raw)).first()


class CodePurpose(models.TextChoices):
    SIGN_IN = "sign_in", _("登录或注册")
    BIND = "bind", _("绑定手机号")
    RESET = "reset", _("找回密码")


class PhoneCode(models.Model):
    """A 6-digit code sent by text message; only its keyed hash is kept (community.accounts)."""

    phone = models.CharField(_("手机号"), max_length=20)
    purpose = models.CharField(_("用途"), max_length=10, choices=CodePurpose.choices)
    # The account a BIND code is for (a code sent to add a number proves it for that person only).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("输错次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["phone", "purpose", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.created_at:%Y-%m-%d %H:%M}"


class AuditAction(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出登录")
    MEMBERSHIP = "membership", _("成员变动")
    ROLES = "roles", _("角色变动")
    MODERATION = "moderation", _("内容审核")
    EXPORT = "export", _("导出个人信息")
    ACCOUNT = "account", _("账户安全")


class AuditEntry(models.Model):
    """One line of the audit log (append-only; pruned only by age, `prune_audit`)."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    action = models.CharField(_("操作"), max_length=20, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as written at the time: the log still reads after an account is renamed or deleted.
    actor_label = models.CharField(_("操作人（记录时）"), max_length=160, blank=True)
    hall = models.ForeignKey(
        Hall, verbose_name=_("议事厅"), null=True, blank=True, on_delete=models.SET_NULL
    )
    target = models.CharField(_("对象"), max_length=200, blank=True)
    detail = models.CharField(_("内容"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    superuser_acting = models.BooleanField(_("超级管理员操作他人内容"), default=False)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["hall", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.actor_label}"


class PrivacyAcceptance(models.Model):
    """A person accepted a version of the privacy notice （隐私说明），at a time (PIPL Art. 14)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="privacy_acceptances"
    )
    version = models.CharField(_("版本"), max_length=20)
    at = models.DateTimeField(_("同意时间"), default=timezone.now)

    class Meta:
        verbose_name = _("隐私说明同意记录")
        verbose_name_plural = _("隐私说明同意记录")
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="one_acceptance_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.version}"
