"""Phone-number accounts (issue 12, 1): sign up and sign in with a text-message code, the limits
on codes, adding a number to an account, a new password by phone or by e-mail, e-mail checks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from community import sms
from community.models import ApiToken, AuditEntry, PhoneCode, User
from tests.community.factories import PASSWORD, BrowserClient, UserFactory, client_for

pytestmark = pytest.mark.django_db

PHONE = "13800138000"


@pytest.fixture(autouse=True)
def texts(settings):
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def last_code(phone: str = PHONE) -> str:
    for message in reversed(sms.outbox):
        if message.to == phone:
            return re.search(r"\d{6}", message.text).group()
    raise AssertionError(f"no text to {phone}")


def send_code(c, phone=PHONE, url="/accounts/phone/", **extra):
    return c.post(url, {"phone": phone, "action": "send", **extra})


def sign_in(c, code, phone=PHONE, url="/accounts/phone/", **extra):
    return c.post(url, {"phone": phone, "code": code, "action": "login", **extra})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_the_sign_in_page_offers_the_phone_code_first():
    page = BrowserClient().get("/accounts/login/").content.decode()
    assert page.index("手机验证码登录") < page.index("用账号和密码登录")
    assert 'inputmode="numeric"' in page and "获取验证码" in page
    assert "忘记密码" in page


def test_a_new_resident_registers_by_phone_and_is_asked_her_name_once():
    c = BrowserClient()
    page = send_code(c, "138 0013 8000")  # spaces as people type them
    text = page.content.decode()
    assert page.status_code == 200 and "验证码发送到 <strong>138****8000" in text
    assert sms.outbox[-1].to == PHONE and "5 分钟内有效" in sms.outbox[-1].text
    assert PhoneCode.objects.get().code_hash != last_code()  # only a keyed hash is kept
    assert last_code() not in PhoneCode.objects.get().code_hash
    response = sign_in(c, last_code())
    assert response.status_code == 302 and response["Location"] == reverse("welcome")
    user = User.objects.get(phone=PHONE)
    assert user.phone_verified_at and not user.has_usable_password() and not user.display_name
    assert PHONE not in user.username  # the sign-in name others may see says nothing of the number
    welcome = c.get(reverse("welcome")).content.decode()
    assert "欢迎来到芳华议事厅" in welcome
    done = c.post(reverse("welcome"), {"display_name": "周阿姨", "accept_privacy": "on"})
    assert done.status_code == 302 and done["Location"] == reverse("home")
    user.refresh_from_db()
    assert user.display_name == "周阿姨" and user.privacy_version
    # Signing in again goes home: the name is asked only once.
    c.post("/accounts/logout/")
    PhoneCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    send_code(c)
    again = sign_in(c, last_code())
    assert again["Location"] == reverse("home")
    assert User.objects.filter(phone=PHONE).count() == 1


def test_five_wrong_codes_void_the_code_and_lock_the_number():
    c = BrowserClient()
    send_code(c)
    code = last_code()
    first = sign_in(c, wrong(code))
    assert first.status_code == 400 and "还可以再试 4 次" in first.content.decode()
    for _ in range(3):
        sign_in(c, wrong(code))
    fifth = sign_in(c, wrong(code))
    assert fifth.status_code == 429 and "暂时不能登录" in fifth.content.decode()
    assert PhoneCode.objects.get().attempts == 5
    # The right code is refused now, from another address too (the number is locked).
    late = sign_in(BrowserClient(REMOTE_ADDR="10.1.1.2"), code)
    assert late.status_code in (400, 429) and "_auth_user_id" not in c.session
    assert not User.objects.filter(phone=PHONE).exists()
    # The log names the number masked.
    targets = set(AuditEntry.objects.values_list("target", flat=True))
    assert "138****8000" in targets and PHONE not in targets


def test_a_code_expires_after_five_minutes():
    c = BrowserClient()
    send_code(c)
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = sign_in(c, last_code())
    assert response.status_code == 400 and "已过期" in response.content.decode()
    assert not User.objects.filter(phone=PHONE).exists()


def test_a_new_code_only_after_sixty_seconds():
    c = BrowserClient()
    send_code(c)
    again = send_code(c)
    assert again.status_code == 429
    text = again.content.decode()
    assert "秒后再重新获取" in text and 'data-countdown="' in text
    assert len(sms.outbox) == 1
    PhoneCode.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    assert send_code(c).status_code == 200 and len(sms.outbox) == 2
    # Only the newest code signs in.
    assert sign_in(c, last_code()).status_code == 302


def test_codes_per_number_and_per_address_are_limited(settings):
    settings.SMS_CODE_RESEND_SECONDS = 0
    settings.SMS_CODE_LIMIT_PER_PHONE_PER_HOUR = 3
    settings.SMS_CODE_LIMIT_PER_IP_PER_HOUR = 4
    c = BrowserClient()
    for _ in range(3):
        assert send_code(c).status_code == 200
    refused = send_code(c)
    assert refused.status_code == 429 and "一小时内已获取 3 次" in refused.content.decode()
    assert send_code(c, "13900139000").status_code == 429  # the address's fifth request
    assert "这个网络" in send_code(c, "13700137000").content.decode()
    assert len(sms.outbox) == 3
    assert send_code(BrowserClient(REMOTE_ADDR="10.1.1.9"), "13700137000").status_code == 200


def test_a_wrong_number_is_refused_with_a_clear_reason():
    response = send_code(BrowserClient(), "12345")
    assert response.status_code == 400 and "11 位中国大陆手机号" in response.content.decode()
    assert not sms.outbox


def test_password_accounts_keep_working_and_add_a_phone():
    user = UserFactory(username="wangayi")
    c = BrowserClient()
    assert (
        c.post("/accounts/login/", {"username": "wangayi", "password": PASSWORD}).status_code == 302
    )
    send_code(c, url="/me/phone/")
    response = c.post("/me/phone/", {"phone": PHONE, "code": last_code(), "action": "bind"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone == PHONE and user.phone_verified_at
    # Now the number signs her in, to the same account.
    other = BrowserClient()
    send_code(other)
    assert sign_in(other, last_code())["Location"] == reverse("home")
    assert int(other.session["_auth_user_id"]) == user.pk
    # Her own profile shows the whole number.
    assert PHONE in c.get("/me/profile/").content.decode()


def test_a_number_of_another_account_cannot_be_added():
    UserFactory(phone=PHONE, phone_verified_at=timezone.now())
    c = client_for(UserFactory())
    response = send_code(c, url="/me/phone/")
    assert "已绑定了另一个账号" in response.content.decode() and not sms.outbox


def test_a_code_for_another_purpose_does_not_sign_in():
    c = client_for(UserFactory())
    send_code(c, url="/me/phone/")
    bind_code = last_code()
    stranger = BrowserClient()
    assert sign_in(stranger, bind_code).status_code == 400


def test_forgot_password_by_phone():
    user = UserFactory(username="liujie", phone=PHONE, phone_verified_at=timezone.now())
    c = BrowserClient()
    assert "忘记密码" in c.get("/accounts/password/forgot/").content.decode()
    send_code(c, url="/accounts/password/forgot/")
    new = "a-fresh-long-secret-7"
    weak = c.post(
        "/accounts/password/forgot/",
        {"phone": PHONE, "code": last_code(), "new_password1": "123", "new_password2": "123"},
    )
    assert weak.status_code == 200 and "密码" in weak.content.decode()
    response = c.post(
        "/accounts/password/forgot/",
        {"phone": PHONE, "code": last_code(), "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302 and response["Location"] == reverse("login")
    user.refresh_from_db()
    assert user.check_password(new)


def test_forgot_password_for_an_unknown_number_sends_nothing_and_says_the_same():
    c = BrowserClient()
    response = send_code(c, url="/accounts/password/forgot/")
    assert response.status_code == 200 and "138****8000" in response.content.decode()
    assert not sms.outbox


def test_email_is_verified_by_a_signed_link_and_then_resets_the_password():
    user = UserFactory(username="chenhong", email="chen@example.com")
    c = client_for(user)
    # An unverified address gets no reset link.
    BrowserClient().post("/accounts/password/reset/", {"email": "chen@example.com"})
    assert not mail.outbox
    assert "未验证" in c.get("/me/profile/").content.decode()
    assert c.post("/me/email/verify/").status_code == 302
    link = re.search(r"http://testserver(/accounts/email/\S+/)", mail.outbox[0].body).group(1)
    confirm = c.get(link)
    assert confirm.status_code == 200 and "chen@example.com" in confirm.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is None  # opening the link changes nothing
    assert c.post(link).status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at
    assert "已验证" in c.get("/me/profile/").content.decode()
    # Now "forgot password" by e-mail works, in the site's layout and in Chinese.
    mail.outbox.clear()
    anon = BrowserClient()
    assert "用邮箱找回密码" in anon.get("/accounts/password/reset/").content.decode()
    sent = anon.post("/accounts/password/reset/", {"email": "chen@example.com"})
    assert sent.status_code == 302
    assert "请查收邮件" in anon.get(sent["Location"]).content.decode()
    body = mail.outbox[0].body
    assert "设置新密码" in body and "chenhong" in body
    reset = re.search(r"http://testserver(/accounts/password/reset/\S+/)", body).group(1)
    form = anon.get(reset, follow=True)
    assert "设置新密码" in form.content.decode()
    new = "another-long-secret-3"
    done = anon.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )
    assert "新密码已设置" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password(new)


def test_a_changed_email_needs_verifying_again_and_the_old_link_dies():
    user = UserFactory(email="a@example.com")
    c = client_for(user)
    c.post("/me/email/verify/")
    link = re.search(r"http://testserver(/accounts/email/\S+/)", mail.outbox[0].body).group(1)
    c.post("/me/profile/", {"display_name": user.display_name, "email": "b@example.com"})
    stale = c.get(link)
    assert stale.status_code == 400 and "链接作废" in stale.content.decode()


def test_api_sms_code_and_login_give_a_token():
    c = BrowserClient()
    sent = c.post("/api/v1/auth/sms-code", {"phone": PHONE}, content_type="application/json")
    assert sent.status_code == 200 and sent.json()["phone"] == "138****8000"
    assert sent.json()["resend_after"] == 60
    too_soon = c.post("/api/v1/auth/sms-code", {"phone": PHONE}, content_type="application/json")
    assert too_soon.status_code == 429 and int(too_soon["Retry-After"]) > 0
    bad = c.post("/api/v1/auth/sms-code", {"phone": "110"}, content_type="application/json")
    assert bad.status_code == 400 and "11 位" in bad.json()["detail"]
    wrong_code = c.post(
        "/api/v1/auth/sms-login",
        {"phone": PHONE, "code": wrong(last_code())},
        content_type="application/json",
    )
    assert wrong_code.status_code == 400 and "还可以再试 4 次" in wrong_code.json()["detail"]
    ok = c.post(
        "/api/v1/auth/sms-login",
        {"phone": PHONE, "code": last_code()},
        content_type="application/json",
    )
    body = ok.json()
    assert ok.status_code == 200 and body["created"] and body["display_name_needed"]
    me = BrowserClient().get("/api/v1/me", headers={"authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json()["id"] == body["user_id"]
    assert ApiToken.objects.filter(user_id=body["user_id"]).count() == 1


def test_api_wrong_codes_lock_with_429():
    c = BrowserClient()
    c.post("/api/v1/auth/sms-code", {"phone": PHONE}, content_type="application/json")
    code = last_code()
    answers = [
        c.post(
            "/api/v1/auth/sms-login",
            {"phone": PHONE, "code": wrong(code)},
            content_type="application/json",
        )
        for _ in range(5)
    ]
    assert [a.status_code for a in answers] == [400, 400, 400, 400, 429]
    assert "锁定" in answers[-1].json()["detail"]
    assert answers[-1]["Content-Type"].startswith("application/json")


def test_phone_numbers_are_masked():
    from community.accounts import mask_phone

    assert mask_phone(PHONE) == "138****8000"


def test_a_phone_account_without_a_password_can_delete_itself():
    c = BrowserClient()
    send_code(c)
    sign_in(c, last_code())
    user = User.objects.get(phone=PHONE)
    page = c.get("/me/delete/").content.decode()
    assert "请输入“注销”两个字确认" in page
    assert c.post("/me/delete/", {"password": "不要"}).status_code == 200
    assert User.objects.get(pk=user.pk).is_active
    assert c.post("/me/delete/", {"password": "注销"}).status_code == 302
    gone = User.objects.get(pk=user.pk)
    assert not gone.is_active and gone.phone == "" and gone.phone_verified_at is None


def test_the_register_page_points_to_phone_sign_up():
    page = BrowserClient().get("/accounts/register/").content.decode()
    assert "用手机号和短信验证码注册" in page


def test_the_admin_cannot_set_a_number_that_signs_in():
    from community.admin import UserAdmin

    assert {"phone", "phone_verified_at"} <= set(UserAdmin.readonly_fields)
