import json

import pytest
from django.test import Client
from openapi_spec_validator import validate

from community.models import ApiToken, Membership, MembershipStatus
from community.roles import Role
from tests.community.factories import ServiceBrandFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def test_openapi_document_is_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.content)
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert "/api/v1/me" in spec["paths"]
    assert "/api/v1/memberships/{pk}/approve" in spec["paths"]


def test_halls_and_hall_detail_with_brands_are_public(client, hall):
    ServiceBrandFactory(hall=hall, name="花满名苑", order=1)
    ServiceBrandFactory(hall=hall, name="党建阵地", order=0)
    halls = client.get("/api/v1/halls").json()
    assert [h["name"] for h in halls] == [hall.name]
    detail = client.get(f"/api/v1/halls/{hall.pk}").json()
    assert [b["name"] for b in detail["brands"]] == ["党建阵地", "花满名苑"]
    assert detail["settings"]["speech_limit_seconds"] == 120
    assert client.get("/api/v1/halls/999999").status_code == 404


def test_me_needs_authentication(client):
    assert client.get("/api/v1/me").status_code == 401


def test_personal_token_authenticates(client, hall):
    user = member(hall, Role.MEMBER, display_name="王阿姨")
    _, raw = ApiToken.issue(user=user, name="小程序")
    response = client.get("/api/v1/me", headers={"authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    body = response.json()
    assert body["display_name"] == "王阿姨"
    assert body["memberships"][0]["roles"] == ["resident", "member"]
    assert client.get("/api/v1/me", headers={"authorization": "Bearer fh_wrong"}).status_code == 401


def test_session_writes_need_the_csrf_token(hall):
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    url = f"/api/v1/halls/{hall.pk}/memberships"
    assert client.post(url, {}, content_type="application/json").status_code == 403
    assert not Membership.objects.filter(user=user).exists()
    client.get("/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        url, {"message": "你好"}, content_type="application/json", headers={"x-csrftoken": token}
    )
    assert response.status_code == 201, response.content


def test_membership_request_approve_decline_over_the_api(hall):
    head = member(hall, Role.HEAD)
    _, head_key = ApiToken.issue(user=head, name="t")
    a, b = UserFactory(), UserFactory()
    api = Client()
    for u in (a, b):
        _, key = ApiToken.issue(user=u, name="t")
        r = api.post(
            f"/api/v1/halls/{hall.pk}/memberships",
            {},
            content_type="application/json",
            headers={"authorization": f"Bearer {key}"},
        )
        assert r.status_code == 201
    auth = {"authorization": f"Bearer {head_key}"}
    pending = api.get(f"/api/v1/halls/{hall.pk}/memberships", headers=auth).json()
    assert {p["user_id"] for p in pending} == {a.pk, b.pk}
    ma = Membership.objects.get(user=a)
    mb = Membership.objects.get(user=b)
    assert (
        api.post(f"/api/v1/memberships/{ma.pk}/approve", headers=auth).json()["status"] == "active"
    )
    again = api.post(f"/api/v1/memberships/{ma.pk}/approve", headers=auth)
    assert again.status_code == 400 and "已处理" in again.json()["detail"]
    r = api.post(
        f"/api/v1/memberships/{mb.pk}/decline",
        {"reason": "非本小区"},
        content_type="application/json",
        headers=auth,
    )
    assert r.json()["status"] == "declined"
    r = api.put(
        f"/api/v1/memberships/{ma.pk}/roles",
        {"roles": ["resident", "recorder"]},
        content_type="application/json",
        headers=auth,
    )
    assert r.status_code == 200 and set(r.json()["roles"]) == {"resident", "recorder"}
    bad = api.put(
        f"/api/v1/memberships/{ma.pk}/roles",
        {"roles": ["king"]},
        content_type="application/json",
        headers=auth,
    )
    assert bad.status_code == 422


def test_a_member_cannot_approve_over_the_api(hall):
    m = Membership.objects.create(user=UserFactory(), hall=hall, status=MembershipStatus.REQUESTED)
    _, key = ApiToken.issue(user=member(hall, Role.MEMBER), name="t")
    r = Client().post(
        f"/api/v1/memberships/{m.pk}/approve", headers={"authorization": f"Bearer {key}"}
    )
    assert r.status_code == 403
    m.refresh_from_db()
    assert m.status == MembershipStatus.REQUESTED


def test_a_person_creates_uses_and_revokes_a_token_from_the_page(client):
    user = UserFactory()
    client.force_login(user)
    page = client.post("/me/tokens/", {"name": "微信小程序"}).content.decode()
    token = ApiToken.objects.get(user=user)
    raw = page.split('id="raw-key"')[1].split(">")[1].split("<")[0]
    assert raw.startswith("fh_") and token.key_hash != raw  # only the hash is stored
    assert Client().get("/api/v1/me", headers={"authorization": f"Bearer {raw}"}).status_code == 200
    client.post("/me/tokens/", {"revoke": token.pk})
    assert Client().get("/api/v1/me", headers={"authorization": f"Bearer {raw}"}).status_code == 401


def test_a_token_needs_a_name_and_others_tokens_cannot_be_revoked(client):
    owner, other = UserFactory(), UserFactory()
    token, _ = ApiToken.issue(user=owner, name="t")
    client.force_login(other)
    assert "请为令牌起" in client.post("/me/tokens/", {"name": " "}, follow=True).content.decode()
    client.post("/me/tokens/", {"revoke": token.pk})
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_a_token_writes_even_where_csrf_is_enforced(hall):
    """A mini-program's token POST works; a cookie session's POST without CSRF token does not."""
    head = member(hall, Role.HEAD)
    m = Membership.objects.create(user=UserFactory(), hall=hall, status=MembershipStatus.REQUESTED)
    _, key = ApiToken.issue(user=head, name="小程序")
    api = Client(enforce_csrf_checks=True)
    r = api.post(f"/api/v1/memberships/{m.pk}/approve", headers={"authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.content
    m.refresh_from_db()
    assert m.status == MembershipStatus.ACTIVE
    other = Membership.objects.create(
        user=UserFactory(), hall=hall, status=MembershipStatus.REQUESTED
    )
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(head)
    assert browser.post(f"/api/v1/memberships/{other.pk}/approve").status_code == 403
    other.refresh_from_db()
    assert other.status == MembershipStatus.REQUESTED
