"""On a 390×844 phone the header shows the hall's name, the bell and 菜单；one tap on 菜单 shows
every link of the desktop header, large, the current page marked. At 320 px no main page scrolls
sideways."""

import pytest
from playwright.sync_api import expect

from deliberation.models import Meeting
from demo.community import DEMO_PASSWORD, seed_organisation
from demo.deliberation import seed as seed_deliberation
from demo.forum import seed as seed_forum
from forum.models import Proposal
from tests.e2e.conftest import log_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ITEMS = "#site-nav a:not(.menu-close), #site-nav button"


def visible_items(page) -> list[str]:
    return [
        " ".join(el.inner_text().split()) for el in page.locator(ITEMS).all() if el.is_visible()
    ]


def test_one_tap_on_the_menu_shows_every_link_of_the_desktop_header(
    server_url, browser, phone, csp_violations
):
    hall, users = seed_organisation()
    seed_forum(hall=hall, users=users)
    desk_ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    watch_csp(desk_ctx, csp_violations)
    desk = desk_ctx.new_page()
    log_in(desk, server_url, "huangxiufen", DEMO_PASSWORD)
    desk.goto(f"{server_url}/halls/{hall.slug}/meetings/")
    on_desk = visible_items(desk)
    expect(desk.locator("#menu-toggle")).to_be_hidden()
    desk_ctx.close()
    assert len(on_desk) >= 10 and any("看板" in t for t in on_desk), on_desk

    page = phone().new_page()
    log_in(page, server_url, "huangxiufen", DEMO_PASSWORD)
    page.goto(f"{server_url}/halls/{hall.slug}/meetings/")
    toggle = page.locator("#menu-toggle")
    expect(page.locator(".brand")).to_be_visible()
    expect(page.locator("header .bell")).to_be_visible()
    expect(page.locator("#site-nav")).to_be_hidden()
    assert visible_items(page) == []
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_attribute("aria-controls", "site-nav")

    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#site-nav")).to_be_visible()
    assert visible_items(page) == on_desk
    for el in page.locator(ITEMS).all():
        box = el.bounding_box()
        assert box["height"] >= 60 and box["width"] >= 300, (el.inner_text(), box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    current = page.locator("#site-nav [aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_contain_text("议事会议")
    # Marked visibly too: white on the menu's red.
    assert current.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 255)"

    # Escape closes it and gives the focus back to 菜单；关闭 closes it too.
    page.keyboard.press("Escape")
    expect(page.locator("#site-nav")).to_be_hidden()
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#site-nav")).to_be_visible()
    page.locator("#site-nav .menu-close").tap()
    expect(page.locator("#site-nav")).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    # Without JavaScript the same link opens the menu (#site-nav, :target).
    bare = phone(java_script_enabled=False).new_page()
    bare.goto(f"{server_url}/halls/{hall.slug}/proposals/")
    expect(bare.locator("#site-nav")).to_be_hidden()
    bare.locator("#menu-toggle").tap()
    expect(bare.locator("#site-nav")).to_be_visible()
    expect(bare.locator("#site-nav a:has-text('登录')")).to_be_visible()
    expect(bare.locator("#site-nav [aria-current=page]")).to_contain_text("议题")


def test_no_main_page_scrolls_sideways_at_320_px(server_url, phone):
    hall, users = seed_organisation()
    seed_forum(hall=hall, users=users)
    seed_deliberation(hall=hall, users=users)
    proposal = Proposal.objects.filter(hall=hall).exclude(state="draft").first()
    meeting = Meeting.objects.filter(hall=hall).first()
    page = phone(viewport={"width": 320, "height": 640}).new_page()
    log_in(page, server_url, "huangxiufen", DEMO_PASSWORD)
    wide = []
    for path in (
        "/",
        f"/halls/{hall.slug}/proposals/",
        f"/proposals/{proposal.pk}/",
        f"/halls/{hall.slug}/meetings/",
        f"/meetings/{meeting.pk}/",
        f"/halls/{hall.slug}/ballots/",
        f"/halls/{hall.slug}/tasks/",
        "/notifications/",
        "/me/memberships/",
    ):
        assert page.goto(server_url + path).ok, path
        page.wait_for_load_state("load")
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > 320:
            wide.append((path, width))
    assert not wide, wide
