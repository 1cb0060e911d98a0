"""Text no database stores — a NUL character (PostgreSQL refuses it) or a lone surrogate (not
UTF-8) — is refused where JSON comes in, with the reason: the API answers 400, a websocket
room an error frame. Before, PostgreSQL answered a NUL with a 500 (and SQLite stored it), and
a lone surrogate was a 500 on every database. Found by the fuzzers of this package."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from community.models import ApiToken
from community.roles import Role
from deliberation.meetings import services as meeting_services
from forum.models import Comment, Proposal
from tests.community.factories import HallFactory, member
from tests.deliberation.meetings.factories import meeting_people, scheduled_meeting
from tests.forum.factories import proposal as make_proposal
from tests.wsclient import command, open_socket, receive

NUL = "喷泉\x00坏了"
LONE_SURROGATE = "喷泉\ud800坏了"


def bearer(user) -> dict:
    _, raw = ApiToken.issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(url: str, body: dict, auth: dict):
    # json.dumps escapes both as \u0000 and \ud800, as any client's JSON would carry them
    return Client().post(url, json.dumps(body), content_type="application/json", **auth)


@pytest.mark.django_db
@pytest.mark.parametrize("text", [NUL, LONE_SURROGATE], ids=["nul", "lone_surrogate"])
def test_the_api_refuses_unstorable_text_with_the_reason(text):
    hall = HallFactory()
    author = member(hall, Role.MEMBER)
    p = make_proposal(hall, author)
    auth = bearer(author)
    r = post(f"/api/v1/proposals/{p.pk}/comments", {"body": text}, auth)
    assert r.status_code == 400 and "无法保存的字符" in r.json()["detail"]
    r = post(f"/api/v1/halls/{hall.pk}/proposals", {"title": text, "body": "正文"}, auth)
    assert r.status_code == 400 and "无法保存的字符" in r.json()["detail"]
    assert not Comment.objects.exists() and Proposal.objects.count() == 1


@pytest.mark.django_db
def test_a_nul_in_a_query_parameter_is_refused_with_the_reason():
    hall = HallFactory()
    r = Client().get(f"/api/v1/halls/{hall.pk}/proposals", {"q": "喷泉\x00"})
    assert r.status_code == 400 and "无法保存的字符" in r.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("text", [NUL, LONE_SURROGATE], ids=["nul", "lone_surrogate"])
def test_a_meeting_command_over_http_refuses_unstorable_text(text):
    hall = HallFactory()
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people)
    meeting_services.meeting_open(actor=people["moderator"], meeting=meeting)
    r = post(
        f"/api/v1/meetings/{meeting.pk}/actions/add_item",
        {"title": text},
        bearer(people["moderator"]),
    )
    assert r.status_code == 400 and "无法保存的字符" in r.json()["detail"]
    assert [i.title for i in meeting.items.all()] == ["其他事项"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("text", [NUL, LONE_SURROGATE], ids=["nul", "lone_surrogate"])
async def test_a_room_refuses_unstorable_text_with_an_error_frame(text):
    @sync_to_async
    def setup():
        hall = HallFactory()
        author = member(hall, Role.MEMBER)
        return author, make_proposal(hall, author)

    author, p = await setup()
    comm, ok, _ = await open_socket(f"/ws/proposals/{p.pk}/", author)
    assert ok
    await receive(comm)
    reply = await command(comm, "c1", "comment", {"body": text, "stance": "for"})
    assert reply["type"] == "error" and reply["code"] == "bad_request"
    assert "无法保存的字符" in reply["message"]
    assert (await command(comm, "c2", "ping"))["type"] == "ok"  # the socket stays open
    assert not await sync_to_async(Comment.objects.exists)()
    await comm.disconnect()
