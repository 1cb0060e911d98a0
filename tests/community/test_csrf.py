"""CSRF as a browser meets it (issue 11, finding 8): forms and the cookie-session API refuse a
POST without the token; a personal API token writes without one.

The suite's `client` fixture and `client_for` are BrowserClients (CSRF enforced, the token sent
from the cookie a page set), so every test that posts through them runs the CSRF check too.
"""

from __future__ import annotations

import pytest

from community.models import ApiToken, Membership, MembershipStatus
from community.roles import Role
from forum.models import Comment
from tests.community.factories import BrowserClient, UserFactory, client_for, member
from tests.forum.factories import proposal

pytestmark = pytest.mark.django_db


def without_token(user) -> BrowserClient:
    """A browser whose page is stale or forged: signed in, but its POSTs carry no CSRF token."""
    client = client_for(user)
    client.send_csrf = False
    return client


def test_the_suites_clients_enforce_csrf(client, people):
    assert client.handler.enforce_csrf_checks
    assert client_for(people["member"]).handler.enforce_csrf_checks


def test_a_form_posted_without_the_token_is_refused_and_changes_nothing(hall, people):
    p = proposal(hall)
    url = f"/proposals/{p.pk}/comments/"
    refused = without_token(people["member"]).post(url, {"body": "没有令牌的评论"})
    assert refused.status_code == 403
    assert "页面已过期或来源不明" in refused.content.decode()  # the Chinese page, not Django's
    assert not Comment.objects.filter(proposal=p).exists()
    # The same person's browser with the page's token: the comment is posted.
    sent = client_for(people["member"]).post(url, {"body": "带令牌的评论"})
    assert sent.status_code == 302
    assert Comment.objects.filter(proposal=p, body="带令牌的评论").exists()


def test_joining_a_hall_without_the_token_is_refused(hall):
    outsider = UserFactory()
    refused = without_token(outsider).post(f"/halls/{hall.slug}/join/", {"message": "你好"})
    assert refused.status_code == 403
    assert not Membership.objects.filter(user=outsider).exists()


def test_the_session_api_refuses_a_write_without_the_token(hall):
    outsider = UserFactory()
    url = f"/api/v1/halls/{hall.pk}/memberships"
    refused = without_token(outsider).post(
        url, {"message": "你好"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert not Membership.objects.filter(user=outsider).exists()
    sent = client_for(outsider).post(url, {"message": "你好"}, content_type="application/json")
    assert sent.status_code == 201, sent.content
    assert Membership.objects.get(user=outsider).status == MembershipStatus.REQUESTED


@pytest.mark.parametrize("with_session", [False, True])
def test_a_token_writes_without_csrf(hall, with_session):
    """A mini-program sends `Authorization: Bearer fh_…` and no CSRF token; it writes, whether or
    not the same device also holds a session cookie (a WebView signed in to the site)."""
    head = member(hall, Role.HEAD)
    request = Membership.objects.create(
        user=UserFactory(), hall=hall, status=MembershipStatus.REQUESTED
    )
    _, key = ApiToken.issue(user=head, name="小程序")
    client = without_token(head if with_session else None)
    response = client.post(
        f"/api/v1/memberships/{request.pk}/approve", headers={"authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200, response.content
    request.refresh_from_db()
    assert request.status == MembershipStatus.ACTIVE
