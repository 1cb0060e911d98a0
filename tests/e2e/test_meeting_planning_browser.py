"""The moderator plans a meeting on her phone: adds a newly accepted proposal to the agenda, moves
it up with a button, sets its time, then cancels the meeting with a reason and a confirmation —
and a member finds the notice with the reason."""

import pytest
from playwright.sync_api import expect

from deliberation.models import Meeting
from demo.community import DEMO_PASSWORD, seed_organisation
from demo.deliberation import DEMO_MEETING_TITLE, seed_meeting
from forum.models import ProposalState
from tests.deliberation.meetings.factories import accepted_proposal
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_moderator_plans_then_cancels_a_meeting_on_her_phone(server_url, phone):
    hall, users = seed_organisation()
    seed_meeting(hall=hall, users=users)
    meeting = Meeting.objects.get(hall=hall, title=DEMO_MEETING_TITLE)
    proposal = accepted_proposal(hall, users["wangayi"], title="楼道加装扶手")

    mod = phone().new_page()
    mod.on("dialog", lambda d: d.accept())
    log_in(mod, server_url, "chenhong", DEMO_PASSWORD)
    mod.goto(f"{server_url}/meetings/{meeting.pk}/")
    mod.get_by_role("link", name="安排议程").click()
    mod.get_by_label("楼道加装扶手").check()
    mod.get_by_role("button", name="加入议程").click()
    last = mod.locator(".agenda-plan-item").last
    expect(last).to_contain_text("楼道加装扶手")
    last.get_by_role("button", name="上移").click()
    moved = mod.locator(".agenda-plan-item").nth(-2)
    expect(moved).to_contain_text("楼道加装扶手")
    moved.get_by_label("时间预算（分钟）").fill("20")
    moved.get_by_role("button", name="保存时间").click()
    expect(mod.locator(".agenda-plan-item").nth(-2)).to_contain_text("20 分钟")

    mod.goto(f"{server_url}/meetings/{meeting.pk}/")
    mod.get_by_role("link", name="取消会议").click()
    mod.get_by_label("取消原因（成员会在通知里看到）").fill("台风预警，停止聚集")
    mod.get_by_role("button", name="下一步").click()
    expect(mod.get_by_text("确定要取消这次会议吗？")).to_be_visible()
    mod.get_by_role("button", name="确认取消会议").click()
    expect(mod.locator(".meeting-change.cancelled")).to_contain_text("台风预警")
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ACCEPTED

    wang = phone().new_page()
    log_in(wang, server_url, "wangayi", DEMO_PASSWORD)
    wang.goto(f"{server_url}/notifications/")
    expect(wang.get_by_text("台风预警，停止聚集").first).to_be_visible()
