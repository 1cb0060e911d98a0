"""A resident on a phone opens the hall, reads it in large type, registers and asks to join; a
member sees what needs her first （待我处理）."""

import pytest
from playwright.sync_api import expect

from community.models import Membership, MembershipStatus
from demo.community import DEMO_PASSWORD, seed_organisation
from tests.deliberation.votes.factories import make_ballot
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_on_a_phone(server_url, phone):
    seed_organisation()
    page = phone().new_page()
    page.goto(server_url + "/")
    assert page.locator("h1").first.inner_text() == "芳华议事厅"
    brands = page.locator(".brand-card strong").all_inner_texts()
    assert brands == ["党建阵地", "爱聚乐园", "花满名苑", "情暖夕阳", "最美楼道"]
    font_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_px >= 16
    # no horizontal scrolling on a 390px-wide phone
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # the stylesheet is served by the app itself
    css = page.request.get(server_url + "/static/css/app.css")
    assert css.ok


def test_register_and_ask_to_join_then_head_approves(server_url, phone):
    seed_organisation()
    page = phone().new_page()
    page.goto(server_url + "/accounts/register/")
    page.fill("input[name=username]", "meiling")
    page.fill("input[name=display_name]", "美玲")
    page.select_option("select[name=building]", label="3栋")
    page.fill("input[name=password1]", "mingyuan-huakai-2024")
    page.fill("input[name=password2]", "mingyuan-huakai-2024")
    page.check("input[name=accept_privacy]")
    page.click("form button[type=submit].primary")
    page.wait_for_url(server_url + "/")
    page.fill("textarea[name=message]", "我是3栋新住户")
    page.click("button:has-text('申请加入议事厅')")
    page.wait_for_selector("text=加入申请审核中")

    head = phone().new_page()
    log_in(head, server_url, "huangxiufen", DEMO_PASSWORD)
    head.goto(server_url + "/halls/fanghua/members/")
    card = head.locator(".row-card", has_text="美玲")
    card.locator("button", has_text="批准").click()
    head.wait_for_selector("text=已批准")
    assert Membership.objects.get(user__username="meiling").status == MembershipStatus.ACTIVE


def test_a_member_sees_what_needs_her_first_and_goes_to_vote(server_url, phone):
    hall, users = seed_organisation()
    make_ballot(hall, users["chenhong"], title="本月「最美楼道」评选")
    page = phone().new_page()
    log_in(page, server_url, "zhangnainai", DEMO_PASSWORD)
    page.goto(server_url + "/")
    section = page.locator("section.needs")
    expect(section.locator("h2")).to_contain_text("待我处理")
    card = section.locator(".need").first
    expect(card).to_contain_text("请投票：本月「最美楼道」评选")
    expect(card.locator(".need-when")).to_contain_text("明天截止")
    # Large type and one big button, above the hall's own news, with no sideways scrolling.
    title_px = card.locator(".need-title").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert title_px >= 20
    button = card.locator("a.need-action")
    assert button.bounding_box()["height"] >= 56
    assert section.bounding_box()["y"] < page.locator("section.hero").bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    button.click()
    expect(page.locator("h1")).to_contain_text("本月「最美楼道」评选")
