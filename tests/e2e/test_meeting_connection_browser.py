"""The meeting room never misrepresents its connection (issue 13, point 3).

One participant's network is frozen (Chromium's own offline emulation, over CDP): within 10 s a
banner at the bottom of the screen says so, the hand buttons are disabled, and the hand she
raised just as the network froze is reported as waiting; when the network returns, the hand is
raised exactly once and she is told so.
"""

import pytest
from playwright.sync_api import expect

from deliberation.models import Speech
from demo.community import DEMO_PASSWORD
from tests.e2e.conftest import log_in
from tests.e2e.test_meeting_room import _demo_meeting, _live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _network(cdp, offline: bool) -> None:
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def test_a_frozen_network_is_shown_and_the_hand_is_raised_once_when_it_returns(server_url, phone):
    meeting = _demo_meeting()
    room_url = f"{server_url}/meetings/{meeting.pk}/"
    mod = phone().new_page()
    log_in(mod, server_url, "chenhong", DEMO_PASSWORD)
    mod.goto(room_url)
    _live(mod)
    mod.locator("#m-controls button", has_text="宣布开会").click()
    mod.select_option("#m-manual-user", label="张奶奶")
    mod.locator("#m-manual button").click()
    mod.locator("#m-controls button", has_text="下一项议程").click()
    expect(mod.locator("#m-current")).to_contain_text("第1项")

    zctx = phone()
    zhang = zctx.new_page()
    log_in(zhang, server_url, "zhangnainai", DEMO_PASSWORD)
    zhang.goto(room_url)
    _live(zhang)
    expect(zhang.locator("#m-conn")).to_have_text("实时")
    banner = zhang.locator("#m-conn-banner")
    expect(banner).to_be_hidden()
    hand = zhang.locator("#m-hand button", has_text="举手：赞成")
    expect(hand).to_be_enabled()

    # the network freezes just as she taps 举手：the tap cannot reach the server
    cdp = zctx.new_cdp_session(zhang)
    cdp.send("Network.enable")
    _network(cdp, offline=True)
    hand.click()

    # within 10 s: the banner at the bottom says so, the status is no longer "实时", the hand
    # buttons are disabled and the banner says her hand is waiting to be sent again
    expect(banner).to_be_visible(timeout=10_000)
    expect(banner).to_contain_text("连接不稳定")
    expect(zhang.locator("#m-conn")).not_to_have_text("实时")
    expect(banner).to_have_attribute("aria-live", "polite")
    assert banner.evaluate("b => getComputedStyle(b).position") == "fixed"
    box, view = banner.bounding_box(), zhang.viewport_size
    assert box["y"] + box["height"] >= view["height"] - 1  # at the bottom of the screen
    expect(banner).to_contain_text("您刚才的举手还没有得到回应")
    expect(hand).to_be_disabled()
    expect(banner).to_contain_text("已断开，正在重连…", timeout=20_000)
    assert not Speech.objects.filter(meeting=meeting).exists()
    expect(mod.locator("#m-queue")).not_to_contain_text("张奶奶")

    # the network returns: the room reconnects, the hand is raised once, and she is told
    _network(cdp, offline=False)
    expect(banner).to_contain_text("您刚才的举手已经成功。", timeout=40_000)
    expect(zhang.locator("#m-conn")).to_have_text("实时")
    expect(zhang.locator("#m-hand")).to_contain_text("您已举手")
    expect(mod.locator("#m-queue li", has_text="张奶奶")).to_have_count(1)
    assert Speech.objects.filter(meeting=meeting).count() == 1
