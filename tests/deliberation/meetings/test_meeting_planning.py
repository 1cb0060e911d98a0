"""Meetings people can plan and trust (issue 12, point 4): the agenda planned on its page before
the meeting opens, reschedule and cancel with members told why, the real opening time shown
everywhere, and 应到/attendance kept from the electorate of the day the meeting opened."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Membership, MembershipStatus
from community.roles import Role
from community.times import bj_format
from deliberation.meetings import selectors, services
from deliberation.meetings.commands import COMMANDS
from deliberation.models import (
    AgendaItem,
    Ballot,
    MeetingChange,
    MeetingElector,
    MeetingState,
)
from deliberation.personal_data import sections as own_data
from deliberation.taizhang import rows as tz
from deliberation.votes import services as services_votes
from forum.models import Notification, ProposalState
from tests.community.factories import BrowserClient, UserFactory, client_for, member
from tests.deliberation.meetings.factories import (
    accepted_proposal,
    meeting_people,
    scheduled_meeting,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(hall):
    people = meeting_people(hall)
    return hall, people, scheduled_meeting(hall, people, free_items=("甲", "乙"))


def titles(meeting) -> list[str]:
    return list(meeting.items.order_by("order", "pk").values_list("title", flat=True))


def local(dt, fmt="%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(dt).strftime(fmt)


# --- the agenda's planning page -----------------------------------------------------------------


def test_the_moderator_plans_the_agenda_on_its_page_before_the_meeting_opens(ctx):
    hall, people, meeting = ctx
    proposal = accepted_proposal(hall, people["wang"], title="加装楼道扶手")
    c = client_for(people["moderator"])
    room = c.get(f"/meetings/{meeting.pk}/").content.decode()
    assert f"/meetings/{meeting.pk}/agenda/" in room  # 安排议程 from the meeting page
    page = c.get(f"/meetings/{meeting.pk}/agenda/").content.decode()
    assert "加装楼道扶手" in page  # the newly accepted proposal, to pick from the list
    r = c.post(f"/meetings/{meeting.pk}/agenda/add/", {"proposals": [proposal.pk]})
    assert r.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ON_AGENDA
    assert titles(meeting) == ["甲", "乙", "加装楼道扶手"]
    c.post(f"/meetings/{meeting.pk}/agenda/add/", {"title": "社区团购", "budget_minutes": "15"})
    assert titles(meeting) == ["甲", "乙", "加装楼道扶手", "社区团购"]
    assert meeting.items.get(title="社区团购").budget_minutes == 15

    item = meeting.items.get(proposal=proposal)
    c.post(f"/meetings/{meeting.pk}/agenda/move/", {"item_id": item.pk, "direction": "up"})
    c.post(f"/meetings/{meeting.pk}/agenda/move/", {"item_id": item.pk, "direction": "up"})
    assert titles(meeting) == ["加装楼道扶手", "甲", "乙", "社区团购"]
    c.post(f"/meetings/{meeting.pk}/agenda/budget/", {"item_id": item.pk, "budget_minutes": "25"})
    item.refresh_from_db()
    assert item.budget_minutes == 25
    page = c.get(f"/meetings/{meeting.pk}/agenda/").content.decode()
    assert "25 分钟" in page and "上移" in page and "下移" in page  # buttons, no dragging

    c.post(f"/meetings/{meeting.pk}/agenda/remove/", {"item_id": item.pk})
    assert titles(meeting) == ["甲", "乙", "社区团购"]
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ACCEPTED  # back to 已受理


def test_the_agenda_page_refuses_changes_once_the_meeting_has_opened_and_says_why(ctx):
    hall, people, meeting = ctx
    proposal = accepted_proposal(hall, people["wang"], title="加装楼道扶手")
    services.meeting_open(actor=people["moderator"], meeting=meeting)
    c = client_for(people["moderator"])
    first = meeting.items.order_by("order").first()
    for op, data in (
        ("add", {"proposals": [proposal.pk]}),
        ("remove", {"item_id": first.pk}),
        ("move", {"item_id": first.pk, "direction": "down"}),
        ("budget", {"item_id": first.pk, "budget_minutes": "9"}),
    ):
        page = c.post(f"/meetings/{meeting.pk}/agenda/{op}/", data, follow=True).content.decode()
        assert "会议已经开始，不能再在会前安排议程" in page, op
    assert titles(meeting) == ["甲", "乙"]
    assert meeting.items.get(pk=first.pk).budget_minutes is None
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ACCEPTED
    page = c.get(f"/meetings/{meeting.pk}/agenda/").content.decode()
    assert "会议已经开始" in page and "加入议程" not in page


def test_only_the_moderator_or_a_head_plans_the_agenda(ctx):
    _hall, people, meeting = ctx
    r = client_for(people["wang"]).get(f"/meetings/{meeting.pk}/agenda/")
    assert r.status_code == 403 and "主持人或微家负责人" in r.content.decode()
    r = client_for(people["wang"]).post(
        f"/meetings/{meeting.pk}/agenda/add/", {"title": "我加一项"}
    )
    assert r.status_code == 403 and titles(meeting) == ["甲", "乙"]
    assert client_for(people["head"]).get(f"/meetings/{meeting.pk}/agenda/").status_code == 200


# --- reschedule and cancel ------------------------------------------------------------------


def change_notices():
    return Notification.objects.filter(key__regex=r"^meeting:\d+:(rescheduled|cancelled)")


def members_told(meeting, actor, change: str) -> dict[int, str]:
    """Who was told of the meeting's `change` (once each): every active member but the actor."""
    others = set(
        Membership.objects.filter(hall=meeting.hall, status=MembershipStatus.ACTIVE)
        .exclude(user=actor)
        .values_list("user_id", flat=True)
    )
    rows = Notification.objects.filter(key__startswith=f"meeting:{meeting.pk}:{change}")
    told = {n.recipient_id: n.text for n in rows}
    assert rows.count() == len(told)
    assert set(told) == others
    assert all(n.url == f"/meetings/{meeting.pk}/" for n in rows)
    return told


def test_a_rescheduled_meeting_tells_every_member_the_new_time_and_the_reason(ctx):
    _hall, people, meeting = ctx
    before = meeting.starts_at
    later = timezone.localtime() + timedelta(days=7)
    c = client_for(people["moderator"])
    assert "改期" in c.get(f"/meetings/{meeting.pk}/reschedule/").content.decode()
    r = c.post(
        f"/meetings/{meeting.pk}/reschedule/",
        {
            "starts_at": later.strftime("%Y-%m-%d %H:%M"),
            "venue": "社区礼堂",
            "reason": "活动室维修",
        },
    )
    assert r.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.SCHEDULED and meeting.venue == "社区礼堂"
    assert local(meeting.starts_at) == later.strftime("%Y-%m-%d %H:%M")
    change = MeetingChange.objects.get(meeting=meeting)
    assert (change.kind, change.reason, change.starts_at_before) == (
        "rescheduled",
        "活动室维修",
        before,
    )
    for text in members_told(meeting, people["moderator"], "rescheduled").values():
        assert "改期" in text and "活动室维修" in text and "社区礼堂" in text
    room = client_for(people["zhang"]).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "已改期" in room and "活动室维修" in room


def test_a_reschedule_without_a_reason_is_refused_and_nobody_is_told(ctx):
    _hall, people, meeting = ctx
    later = timezone.localtime() + timedelta(days=7)
    page = client_for(people["moderator"]).post(
        f"/meetings/{meeting.pk}/reschedule/",
        {"starts_at": later.strftime("%Y-%m-%d %H:%M"), "venue": "社区礼堂", "reason": " "},
    )
    assert page.status_code == 200 and "has-error" in page.content.decode()  # asked again
    meeting.refresh_from_db()
    assert meeting.venue == "妇女微家活动室" and not change_notices().exists()


def test_cancelling_asks_to_confirm_then_releases_the_proposals_and_tells_every_member(ctx):
    hall, people, _meeting = ctx
    proposal = accepted_proposal(hall, people["wang"], title="加装楼道扶手")
    meeting = scheduled_meeting(hall, people, proposals=[proposal])
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ON_AGENDA
    c = client_for(people["moderator"])
    step = c.post(f"/meetings/{meeting.pk}/cancel/", {"reason": "台风预警"})
    page = step.content.decode()
    assert step.status_code == 200 and "确定要取消这次会议吗" in page
    assert "加装楼道扶手" in page  # which proposals go back to 已受理
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.SCHEDULED and not change_notices().exists()

    r = c.post(f"/meetings/{meeting.pk}/cancel/", {"reason": "台风预警", "confirm": "1"})
    assert r.status_code == 302
    meeting.refresh_from_db()
    proposal.refresh_from_db()
    assert meeting.state == MeetingState.CANCELLED
    assert proposal.state == ProposalState.ACCEPTED
    assert proposal.events.order_by("-pk").first().note.startswith("会议「十月议事会」取消")
    for text in members_told(meeting, people["moderator"], "cancelled").values():
        assert "会议取消" in text and "台风预警" in text
    room = client_for(people["zhang"]).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "已取消" in room and "台风预警" in room
    # A cancelled meeting cannot be opened, changed or cancelled again.
    with pytest.raises(Exception, match="已经取消"):
        COMMANDS["open_meeting"](people["moderator"], meeting.pk, {})
    again = c.get(f"/meetings/{meeting.pk}/cancel/")
    assert again.status_code == 409 and "只有尚未开始的会议可以改期或取消" in again.content.decode()
    upcoming = list(selectors.upcoming_meetings(hall=hall).values_list("pk", flat=True))
    assert meeting.pk not in upcoming
    # The proposal can go on the next meeting's agenda.
    services.agenda_add_item(actor=people["moderator"], meeting=_meeting, proposal=proposal)


def test_an_open_meeting_can_be_neither_rescheduled_nor_cancelled(ctx):
    _hall, people, meeting = ctx
    services.meeting_open(actor=people["moderator"], meeting=meeting)
    c = client_for(people["moderator"])
    for url in ("reschedule", "cancel"):
        r = c.post(f"/meetings/{meeting.pk}/{url}/", {"reason": "x", "confirm": "1"})
        assert r.status_code == 409 and "只有尚未开始的会议" in r.content.decode()
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.OPEN and not change_notices().exists()


# --- the real date ----------------------------------------------------------------------------


def test_a_meeting_opened_early_shows_its_real_date_in_minutes_notice_and_taizhang(hall):
    """Scheduled two days ahead, opened and voted today: today's date everywhere, the
    scheduled one only as 原定."""
    people = meeting_people(hall)
    proposal = accepted_proposal(hall, people["wang"])
    meeting = scheduled_meeting(hall, people, proposals=[proposal])
    planned = meeting.starts_at
    mod = people["moderator"]
    services.meeting_open(actor=mod, meeting=meeting)
    for name in ("wang", "zhang", "liu", "head"):
        services.meeting_check_in(user=people[name], meeting=meeting, token=meeting.checkin_token)
    services.meeting_open_item(actor=mod, meeting=meeting)
    run = lambda who, name, **d: COMMANDS[name](people[who], meeting.pk, d)  # noqa: E731
    run("moderator", "ballot_open", secret=False)
    run("moderator", "hand_count", voters=4, votes={"for": 4})
    ballot = Ballot.objects.get(pk=run("moderator", "ballot_close")["ballot_id"])
    res = services_votes.resolution_publish(
        actor=people["head"], ballot=ballot, title="修复小区喷泉", text="同意修复。"
    )
    services.meeting_close(actor=mod, meeting=meeting)
    meeting.refresh_from_db()
    today, was = meeting.opened_at, planned
    assert timezone.localtime(today).date() != timezone.localtime(was).date()

    minutes = client_for(people["zhang"]).get(f"/meetings/{meeting.pk}/minutes/").content.decode()
    # the minutes are a paper: the year is always there (2026年12月5日 06:58)
    assert f"{bj_format(today, year=True)} — {bj_format(meeting.closed_at, year=True)}" in minutes
    assert f"原定 {bj_format(was, year=True)}" in minutes

    printed = BrowserClient().get(f"/resolutions/{res.pk}/print/").content.decode()
    printed = re.sub(r"<[^>]+>", "", printed)
    real = "{d.year}年{d.month}月{d.day}日".format(d=timezone.localtime(today))
    old = "{d.year}年{d.month}月{d.day}日".format(d=timezone.localtime(was))
    assert f"于 {real}「十月议事会」现场表决" in printed and f"原定 {old}" in printed

    month = tz.Month(timezone.localtime(today).year, timezone.localtime(today).month)
    headers, rows = tz.meeting_rows(hall, month)
    [row] = [dict(zip(headers, r, strict=True)) for r in rows]
    assert row["开始时间"] == tz.local(today) and row["原定时间"] == tz.local(was)

    room = client_for(people["zhang"]).get(f"/meetings/{meeting.pk}/").content.decode()
    room = re.sub(r"<[^>]+>", "", room)
    assert bj_format(today) in room and f"原定 {bj_format(was)}" in room


# --- the electorate of the day ---------------------------------------------------------------


def test_a_past_meetings_electorate_and_attendance_do_not_change_when_members_join(hall):
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people)
    mod = people["moderator"]
    services.meeting_open(actor=mod, meeting=meeting)
    for name in ("wang", "zhang", "liu"):
        services.meeting_check_in(user=people[name], meeting=meeting, token=meeting.checkin_token)
    services.meeting_close(actor=mod, meeting=meeting)
    meeting.refresh_from_db()
    kept = MeetingElector.objects.filter(meeting=meeting)
    assert meeting.electorate_size == kept.count() == 6
    assert set(kept.get(user=people["head"]).roles) >= {Role.HEAD}
    att = selectors.attendance_section(meeting)
    assert (att["electorate"], att["present"], att["quorum_needed"]) == (6, 3, 4)
    assert "应到 6 人，实到 3 人" in meeting.minutes_final

    newcomer = member(hall, display_name="新成员")  # approved after the meeting
    member(hall)
    Membership.objects.filter(user=people["liu"]).update(status=MembershipStatus.LEFT)

    meeting.refresh_from_db()
    att = selectors.attendance_section(meeting)
    assert (att["electorate"], att["present"], att["quorum_needed"]) == (6, 3, 4)
    services.minutes_save(actor=people["recorder"], meeting=meeting, body="补记", base_version=0)
    meeting.refresh_from_db()
    assert "应到 6 人，实到 3 人" in meeting.minutes_final  # reassembled, the same figures
    figures = selectors.attendance_of([meeting], hall)[meeting.pk]
    assert (figures.electorate, figures.present, figures.needed) == (6, 3, 4)
    month = tz.Month(timezone.localtime().year, timezone.localtime().month)
    headers, rows = tz.meeting_rows(hall, month)
    [row] = [dict(zip(headers, r, strict=True)) for r in rows]
    assert (row["应到人数"], row["实到人数"], row["法定人数"]) == (6, 3, 4)
    assert newcomer.pk not in set(kept.values_list("user_id", flat=True))
    # She can see it in her own data: which meetings counted her, with her roles then.
    [mine] = [s for s in own_data(people["head"]) if s.title.startswith("会议应到名单")]
    assert [row["会议"] for row in mine.rows] == ["十月议事会"]


def test_a_member_who_joined_after_the_meeting_opened_attends_without_counting(hall):
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people)
    services.meeting_open(actor=people["moderator"], meeting=meeting)
    late = member(hall, display_name="新来的")
    services.meeting_check_in(user=late, meeting=meeting, token=meeting.checkin_token)
    services.meeting_check_in(user=people["wang"], meeting=meeting, token=meeting.checkin_token)
    meeting.refresh_from_db()
    att = selectors.attendance_section(meeting)
    assert (att["electorate"], att["present"]) == (6, 1)
    assert {c["user"]["name"]: c["elector"] for c in att["checkins"]} == {
        "新来的": False,
        "王阿姨": True,
    }


def test_a_meeting_opened_before_snapshots_were_kept_is_counted_live(hall):
    """No snapshot (electorate_size is None): as before, the hall's active members now."""
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people)
    services.meeting_open(actor=people["moderator"], meeting=meeting)
    MeetingElector.objects.filter(meeting=meeting).delete()
    type(meeting).objects.filter(pk=meeting.pk).update(electorate_size=None)
    meeting.refresh_from_db()
    assert selectors.attendance_section(meeting)["electorate"] == 6
    member(hall)
    assert selectors.attendance_section(meeting)["electorate"] == 7


def test_an_outsider_cannot_reach_the_planning_pages(ctx):
    _hall, _people, meeting = ctx
    outsider = client_for(UserFactory())
    for url in ("agenda", "reschedule", "cancel"):
        assert outsider.get(f"/meetings/{meeting.pk}/{url}/").status_code == 403
    assert AgendaItem.objects.filter(meeting=meeting).count() == 2


def test_the_api_reschedules_and_cancels_with_the_reason(ctx):
    _hall, people, meeting = ctx
    c = client_for(people["moderator"])
    url = f"/api/v1/meetings/{meeting.pk}"
    later = timezone.now() + timedelta(days=9)
    body = {"starts_at": later.isoformat(), "venue": "社区礼堂", "reason": "活动室维修"}
    denied = client_for(people["wang"]).post(
        f"{url}/reschedule", json.dumps(body), content_type="application/json"
    )
    assert denied.status_code == 403
    r = c.post(f"{url}/reschedule", json.dumps(body), content_type="application/json")
    assert r.status_code == 200 and r.json()["venue"] == "社区礼堂"
    no_reason = c.post(f"{url}/cancel", json.dumps({"reason": ""}), content_type="application/json")
    assert no_reason.status_code in (400, 422)
    r = c.post(f"{url}/cancel", json.dumps({"reason": "台风"}), content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    texts = list(Notification.objects.values_list("text", flat=True))
    assert any("活动室维修" in t for t in texts) and any("台风" in t for t in texts)


def test_a_start_time_with_any_utc_offset_is_kept_as_beijing_time_and_far_years_refused(ctx):
    """Found by schemathesis on PostgreSQL: `+23:38` is a valid ISO offset no database stores
    (a 500); the year 9264 is no meeting anyone plans."""
    _hall, people, meeting = ctx
    c = client_for(people["moderator"])
    url = f"/api/v1/meetings/{meeting.pk}/reschedule"
    far = {"starts_at": "9264-05-23T01:14:43.827+23:38", "venue": "社区礼堂", "reason": "改期"}
    r = c.post(url, json.dumps(far), content_type="application/json")
    assert r.status_code == 400 and "太远" in r.json()["detail"]
    soon = (timezone.now() + timedelta(days=9)).replace(microsecond=0)
    odd = soon.astimezone(timezone.get_fixed_timezone(23 * 60 + 38)).isoformat()
    r = c.post(url, json.dumps({**far, "starts_at": odd}), content_type="application/json")
    assert r.status_code == 200, r.content
    meeting.refresh_from_db()
    assert meeting.starts_at == soon
