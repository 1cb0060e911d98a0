"""Issue 12, done when: a new resident registers by phone and code, asks to join, the head is told,
approves, the resident is told — through the API (a WeChat mini-program's path).

The display name a first sign-in asks for is set with `PATCH /api/v1/me`, as the welcome page does.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from community import sms
from community.models import ApiToken, Membership, MembershipStatus, User
from community.roles import Role
from tests.community.factories import member

pytestmark = pytest.mark.django_db

NUMBER = "13787654321"


@pytest.fixture
def texts(settings):
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def bearer(key: str) -> dict:
    return {"authorization": f"Bearer {key}"}


def told(api: Client, key: str) -> list[dict]:
    answer = api.get("/api/v1/notifications", headers=bearer(key))
    assert answer.status_code == 200, answer.content
    return answer.json()["items"]


def test_a_resident_joins_by_phone_over_the_api_and_both_sides_are_told(
    hall, texts, django_capture_on_commit_callbacks
):
    head = member(hall, Role.HEAD, display_name="何主任")
    _, head_key = ApiToken.issue(user=head, name="小程序")
    api = Client()  # no cookie, no CSRF: what a mini-program sends

    sent = api.post("/api/v1/auth/sms-code", {"phone": NUMBER}, content_type="application/json")
    assert sent.status_code == 200 and sent.json()["phone"] == "137****4321"
    code = re.search(r"\d{6}", texts[-1].text).group()
    login = api.post(
        "/api/v1/auth/sms-login", {"phone": NUMBER, "code": code}, content_type="application/json"
    )
    body = login.json()
    assert login.status_code == 200 and body["created"] and body["display_name_needed"]
    key = body["token"]
    resident = User.objects.get(pk=body["user_id"])
    # The app asks her name once, as the welcome page does.
    named = api.patch(
        "/api/v1/me",
        {"display_name": "宋阿姨"},
        content_type="application/json",
        headers=bearer(key),
    )
    assert named.status_code == 200 and named.json()["display_name"] == "宋阿姨"
    bad = api.patch(
        "/api/v1/me", {"display_name": ""}, content_type="application/json", headers=bearer(key)
    )
    assert bad.status_code == 400 and "显示名" in bad.json()["detail"]

    with django_capture_on_commit_callbacks(execute=True):
        applied = api.post(
            f"/api/v1/halls/{hall.pk}/memberships",
            {"message": "我住在3栋，想参加议事。"},
            content_type="application/json",
            headers=bearer(key),
        )
    assert applied.status_code == 201, applied.content
    assert applied.json()["status"] == "requested"

    # The head is told, and finds the application among the pending ones.
    head_sees = told(api, head_key)
    assert [n["text"] for n in head_sees] == [f"宋阿姨 申请加入「{hall.name}」，请审核。"]
    assert head_sees[0]["kind"] == "membership" and not head_sees[0]["read"]
    assert head_sees[0]["url"] == f"/halls/{hall.slug}/members/"
    pending = api.get(f"/api/v1/halls/{hall.pk}/memberships", headers=bearer(head_key)).json()
    (application,) = pending
    assert application["id"] == applied.json()["id"]

    # The resident may not approve herself; the head approves.
    refused = api.post(f"/api/v1/memberships/{application['id']}/approve", headers=bearer(key))
    assert refused.status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        approved = api.post(
            f"/api/v1/memberships/{application['id']}/approve", headers=bearer(head_key)
        )
    assert approved.status_code == 200 and approved.json()["status"] == "active"

    # The resident is told in the app and, her number being verified, by text message.
    welcome = f"您加入「{hall.name}」的申请已获批准，欢迎您！"
    assert [n["text"] for n in told(api, key)] == [welcome]
    assert [m.text for m in texts if m.to == NUMBER][-1].startswith(f"【芳华议事厅】{welcome}")
    assert Membership.objects.get(user=resident, hall=hall).status == MembershipStatus.ACTIVE
    me = api.get("/api/v1/me", headers=bearer(key)).json()
    assert [m["status"] for m in me["memberships"]] == ["active"]
