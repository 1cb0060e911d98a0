"""A new resident registers by phone and text-message code on her phone, is welcomed, goes home."""

import json
import re

import pytest
from playwright.sync_api import expect

from community.models import User
from demo.community import seed_organisation
from tests.e2e.conftest import SMS_FILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NUMBER = "13612345678"


def code_sent_to(phone: str) -> str:
    lines = [json.loads(x) for x in SMS_FILE.read_text(encoding="utf-8").splitlines()]
    texts = [x["text"] for x in lines if x["to"] == phone]
    return re.search(r"\d{6}", texts[-1]).group()


def test_a_new_resident_registers_by_phone_and_code(server_url, phone):
    seed_organisation()
    page = phone().new_page()
    page.goto(server_url + "/accounts/login/")
    number = page.locator("input[name=phone]")
    assert number.get_attribute("inputmode") == "numeric"
    number.fill("136 1234 5678")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator(".code-sent")).to_contain_text("136****5678")
    # The resend button counts down and cannot be pressed yet.
    resend = page.locator("form.resend button")
    expect(resend).to_be_disabled()
    expect(resend).to_contain_text("秒后可重新获取")
    page.fill("input[name=code]", code_sent_to(NUMBER))
    page.get_by_role("button", name="登录").first.click()
    page.wait_for_url(server_url + "/accounts/welcome/")
    expect(page.locator("h1")).to_contain_text("欢迎来到芳华议事厅")
    page.fill("input[name=display_name]", "周阿姨")
    page.check("input[name=accept_privacy]")
    page.get_by_role("button", name="好了，进入议事厅").click()
    page.wait_for_url(server_url + "/")
    expect(page.locator(".messages")).to_contain_text("周阿姨，欢迎您")
    expect(page.locator("header nav")).to_contain_text("周阿姨")
    user = User.objects.get(phone=NUMBER)
    assert user.display_name == "周阿姨" and user.phone_verified_at
