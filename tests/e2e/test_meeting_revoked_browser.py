"""Closed with 4403 while in the meeting room: the page says why and does not reconnect-loop."""

import pytest
from playwright.sync_api import expect

from demo.community import DEMO_PASSWORD
from tests.e2e.conftest import log_in
from tests.e2e.test_meeting_room import _demo_meeting, _live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_whose_account_is_deleted_is_told_why_the_room_closed(server_url, phone):
    meeting = _demo_meeting()
    ctx = phone()
    room = ctx.new_page()
    log_in(room, server_url, "zhangnainai", DEMO_PASSWORD)
    sockets: list[str] = []
    room.on("websocket", lambda ws: sockets.append(ws.url))
    room.goto(f"{server_url}/meetings/{meeting.pk}/")
    _live(room)

    # in another tab, she deletes her account: the room's socket is closed at once
    other = ctx.new_page()
    other.goto(f"{server_url}/me/delete/")
    other.fill("input[name=password]", DEMO_PASSWORD)
    other.locator("button", has_text="确认注销我的账户").click()
    other.wait_for_url(f"{server_url}/")

    expect(room.locator("#meeting")).to_have_attribute("data-conn", "forbidden")
    notice = room.locator("#m-closed")
    expect(notice).to_contain_text("您的账户已注销或已停用，连接已关闭。")
    expect(notice).to_contain_text("页面不会自动重新连接")
    expect(room.locator("#m-conn")).to_have_text("已断开，无权进入")
    room.wait_for_timeout(2500)  # longer than the first reconnect delays (0.5–1.5 s, 1–3 s)
    assert [u for u in sockets if "/ws/meetings/" in u] == [
        f"{server_url.replace('http', 'ws')}/ws/meetings/{meeting.pk}/"
    ]
    expect(room.locator("#meeting")).to_have_attribute("data-conn", "forbidden")
