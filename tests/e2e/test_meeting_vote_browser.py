"""A vote in a meeting, in four browsers: the moderator opens it on the agenda item, two residents
vote from their phones, the moderator enters a show of hands and closes it, and the big screen
follows live without reloading."""

import json
import re

import pytest
from playwright.sync_api import expect

from community.models import Membership, MembershipStatus
from deliberation.meetings import selectors, services
from deliberation.models import Ballot, Meeting
from demo.community import DEMO_PASSWORD, seed_organisation
from demo.deliberation import DEMO_MEETING_TITLE
from demo.deliberation import seed as seed_meetings
from forum.models import ProposalState
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _meeting_on_its_first_item() -> tuple[Meeting, int]:
    """The demo meeting, opened, everyone checked in (by name), its first item open."""
    hall, users = seed_organisation()
    seed_meetings(hall=hall, users=users)
    meeting = Meeting.objects.get(hall=hall, title=DEMO_MEETING_TITLE)
    mod = users["chenhong"]
    services.meeting_open(actor=mod, meeting=meeting)
    members = Membership.objects.filter(hall=hall, status=MembershipStatus.ACTIVE)
    for uid in members.values_list("user_id", flat=True):
        services.meeting_check_in_member(actor=mod, meeting=meeting, user_id=uid)
    services.meeting_open_item(actor=mod, meeting=meeting)
    return meeting, members.count()


def _live(page):
    expect(page.locator("#meeting")).to_have_attribute("data-conn", "live")


def _accept_dialogs(page):
    page.on("dialog", lambda d: d.accept())


def test_a_meeting_votes_on_an_agenda_item_live(server_url, phone, browser):
    meeting, present = _meeting_on_its_first_item()
    room_url = f"{server_url}/meetings/{meeting.pk}/"
    screen_ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    try:
        screen = screen_ctx.new_page()
        log_in(screen, server_url, "chenhong", DEMO_PASSWORD)
        screen.goto(f"{server_url}/meetings/{meeting.pk}/screen/")
        _live(screen)
        expect(screen.locator("#m-vote-screen")).to_be_hidden()

        mod = phone().new_page()
        _accept_dialogs(mod)
        log_in(mod, server_url, "chenhong", DEMO_PASSWORD)
        mod.goto(room_url)
        _live(mod)
        residents = []
        for username in ("wangayi", "zhangnainai"):
            page = phone().new_page()  # two phones: two browser contexts
            _accept_dialogs(page)
            log_in(page, server_url, username, DEMO_PASSWORD)
            page.goto(room_url)
            _live(page)
            residents.append(page)
        wang, zhang = residents
        # residents have no vote controls
        assert wang.locator("#m-vote-controls").count() == 0

        # the moderator opens a named vote with live results
        form = mod.locator("#m-ballot-open")
        form.locator("input[name=secret]").uncheck()
        form.locator("input[name=results_live]").check()
        form.locator("button[type=submit]").click()
        expect(wang.locator("#m-live")).to_contain_text("表决开始")
        expect(screen.locator("#m-vote-screen")).to_be_visible()
        expect(screen.locator("#m-vote-screen .vote-big")).to_contain_text("赞成 0")

        # two residents vote from their phones (the notice, then a confirmation)
        expect(wang.locator(".vote-panel")).to_contain_text("投票后不能更改")
        wang.locator(".vote-panel button", has_text="赞成").click()
        expect(wang.locator("#m-vote")).to_contain_text("您已投票")
        expect(wang.locator("#m-vote .receipt")).to_have_text(
            re.compile(r"^[A-Z2-9]{5}-[A-Z2-9]{5}$")
        )
        zhang.locator(".vote-panel button", has_text="反对").click()
        expect(zhang.locator("#m-vote")).to_contain_text("您已投票")
        expect(screen.locator("#m-vote-screen .vote-turnout")).to_contain_text("已投票 2")
        expect(screen.locator("#m-vote-screen .vote-big")).to_contain_text("赞成 1 · 反对 1")

        # the moderator enters the show of hands of those without a phone, then closes
        hand = mod.locator("#m-hand-count")
        expect(hand).to_contain_text(f"最多 {present - 2} 人")
        hand.locator("input[name=for]").fill("3")
        hand.locator("input[name=against]").fill("1")
        hand.locator("button[type=submit]").click()
        expect(screen.locator("#m-vote-screen .vote-turnout")).to_contain_text("现场举手 4")
        mod.locator("button[data-cmd=ballot_close]").click()

        # the big screen shows the result live, without a reload
        expect(screen.locator("#m-vote-screen .vote-big")).to_have_text(
            "赞成 4 · 反对 2 · 弃权 0 — 通过"
        )
        expect(wang.locator("#m-live")).to_contain_text("表决结果：通过")
        expect(zhang.locator("#m-agenda")).to_be_visible()
        # the JS applyEvent mirror: the screen's state after the events = a fresh snapshot
        fresh = json.loads(json.dumps(selectors.meeting_snapshot(meeting.pk), default=str))
        shown = screen.evaluate("window.FHMeeting.state()")
        for key in ("meeting", "agenda", "attendance", "votes"):
            assert shown[key] == fresh[key], key
        ballot = Ballot.objects.get(agenda_item__meeting=meeting)
        assert ballot.result == "passed" and ballot.outcome["by_source"]["hand"]["for"] == 3
        assert ballot.proposal.state == ProposalState.VOTED
        # let the server's trailing coalesced tally finish before the session drops the test DB
        screen.wait_for_timeout(1000)
    finally:
        screen_ctx.close()
