"""On her phone, a new resident registers with her number and a text-message code, asks to join
the hall; the head is told in her 通知中心 and approves on the members page; the resident is told."""

import pytest
from playwright.sync_api import expect

from community.models import Membership, MembershipStatus
from community.roles import Role
from demo.community import seed_organisation
from tests.community.factories import PASSWORD, member
from tests.e2e.conftest import log_in
from tests.e2e.test_phone_browser import code_sent_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NUMBER = "13787654321"


def open_notification_centre(page):
    # On a phone the bell beside 菜单；on a wider screen the 通知 link.
    page.locator("header a.bell:visible, header a.notif-link:visible").first.click()
    expect(page.locator("h1")).to_contain_text("通知中心")


def test_a_resident_joins_by_phone_and_both_sides_are_told(server_url, phone):
    hall, _people = seed_organisation()
    head = member(hall, Role.HEAD, username="e2e_head", display_name="何主任")

    # The resident: number, code, name — then the home page offers to join.
    resident = phone().new_page()
    resident.goto(server_url + "/accounts/login/")
    resident.fill("input[name=phone]", NUMBER)
    resident.get_by_role("button", name="获取验证码").click()
    expect(resident.locator(".code-sent")).to_contain_text("137****4321")
    resident.fill("input[name=code]", code_sent_to(NUMBER))
    resident.get_by_role("button", name="登录").first.click()
    resident.wait_for_url(server_url + "/accounts/welcome/")
    resident.fill("input[name=display_name]", "宋阿姨")
    resident.check("input[name=accept_privacy]")
    resident.get_by_role("button", name="好了，进入议事厅").click()
    resident.wait_for_url(server_url + "/")
    resident.fill(".join-form textarea[name=message]", "我住在3栋，想参加议事。")
    resident.get_by_role("button", name="申请加入议事厅").click()
    expect(resident.locator(".messages")).to_contain_text("申请已提交")
    expect(resident.locator(".hero")).to_contain_text("加入申请审核中")

    # The head, in her own browser: the bell rings，通知中心 names the applicant, she approves.
    desk = phone().new_page()
    log_in(desk, server_url, head.username, PASSWORD)
    expect(desk.locator("header .notif-count")).to_have_text("1")
    open_notification_centre(desk)
    told = desk.locator(".notification").filter(has_text="宋阿姨 申请加入「芳华议事厅」，请审核。")
    expect(told).to_be_visible()
    told.get_by_role("button", name="查看").click()
    desk.wait_for_url(server_url + f"/halls/{hall.slug}/members/")
    application = desk.locator(".row-card").filter(has_text="宋阿姨")
    expect(application).to_contain_text("我住在3栋，想参加议事。")
    application.get_by_role("button", name="批准").click()
    expect(desk.locator(".messages")).to_contain_text("已批准 宋阿姨 加入。")
    expect(desk.get_by_text("没有待审核的申请。")).to_be_visible()

    # The resident is told: her bell and her 通知中心；the hall greets her as a member.
    resident.goto(server_url + "/")
    expect(resident.locator("header .notif-count")).to_have_text("1")
    expect(resident.locator(".hero")).to_contain_text("您是本厅成员")
    open_notification_centre(resident)
    expect(
        resident.locator(".notification").filter(
            has_text="您加入「芳华议事厅」的申请已获批准，欢迎您！"
        )
    ).to_be_visible()
    assert Membership.objects.get(user__phone=NUMBER, hall=hall).status == MembershipStatus.ACTIVE
