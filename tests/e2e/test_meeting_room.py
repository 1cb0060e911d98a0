"""A moderator and two residents in three browsers: check in, raise hands, floor, next item."""

import re

import pytest
from playwright.sync_api import expect

from deliberation.models import CheckIn, Meeting
from demo.community import DEMO_PASSWORD, seed_organisation
from demo.deliberation import seed as seed_meetings
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _demo_meeting() -> Meeting:
    hall, users = seed_organisation()
    seed_meetings(hall=hall, users=users)
    return Meeting.objects.get(hall=hall)


def _live(page):
    expect(page.locator("#meeting")).to_have_attribute("data-conn", "live")


def test_moderator_and_two_residents_run_a_meeting_live(server_url, phone):
    meeting = _demo_meeting()
    room_url = f"{server_url}/meetings/{meeting.pk}/"
    checkin_url = f"{server_url}/meetings/{meeting.pk}/checkin/{meeting.checkin_token}/"

    mod = phone().new_page()
    log_in(mod, server_url, "chenhong", DEMO_PASSWORD)
    mod.goto(room_url)
    _live(mod)

    wang = phone().new_page()
    log_in(wang, server_url, "wangayi", DEMO_PASSWORD)
    zhang = phone().new_page()
    log_in(zhang, server_url, "zhangnainai", DEMO_PASSWORD)
    wang.goto(room_url)
    _live(wang)
    zhang.goto(room_url)
    _live(zhang)

    # the moderator opens the meeting: both phones follow without reloading
    mod.locator("#m-controls button", has_text="宣布开会").click()
    expect(wang.locator("#m-state")).to_have_text("进行中")
    expect(zhang.locator("#m-state")).to_have_text("进行中")

    # 王阿姨 scans the QR code (its URL) and checks in；张奶奶 is checked in by name
    wang.goto(checkin_url)
    wang.locator("button", has_text="确认签到").click()
    wang.wait_for_url(room_url)
    _live(wang)
    expect(mod.locator("#m-attendance .checked-in")).to_contain_text("王阿姨")
    mod.select_option("#m-manual-user", label="张奶奶")
    mod.locator("#m-manual button").click()
    expect(zhang.locator("#m-attendance .checked-in")).to_contain_text("张奶奶（代签）")
    expect(wang.locator("#m-attendance .big-number")).to_have_text("2")
    assert CheckIn.objects.filter(meeting=meeting).count() == 2

    # first item
    mod.locator("#m-controls button", has_text="下一项议程").click()
    expect(zhang.locator("#m-current")).to_contain_text("第1项")
    expect(zhang.locator("#m-live")).to_contain_text("第1项议程开始")

    # an event re-renders only the sections it changed: mark nodes of other sections first
    expect(mod.locator("#m-current")).to_contain_text("第1项")
    mod.evaluate(
        """() => ['#m-agenda li', '#m-attendance .quorum', '#m-current .item-now', '#m-queue li']
          .forEach(s => { document.querySelector(s).__kept = true; })"""
    )

    # hands up: for, then against; everyone sees the queue
    wang.locator("#m-hand button", has_text="举手：赞成").click()
    zhang.locator("#m-hand button", has_text="举手：反对").click()
    expect(mod.locator("#m-queue li")).to_have_count(2)
    # floor.changed redrew the queue, but not the agenda, the attendance or the current item
    kept = mod.evaluate(
        """() => ['#m-agenda li', '#m-attendance .quorum', '#m-current .item-now', '#m-queue li']
          .map(s => document.querySelector(s).__kept === true)"""
    )
    assert kept == [True, True, True, False]
    expect(mod.locator("#m-queue li").first).to_contain_text("王阿姨")
    expect(wang.locator("#m-queue")).to_contain_text("张奶奶")
    expect(zhang.locator("#m-hand")).to_contain_text("排在第 2 位")

    # a resident has no floor controls; the moderator gives the floor
    assert zhang.locator("button[data-cmd=give_floor]").count() == 0
    mod.locator("button[data-cmd=give_floor]").click()
    expect(zhang.locator("#m-speaker")).to_contain_text("现在发言：王阿姨")
    expect(zhang.locator("#m-live")).to_contain_text("现在发言：王阿姨")
    expect(wang.locator("#m-hand")).to_contain_text("轮到您发言了")
    expect(zhang.locator("#m-speaker .countdown")).to_have_text(re.compile(r"^[12]:\d\d$"))

    # the next speaker by the rules is 张奶奶（against）
    mod.locator("button[data-cmd=give_floor]").click()
    expect(wang.locator("#m-speaker")).to_contain_text("现在发言：张奶奶")
    expect(mod.locator("#m-queue")).to_contain_text("还没有人举手")

    # next item: everyone's screen follows
    mod.locator("#m-controls button", has_text="下一项议程").click()
    expect(wang.locator("#m-current")).to_contain_text("第2项")
    expect(zhang.locator("#m-current")).to_contain_text("其他事项")
    expect(wang.locator("#m-speaker")).not_to_contain_text("张奶奶")
    # usable on a phone in portrait: no sideways scrolling
    assert wang.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_big_screen_follows_the_room(server_url, phone, browser):
    meeting = _demo_meeting()
    screen_ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    try:
        screen = screen_ctx.new_page()
        log_in(screen, server_url, "chenhong", DEMO_PASSWORD)
        screen.goto(f"{server_url}/meetings/{meeting.pk}/screen/")
        _live(screen)
        assert screen.locator("button").count() == 0  # no controls on the big screen
        mod = phone().new_page()
        log_in(mod, server_url, "chenhong", DEMO_PASSWORD)
        mod.goto(f"{server_url}/meetings/{meeting.pk}/")
        _live(mod)
        mod.locator("#m-controls button", has_text="宣布开会").click()
        # check-in opens with the meeting: the QR code shows, and it is a real SVG
        expect(screen.locator("#m-qr img")).to_be_visible()
        svg = screen.request.get(f"{server_url}/meetings/{meeting.pk}/qr.svg")
        assert svg.ok and b"<svg" in svg.body()
        mod.locator("#m-controls button", has_text="下一项议程").click()
        expect(screen.locator("#m-current")).to_contain_text("第1项")
        font = screen.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('.item-now')).fontSize)"
        )
        assert font >= 48  # readable from the back of the room
        expect(screen.locator("#m-attendance")).to_contain_text("法定人数")
    finally:
        screen_ctx.close()


def test_recorder_writes_minutes_live(server_url, phone):
    meeting = _demo_meeting()
    room_url = f"{server_url}/meetings/{meeting.pk}/"
    rec = phone().new_page()
    log_in(rec, server_url, "linfang", DEMO_PASSWORD)
    rec.goto(room_url)
    _live(rec)
    wang = phone().new_page()
    log_in(wang, server_url, "wangayi", DEMO_PASSWORD)
    wang.goto(room_url)
    _live(wang)
    assert wang.locator("#m-minutes-edit").count() == 0  # residents read, the recorder writes
    rec.fill("#m-minutes-edit", "## 开场\n\n主持人宣布**会议开始**。")
    expect(rec.locator("#m-minutes-status")).to_contain_text("已自动保存")
    expect(wang.locator("#m-minutes strong")).to_have_text("会议开始")
    meeting.refresh_from_db()
    assert meeting.minutes_version == 1 and meeting.minutes_versions.count() == 1


def _others_online(meeting: Meeting, n: int) -> None:
    """n residents connected to the room from elsewhere (as another process would have them)."""
    from deliberation.meetings.selectors import meeting_room
    from realtime import presence
    from tests.deliberation.meetings.factories import crowd

    room = meeting_room(meeting.pk)
    for u in crowd(meeting.hall, n, prefix="online"):
        presence.enter(room=room, user_id=u.pk, channel_name=f"elsewhere.{u.pk}")
    presence.publish_presence(room)


def test_who_is_online_count_for_all_names_for_the_moderator(server_url, phone):
    meeting = _demo_meeting()
    _others_online(meeting, 55)
    room_url = f"{server_url}/meetings/{meeting.pk}/"

    wang = phone().new_page()
    log_in(wang, server_url, "wangayi", DEMO_PASSWORD)
    wang.goto(room_url)
    _live(wang)
    # a resident sees how many are online, not who
    expect(wang.locator("#m-presence")).to_have_text("在线 56 人")
    expect(wang.locator("#m-presence-more")).to_be_hidden()

    mod = phone().new_page()
    log_in(mod, server_url, "chenhong", DEMO_PASSWORD)
    mod.goto(room_url)
    _live(mod)
    presence = mod.locator("#m-presence")
    # the first page of names came with the snapshot; the delta added 陈红 herself
    expect(presence).to_contain_text("在线 57 人：")
    expect(presence).to_contain_text("王阿姨")
    expect(presence).to_contain_text("未列出")
    more = mod.locator("#m-presence-more")
    expect(more).to_have_text("👥 显示更多在线的人")
    more.click()
    expect(presence).not_to_contain_text("未列出")
    expect(presence).to_contain_text("居民54")
    expect(more).to_be_hidden()
    expect(wang.locator("#m-presence")).to_have_text("在线 57 人")

    # the client applies deltas, and on `more` marks its list stale (then asks for it again)
    after = mod.evaluate(
        """() => {
          const s = window.FHMeeting.state();
          const a = window.FHMeeting.applyEvent(s, "presence.changed", {online: 2, left: [s.presence.users[0].id]});
          const b = window.FHMeeting.applyEvent(s, "presence.changed", {online: 99, more: true});
          return [a.presence.users.length - s.presence.users.length, a.presence.online, b.presence.stale];
        }"""
    )
    assert after == [-1, 2, True]
