"""Meeting pages and the HTTP API: who sees what, scheduling, check-in, QR code, minutes."""

import json

import pytest

from deliberation.meetings import services
from deliberation.meetings.forms import MeetingForm
from deliberation.models import CheckIn, Meeting
from forum.models import ProposalState
from tests.community.factories import UserFactory, client_for
from tests.deliberation.meetings.factories import (
    accepted_proposal,
    meeting_people,
    scheduled_meeting,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(hall):
    people = meeting_people(hall)
    return hall, people, scheduled_meeting(hall, people)


def test_list_shows_meetings_to_members_only(ctx):
    hall, people, _meeting = ctx
    page = client_for(people["zhang"]).get(f"/halls/{hall.slug}/meetings/").content.decode()
    assert "十月议事会" in page and "安排新会议" not in page
    page = client_for(people["moderator"]).get(f"/halls/{hall.slug}/meetings/").content.decode()
    assert "安排新会议" in page
    page = client_for(UserFactory()).get(f"/halls/{hall.slug}/meetings/").content.decode()
    assert "十月议事会" not in page and "只对本议事厅成员开放" in page


def test_schedule_a_meeting_from_the_form(hall):
    people = meeting_people(hall)
    proposal = accepted_proposal(hall, people["wang"])
    assert client_for(people["zhang"]).get(f"/halls/{hall.slug}/meetings/new/").status_code == 403
    c = client_for(people["moderator"])
    page = c.get(f"/halls/{hall.slug}/meetings/new/").content.decode()
    assert "修复小区喷泉" in page
    r = c.post(
        f"/halls/{hall.slug}/meetings/new/",
        {
            "title": "十一月议事会",
            "starts_at": "2030-11-08T19:30",
            "venue": "活动室",
            "is_hybrid": "on",
            "moderator": people["moderator"].pk,
            "recorder": people["recorder"].pk,
            "proposals": [proposal.pk],
            "free_items": "其他事项|15\n\n临时动议",
        },
    )
    meeting = Meeting.objects.get(title="十一月议事会")
    assert r.status_code == 302 and r["Location"] == f"/meetings/{meeting.pk}/"
    items = list(meeting.items.order_by("order").values_list("title", "budget_minutes"))
    assert items == [("修复小区喷泉", None), ("其他事项", 15), ("临时动议", None)]
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ON_AGENDA


def test_room_page_for_members_only(ctx):
    _hall, people, meeting = ctx
    r = client_for(people["zhang"]).get(f"/meetings/{meeting.pk}/")
    page = r.content.decode()
    assert r.status_code == 200 and "十月议事会" in page and "m-snapshot" in page
    assert "主持人操作" not in page
    assert (
        "主持人操作"
        in client_for(people["moderator"]).get(f"/meetings/{meeting.pk}/").content.decode()
    )
    assert client_for(UserFactory()).get(f"/meetings/{meeting.pk}/").status_code == 403
    assert client_for(None).get(f"/meetings/{meeting.pk}/").status_code == 302


def test_qr_code_is_an_svg_for_the_moderator_only(ctx):
    _hall, people, meeting = ctx
    r = client_for(people["moderator"]).get(f"/meetings/{meeting.pk}/qr.svg")
    assert r.status_code == 200 and r["Content-Type"] == "image/svg+xml"
    assert b"<svg" in r.content and b"xmlns" in r.content
    assert client_for(people["zhang"]).get(f"/meetings/{meeting.pk}/qr.svg").status_code == 403
    page = client_for(people["moderator"]).get(f"/meetings/{meeting.pk}/qr/").content.decode()
    assert f"/meetings/{meeting.pk}/qr.svg" in page and "十月议事会" in page
    assert client_for(people["zhang"]).get(f"/meetings/{meeting.pk}/qr/").status_code == 403


def test_check_in_page(ctx):
    _hall, people, meeting = ctx
    url = f"/meetings/{meeting.pk}/checkin/{meeting.checkin_token}/"
    c = client_for(people["zhang"])
    assert "签到尚未开放" in c.get(url).content.decode()
    services.meeting_set_checkin(actor=people["moderator"], meeting=meeting, open=True)
    assert "确认签到" in c.get(url).content.decode()
    assert "二维码无效" in c.get(f"/meetings/{meeting.pk}/checkin/nope/").content.decode()
    r = c.post(url)
    assert r.status_code == 302 and r["Location"] == f"/meetings/{meeting.pk}/"
    assert CheckIn.objects.filter(meeting=meeting, user=people["zhang"]).exists()
    assert "您已签到" in c.get(url).content.decode()
    assert "只有本议事厅的成员" in client_for(UserFactory()).get(url).content.decode()
    assert client_for(None).get(url)["Location"].startswith("/accounts/login/")


def test_plain_form_actions_use_the_same_rules(ctx):
    _hall, people, meeting = ctx
    r = client_for(people["zhang"]).post(f"/meetings/{meeting.pk}/do/open_meeting/", follow=True)
    assert "没有权限" in r.content.decode()
    meeting.refresh_from_db()
    assert meeting.state == "scheduled"
    client_for(people["moderator"]).post(f"/meetings/{meeting.pk}/do/open_meeting/")
    meeting.refresh_from_db()
    assert meeting.state == "open"


def test_minutes_page_and_confirmation(ctx):
    _hall, people, meeting = ctx
    services.meeting_open(actor=people["moderator"], meeting=meeting)
    services.minutes_save(
        actor=people["recorder"], meeting=meeting, body="**同意**", base_version=0
    )
    c = client_for(people["zhang"])
    assert "系统会自动汇总" in c.get(f"/meetings/{meeting.pk}/minutes/").content.decode()
    services.meeting_close(actor=people["moderator"], meeting=meeting)
    page = c.get(f"/meetings/{meeting.pk}/minutes/").content.decode()
    assert "<strong>同意</strong>" in page and "出席情况" in page and "待确认" in page
    assert "主持人确认纪要" not in page
    said = {
        "moderator": "已以主持人身份确认会议纪要，还需记录员确认。",
        "recorder": "会议纪要已确认。主持人和记录员都已确认，纪要已定稿，不能再修改。",
    }
    for who, role in (("moderator", "moderator"), ("recorder", "recorder")):
        r = client_for(people[who]).post(
            f"/meetings/{meeting.pk}/do/confirm_minutes/",
            {"role": role, "next": "minutes"},
            follow=True,
        )
        assert r.redirect_chain[-1][0] == f"/meetings/{meeting.pk}/minutes/"
        assert said[role] in r.content.decode()  # issue 13: a success message, in words
    page = c.get(f"/meetings/{meeting.pk}/minutes/").content.decode()
    assert "已确认" in page and "陈红" in page and "林芳" in page


def test_api_state_schedule_and_minutes(ctx):
    hall, people, meeting = ctx
    r = client_for(people["zhang"]).get(f"/api/v1/meetings/{meeting.pk}")
    assert r.status_code == 200
    assert set(r.json()) >= {"meeting", "agenda", "attendance", "floor", "minutes", "votes"}
    assert client_for(UserFactory()).get(f"/api/v1/meetings/{meeting.pk}").status_code == 403
    body = {
        "title": "API 会议",
        "starts_at": "2030-01-01T10:00:00+08:00",
        "venue": "活动室",
        "moderator_id": people["moderator"].pk,
        "recorder_id": people["recorder"].pk,
        "free_items": [{"title": "其他", "budget_minutes": 10}],
    }
    r = client_for(people["zhang"]).post(
        f"/api/v1/halls/{hall.pk}/meetings", json.dumps(body), content_type="application/json"
    )
    assert r.status_code == 403
    r = client_for(people["head"]).post(
        f"/api/v1/halls/{hall.pk}/meetings", json.dumps(body), content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["title"] == "API 会议"
    r = client_for(people["head"]).post(
        f"/api/v1/meetings/{meeting.pk}/actions/launch", "{}", content_type="application/json"
    )
    assert r.status_code == 404
    r = client_for(people["zhang"]).get(f"/api/v1/meetings/{meeting.pk}/minutes")
    assert r.json() == {"meeting_id": meeting.pk, "markdown": "", "notes": "", "locked": False}
    listing = client_for(people["zhang"]).get(f"/api/v1/halls/{hall.pk}/meetings").json()
    assert {m["title"] for m in listing} == {"十月议事会", "API 会议"}


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("remove_item", {"item_id": 999999}),
        ("set_budget", {"item_id": 999999, "budget_minutes": 5}),
        ("add_item", {"proposal_id": 999999}),
        ("check_in_member", {"user_id": 999999}),
    ],
)
def test_http_commands_on_unknown_ids_are_404_and_huge_ids_400(ctx, action, body):
    """As the room's websocket answers not_found: never a 500 (issue 11 #10)."""
    _hall, people, meeting = ctx
    services.meeting_open(actor=people["moderator"], meeting=meeting)
    c = client_for(people["moderator"])
    url = f"/api/v1/meetings/{meeting.pk}/actions/{action}"
    r = c.post(url, json.dumps(body), content_type="application/json")
    assert r.status_code == 404 and r.json()["detail"]
    huge = {k: (2**70 if k.endswith("_id") else v) for k, v in body.items()}
    r = c.post(url, json.dumps(huge), content_type="application/json")
    assert r.status_code == 400 and "超出范围" in r.json()["detail"]


def test_a_free_item_budget_in_other_digits_is_refused_not_a_500(ctx):
    """`"²".isdigit()` is true, yet `int("²")` fails."""
    hall, _people, _meeting = ctx
    form = MeetingForm(data={"free_items": "茶话会|²"}, hall=hall)
    assert not form.is_valid()
    assert "分钟数" in str(form.errors["free_items"])
