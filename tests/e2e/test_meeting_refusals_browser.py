"""Issue 13: a button the server would refuse is shown disabled, with the reason in words next
to it (from the snapshot); and a command the server did says so (the show of hands)."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from deliberation.meetings import services
from deliberation.meetings.commands import COMMANDS
from deliberation.models import Meeting
from demo.community import DEMO_PASSWORD, seed_organisation
from demo.deliberation import seed as seed_meetings
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _live(page):
    expect(page.locator("#meeting")).to_have_attribute("data-conn", "live")


def test_after_two_speeches_the_hand_buttons_are_disabled_with_the_reason(server_url, phone):
    hall, users = seed_organisation()
    seed_meetings(hall=hall, users=users)
    meeting = Meeting.objects.get(hall=hall)
    by_name = get_user_model().objects.in_bulk(["chenhong", "wangayi"], field_name="username")
    mod, wang = by_name["chenhong"], by_name["wangayi"]
    services.meeting_open(actor=mod, meeting=meeting)
    services.meeting_check_in(user=wang, meeting=meeting, token=meeting.checkin_token)
    services.meeting_open_item(actor=mod, meeting=meeting)
    room_url = f"{server_url}/meetings/{meeting.pk}/"

    page = phone().new_page()
    log_in(page, server_url, "wangayi", DEMO_PASSWORD)
    page.goto(room_url)
    _live(page)
    hand = page.locator("#m-hand")
    for_button = hand.locator("button", has_text="举手：赞成")
    expect(for_button).to_be_enabled()
    expect(hand.locator(".why")).to_be_hidden()

    # two speeches on the item (the floor given and ended by the moderator); written from this
    # process, whose frames do not reach the server's hub: the page is loaded again
    for stance in ("for", "against"):
        services.hand_raise(user=wang, meeting=meeting, stance=stance)
        services.floor_give(actor=mod, meeting=meeting)
        services.floor_end(actor=mod, meeting=meeting)
    page.reload()
    _live(page)

    why = hand.locator(".why")
    expect(why).to_have_text(
        "您在本项议程已发言 2 次，每人每项最多 2 次，不能再举手赞成或反对；秩序问题仍可举手。"
    )
    expect(for_button).to_be_disabled()
    expect(hand.locator("button", has_text="举手：反对")).to_be_disabled()
    expect(for_button).to_have_attribute("aria-describedby", "m-hand-why")
    order = hand.locator("button.stance-order")
    expect(order).to_be_enabled()  # points of order are not limited
    order.click()
    expect(hand).to_contain_text("您已举手")

    # 张奶奶 has not checked in: the buttons are there, disabled, and say why
    other = phone().new_page()
    log_in(other, server_url, "zhangnainai", DEMO_PASSWORD)
    other.goto(room_url)
    _live(other)
    expect(other.locator("#m-hand .why")).to_have_text(
        "请先签到（扫描会场的二维码，或请主持人代签），再举手发言。"
    )
    expect(other.locator("#m-hand button", has_text="举手：赞成")).to_be_disabled()
    expect(other.locator("#m-hand button.stance-order")).to_be_disabled()


def test_the_show_of_hands_entered_in_the_room_is_confirmed_in_words(server_url, phone):
    hall, users = seed_organisation()
    seed_meetings(hall=hall, users=users)
    meeting = Meeting.objects.get(hall=hall)
    mod = get_user_model().objects.get(username="chenhong")
    wang = get_user_model().objects.get(username="wangayi")
    services.meeting_open(actor=mod, meeting=meeting)
    services.meeting_check_in(user=wang, meeting=meeting, token=meeting.checkin_token)
    services.meeting_open_item(actor=mod, meeting=meeting)
    COMMANDS["ballot_open"](mod, meeting.pk, {})

    page = phone().new_page()
    log_in(page, server_url, "chenhong", DEMO_PASSWORD)
    page.goto(f"{server_url}/meetings/{meeting.pk}/")
    _live(page)
    form = page.locator("#m-hand-count")
    form.locator("input[name=for]").fill("1")
    form.locator("button[type=submit]").click()
    done = page.locator("#m-done")
    expect(done).to_have_text("✓ 现场举手计票已录入：1 人举手表决。可重新录入以更正。")
    expect(done).to_have_attribute("role", "status")
    expect(done).to_be_visible()
