"""Phone-number and e-mail accounts: codes by text message, sign-in by code, verified addresses.

A code (6 digits) is sent for one purpose — sign in (an account is made for a new number), add a
number to one's account, or set a new password — and only its keyed hash is stored (`PhoneCode`).
It is valid `SMS_CODE_TTL_SECONDS`, allows `SMS_CODE_MAX_ATTEMPTS` wrong tries, and a new one
comes at the earliest after `SMS_CODE_RESEND_SECONDS`; per number and per client address at most
`SMS_CODE_LIMIT_PER_PHONE_PER_HOUR` / `SMS_CODE_LIMIT_PER_IP_PER_HOUR` codes are sent in a clock
hour (counted in Django's cache, like the sign-up throttle). Signing in by code goes through
Django's `authenticate` (`PhoneCodeBackend`), so django-axes counts wrong codes as it counts wrong
passwords and locks the number and the address out alike. docs/accounts.md tells the flows.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from community import sms, throttle
from community.audit import audit_record, client_ip
from community.models import AuditAction, CodePurpose, PhoneCode, User

PHONE = re.compile(r"1[3-9][0-9]{9}")  # ASCII digits: "\d" takes every script's
CODE = re.compile(r"[0-9]{6}")
EMAIL_SALT = "fanghua.email-verify"


class CodeThrottled(Exception):
    """A code asked for too soon or too often; `message` says when to try again."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class SignInLocked(Exception):
    """django-axes refused: too many wrong codes or passwords for this number or address."""


@dataclass
class CodeSent:
    phone: str
    resend_after: int
    expires_in: int


# --- phone numbers --------------------------------------------------------------------------


def normalize_phone(raw: str) -> str:
    """A mainland mobile number as 11 digits (spaces, dashes and +86 dropped), or ValidationError."""
    value = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", raw or ""))
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    if len(value) == 13 and value.startswith("86"):
        value = value[2:]
    if not PHONE.fullmatch(value):
        raise ValidationError(
            {"phone": [_("请输入 11 位中国大陆手机号，例如 13800138000。")]}, code="phone"
        )
    return value


def mask_phone(phone: str) -> str:
    """138****8000: what others (and logs) may see of a number (PIPL)."""
    if not phone:
        return ""
    if len(phone) >= 11:
        return phone[:3] + "****" + phone[-4:]
    return phone[:2] + "****" + phone[-2:] if len(phone) > 4 else "****"


def account_of_phone(phone: str) -> User | None:
    return User.objects.filter(phone=phone, phone_verified_at__isnull=False).first()


# --- codes ----------------------------------------------------------------------------------


def hash_code(phone: str, purpose: str, code: str) -> str:
    # Keyed with SECRET_KEY: a million codes are quickly tried against a plain hash.
    return salted_hmac(
        "fanghua.sms-code", f"{phone}:{purpose}:{code}", algorithm="sha256"
    ).hexdigest()


def _limits(phone: str, ip: str | None) -> None:
    checks = [
        (
            f"sms:addr:{ip or 'unknown'}",
            settings.SMS_CODE_LIMIT_PER_IP_PER_HOUR,
            _("这个网络一小时内获取验证码的次数太多了，请 %(m)d 分钟后再试。"),
        ),
        (
            f"sms:phone:{phone}",
            settings.SMS_CODE_LIMIT_PER_PHONE_PER_HOUR,
            _("这个手机号一小时内已获取 %(n)d 次验证码，请 %(m)d 分钟后再试。"),
        ),
    ]
    for key, limit, message in checks:
        if limit <= 0:
            continue
        n, left = throttle.hour_count(key)
        if n > limit:
            minutes = max(1, -(-left // 60))
            raise CodeThrottled(message % {"n": limit, "m": minutes}, left)


def code_request(
    *, phone: str, purpose: str, ip: str | None = None, user: User | None = None
) -> CodeSent:
    """Send a code for `purpose` to `phone` by text message; raises ValidationError, CodeThrottled
    or sms.SmsError with a reason a person can read."""
    phone = normalize_phone(phone)
    ttl = settings.SMS_CODE_TTL_SECONDS
    resend = settings.SMS_CODE_RESEND_SECONDS
    if purpose == CodePurpose.BIND:
        if user is None or not user.is_authenticated:
            raise ValidationError(_("请先登录。"))
        if user.phone == phone and user.phone_verified_at:
            raise ValidationError({"phone": [_("这已经是您账号绑定的手机号。")]})
        owner = account_of_phone(phone)
        if owner is not None and owner.pk != user.pk:
            raise ValidationError(
                {
                    "phone": [
                        _(
                            "这个手机号已绑定了另一个账号。如是您本人的，请用手机验证码登录那个账号。"
                        )
                    ]
                }
            )
    now = timezone.now()
    last = PhoneCode.objects.filter(phone=phone, purpose=purpose).order_by("-created_at").first()
    if last is not None and (now - last.created_at).total_seconds() < resend:
        wait = max(1, int(resend - (now - last.created_at).total_seconds()))
        raise CodeThrottled(_("验证码刚刚发过，请 %(s)d 秒后再重新获取。") % {"s": wait}, wait)
    _limits(phone, ip)
    if purpose == CodePurpose.RESET and account_of_phone(phone) is None:
        # No account has this number: nothing is sent, and the answer is the same (whether a
        # number has an account is nobody else's business).
        return CodeSent(phone=phone, resend_after=resend, expires_in=ttl)
    code = f"{secrets.randbelow(10**6):06d}"
    record = PhoneCode.objects.create(
        phone=phone,
        purpose=purpose,
        user=user if purpose == CodePurpose.BIND else None,
        code_hash=hash_code(phone, purpose, code),
        created_at=now,
        expires_at=now + timedelta(seconds=ttl),
    )
    text = _("您的验证码是 %(code)s,%(m)d 分钟内有效。工作人员不会向您索要验证码，请勿告诉他人。")
    try:
        sms.send_text(
            phone,
            text % {"code": code, "m": max(1, ttl // 60)},
            template=settings.SMS_TEMPLATE_CODE,
            params={"code": code},
        )
    except sms.SmsError:
        record.delete()  # not sent: the next try may come at once
        raise
    return CodeSent(phone=phone, resend_after=resend, expires_in=ttl)


def seconds_until_resend(*, phone: str, purpose: str) -> int:
    """How long the "重新获取" button still waits (0: a new code may be asked for now)."""
    last = PhoneCode.objects.filter(phone=phone, purpose=purpose).order_by("-created_at").first()
    if last is None:
        return 0
    passed = (timezone.now() - last.created_at).total_seconds()
    return max(0, int(settings.SMS_CODE_RESEND_SECONDS - passed))


def code_check(*, phone: str, purpose: str, code: str, user: User | None = None) -> PhoneCode:
    """Use the code sent to `phone` for `purpose`; ValidationError (on `code`) says what is wrong.

    A wrong try is counted at once (outside any transaction of the caller's that would undo it)."""
    code = re.sub(r"\s", "", unicodedata.normalize("NFKC", code or ""))
    if not CODE.fullmatch(code):
        raise ValidationError({"code": [_("验证码是短信里的 6 位数字。")]})
    now = timezone.now()
    found = PhoneCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True)
    if purpose == CodePurpose.BIND:
        found = found.filter(user=user)
    record = found.order_by("-created_at").first()
    if record is None or record.expires_at <= now:
        raise ValidationError({"code": [_("验证码已过期或还没有获取，请点“获取验证码”再发一次。")]})
    limit = settings.SMS_CODE_MAX_ATTEMPTS
    if record.attempts >= limit:
        raise ValidationError({"code": [_("验证码输错次数太多，已经作废。请重新获取验证码。")]})
    if not constant_time_compare(hash_code(phone, purpose, code), record.code_hash):
        PhoneCode.objects.filter(pk=record.pk).update(attempts=F("attempts") + 1)
        left = limit - record.attempts - 1
        if left <= 0:
            raise ValidationError({"code": [_("验证码输错次数太多，已经作废。请重新获取验证码。")]})
        raise ValidationError({"code": [_("验证码不正确，还可以再试 %(n)d 次。") % {"n": left}]})
    if not PhoneCode.objects.filter(pk=record.pk, used_at__isnull=True).update(used_at=now):
        raise ValidationError({"code": [_("这个验证码已经用过了，请重新获取。")]})
    return record


# --- signing in by code ---------------------------------------------------------------------


def _new_username() -> str:
    while True:
        name = f"u{secrets.token_hex(5)}"
        if not User.objects.filter(username=name).exists():
            return name


@transaction.atomic
def user_register_by_phone(*, phone: str) -> User:
    """An account for a verified number: a generated sign-in name, no password, no name yet."""
    user = User(
        username=_new_username(), display_name="", phone=phone, phone_verified_at=timezone.now()
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same number signed up a moment ago in another request
        return User.objects.get(phone=phone, phone_verified_at__isnull=False)
    return user


class PhoneCodeBackend(BaseBackend):
    """Django authentication by `phone` and `code` (a sign-in code), making the account of a new
    number (as Django's RemoteUserBackend makes unknown users). Why a try failed is left on the
    request (`phone_code_error`) for the page to show."""

    def authenticate(self, request, phone=None, code=None, **kwargs):
        if phone is None or code is None:
            return None
        try:
            phone = normalize_phone(phone)
            code_check(phone=phone, purpose=CodePurpose.SIGN_IN, code=code)
        except ValidationError as exc:
            if request is not None:
                request.phone_code_error = exc.messages[0]
            return None
        user = account_of_phone(phone)
        if user is None:
            user = user_register_by_phone(phone=phone)
            if request is not None:
                request.phone_account_created = True
        if not user.is_active:
            if request is not None:
                request.phone_code_error = _("这个账号已停用。")
            return None
        return user

    def get_user(self, user_id):
        user = User.objects.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None


@dataclass
class SignIn:
    user: User
    created: bool


def phone_sign_in(*, request, phone: str, code: str) -> SignIn:
    """Check the code through Django's authentication (and django-axes): the account of the
    number, made on its first sign-in. Raises ValidationError, SignInLocked or
    throttle.RegistrationThrottled (a new account over the sign-up limit)."""
    phone = normalize_phone(phone)
    place = None
    if account_of_phone(phone) is None:
        place = throttle.reserve(client_ip(request))
    user = authenticate(request, username=phone, phone=phone, code=code)
    created = bool(getattr(request, "phone_account_created", False))
    if place is not None and not created:
        throttle.release(place)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise SignInLocked()
        message = getattr(request, "phone_code_error", "") or _("验证码不正确。")
        raise ValidationError({"code": [message]})
    return SignIn(user=user, created=created)


# --- adding a number, new password by code --------------------------------------------------


def phone_bind(*, user: User, phone: str, code: str, request=None) -> User:
    """Add (or change) the account's number once the code sent to it is given back."""
    phone = normalize_phone(phone)
    code_check(phone=phone, purpose=CodePurpose.BIND, code=code, user=user)
    with transaction.atomic():
        owner = account_of_phone(phone)
        if owner is not None and owner.pk != user.pk:
            raise ValidationError({"phone": [_("这个手机号已绑定了另一个账号。")]})
        user.phone, user.phone_verified_at = phone, timezone.now()
        try:
            with transaction.atomic():
                user.save(update_fields=["phone", "phone_verified_at"])
        except IntegrityError:
            raise ValidationError({"phone": [_("这个手机号已绑定了另一个账号。")]}) from None
        audit_record(
            action=AuditAction.ACCOUNT,
            actor=user,
            target=mask_phone(phone),
            detail=_("绑定手机号"),
            request=request,
        )
    return user


def password_reset_by_phone(*, phone: str, code: str, password: str, request=None) -> User:
    """Set a new password for the account of a verified number, with a code sent to it."""
    phone = normalize_phone(phone)
    user = account_of_phone(phone)
    if user is not None:
        validate_password(password, user)  # before the code is used: a weak password costs none
    code_check(phone=phone, purpose=CodePurpose.RESET, code=code)
    if user is None:  # cannot happen (no code is sent to a number without an account)
        raise ValidationError({"phone": [_("这个手机号没有绑定账号。")]})
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(
            action=AuditAction.ACCOUNT,
            actor=user,
            target=mask_phone(phone),
            detail=_("用手机验证码重设密码"),
            request=request,
        )
    return user


# --- e-mail ---------------------------------------------------------------------------------


def email_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=EMAIL_SALT, compress=True)


def email_verification_send(*, user: User, link_for) -> None:
    """Mail a signed link to the account's address; `link_for(token)` makes its absolute URL."""
    if not user.email:
        raise ValidationError(_("请先在资料里填写电子邮箱。"))
    if user.email_verified_at:
        raise ValidationError(_("这个邮箱已经验证过了。"))
    n, left = throttle.hour_count(f"email-verify:{user.pk}")
    if n > 5:
        raise CodeThrottled(
            _("验证邮件发得太多了，请 %(m)d 分钟后再试。") % {"m": max(1, -(-left // 60))}, left
        )
    link = link_for(email_token(user))
    body = _(
        "%(name)s，您好：\n\n请打开下面的链接，确认这是您在芳华议事厅使用的邮箱（%(days)d 天内有效）：\n\n"
        "%(link)s\n\n如果不是您本人操作，请忽略这封邮件。"
    ) % {
        "name": user.display_name or user.username,
        "days": settings.EMAIL_VERIFY_DAYS,
        "link": link,
    }
    send_mail(_("芳华议事厅：请确认您的邮箱"), body, None, [user.email])


def email_token_user(token: str) -> tuple[User, str]:
    """The account and address a link names, or ValidationError (expired, changed, broken)."""
    try:
        data = signing.loads(token, salt=EMAIL_SALT, max_age=settings.EMAIL_VERIFY_DAYS * 86400)
    except signing.SignatureExpired:
        raise ValidationError(_("这个链接已过期，请回到“我的资料”重新发送验证邮件。")) from None
    except signing.BadSignature:
        raise ValidationError(_("这个链接不完整或无效，请从邮件中完整复制。")) from None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or user.email != data.get("e"):
        raise ValidationError(_("这个邮箱已经更改，链接作废。请重新发送验证邮件。"))
    return user, data["e"]


@transaction.atomic
def email_verify(*, token: str) -> User:
    """Mark the address a link names as verified."""
    user, email = email_token_user(token)
    User.objects.filter(pk=user.pk, email=email).update(email_verified_at=timezone.now())
    user.refresh_from_db()
    return user
