"""On a phone: the author of a proposal that went all the way finds every step in 通知中心,
and the settings page offers texts as big switches that say 开/关."""

import pytest
from playwright.sync_api import expect

from tests.community.factories import PASSWORD
from tests.deliberation.story.factories import full_flow
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEPS = ["列入议程", "议事中", "已表决,结果:通过", "公示中", "落实中", "已办结"]


def test_the_author_sees_each_step_in_the_notification_centre(server_url, phone, hall):
    flow = full_flow(hall, close_evaluation=False)
    author = flow.people["author"]
    page = phone().new_page()
    log_in(page, server_url, author.username, PASSWORD)
    page.goto(f"{server_url}/notifications/")
    cards = page.locator(".notification")
    for step in STEPS:
        expect(cards.filter(has_text=f"状态变为:{step}").first).to_be_visible()
    expect(cards.filter(has_text="会议通知:「十月议事会」").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.click("text=通知设置")
    switch = page.locator("label.switch-sms").filter(has=page.locator("input[name=meeting__sms]"))
    expect(switch).to_contain_text("短信:开")
    switch.click()
    expect(switch).to_contain_text("短信:关")
