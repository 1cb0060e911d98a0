"""On a phone: one proposal from posting to evaluation. The author and a seconder each find every
step in 通知中心，a member who took no part in it finds the meeting notice and the day-before reminder
(sent by the morning's `send_reminders`), and the settings page offers big switches that say 开/关.

The steps go through the services (fast); only the checks need the browser."""

import io
from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from tests.community.factories import PASSWORD
from tests.deliberation.story.factories import full_flow
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The texts notify uses for each move：议题「…」状态变为：<step>.
STEPS = ["列入议程", "议事中", "已表决，结果：通过", "公示中", "落实中", "已办结", "已评议"]
MEETING = "会议通知：「十月议事会」定于"
REMINDER = "开会提醒：明天"


def notification_centre(ctx, server_url, username):
    page = ctx.new_page()
    log_in(page, server_url, username, PASSWORD)
    # On a phone the bell beside 菜单；on a wider screen the 通知 link.
    page.locator("header a.bell:visible, header a.notif-link:visible").first.click()
    expect(page.locator("h1")).to_contain_text("通知中心")
    return page, page.locator(".notification")


def test_author_and_seconder_see_every_step_and_a_member_the_meeting_and_its_reminder(
    server_url, phone, hall
):
    today = timezone.localdate()
    starts = timezone.make_aware(datetime.combine(today + timedelta(days=2), time(19, 0)))
    morning_before = timezone.make_aware(datetime.combine(today + timedelta(days=1), time(9, 0)))

    def morning_cron(meeting):
        out = io.StringIO()
        call_command("send_reminders", now=morning_before, stdout=out)
        assert "开会提醒" in out.getvalue()

    flow = full_flow(hall, starts_at=starts, before_opening=morning_cron)
    assert flow.proposal.state == "archived"
    title = flow.proposal.title

    for who in ("author", "wang"):  # 王阿姨 seconded the proposal
        page, cards = notification_centre(phone(), server_url, flow.people[who].username)
        for step in STEPS:
            expect(cards.filter(has_text=f"议题「{title}」状态变为：{step}").first).to_be_visible()
        expect(cards.filter(has_text="的实施结果已公开，欢迎在").first).to_be_visible()
        expect(cards.filter(has_text=MEETING)).to_have_count(1)
        expect(cards.filter(has_text=REMINDER)).to_have_count(1)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # 林芳，the recorder, took no part in the proposal: the meeting and its reminder only.
    page, cards = notification_centre(phone(), server_url, flow.people["recorder"].username)
    expect(cards.filter(has_text=MEETING)).to_contain_text("妇女微家活动室")
    expect(cards.filter(has_text=REMINDER)).to_contain_text("「十月议事会」在妇女微家活动室召开")
    expect(cards.filter(has_text="状态变为")).to_have_count(0)
    expect(cards).to_have_count(2)

    page.click("text=通知设置")
    switch = page.locator("label.switch-sms").filter(has=page.locator("input[name=meeting__sms]"))
    expect(switch).to_contain_text("短信：开")
    switch.click()
    expect(switch).to_contain_text("短信：关")
