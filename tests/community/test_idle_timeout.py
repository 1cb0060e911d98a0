"""Heads and admins are signed out after SESSION_IDLE_TIMEOUT_MINUTES idle; residents are not.

(issue 11, "Sign-in defences": session idle timeout for heads and admins, configurable.)
"""

from __future__ import annotations

import pytest

from community import middleware
from community.models import AdminAssignment, Membership, MembershipRole
from community.roles import Role
from tests.community.factories import PASSWORD, UserFactory, client_for, member

pytestmark = pytest.mark.django_db

MESSAGE = "您已有 30 分钟没有操作，为了账户安全，系统已自动退出登录。请重新登录。"


class Clock:
    """The middleware's clock, moved by the test."""

    def __init__(self, monkeypatch):
        self.t = 1_800_000_000
        monkeypatch.setattr(middleware, "now", lambda: self.t)

    def advance(self, minutes: float) -> None:
        self.t += int(minutes * 60)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def signed_in(client) -> bool:
    return client.get("/me/memberships/").status_code == 200


def test_a_head_idle_past_the_timeout_is_signed_out_with_the_reason_on_the_login_page(hall, clock):
    head = member(hall, Role.HEAD)
    client = client_for(head)
    assert signed_in(client)
    clock.advance(31)
    response = client.get(f"/halls/{hall.slug}/members/")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/halls/{hall.slug}/members/"
    page = client.get(response["Location"]).content.decode()
    assert MESSAGE in page
    assert not signed_in(client)


def test_a_head_who_keeps_working_stays_signed_in(hall, clock):
    head = member(hall, Role.HEAD)
    client = client_for(head)
    for _ in range(8):  # two hours, a page every quarter of an hour
        clock.advance(15)
        assert signed_in(client)


def test_residents_keep_their_long_session(hall, clock):
    resident = member(hall, Role.MEMBER)
    client = client_for(resident)
    assert signed_in(client)
    clock.advance(3 * 24 * 60)
    assert signed_in(client)


def test_signing_in_with_a_password_starts_the_clock(hall, clock):
    head = member(hall, Role.HEAD, username="huang")
    client = client_for(None)
    response = client.post("/accounts/login/", {"username": "huang", "password": PASSWORD})
    assert response.status_code == 302
    clock.advance(29)
    assert signed_in(client)
    clock.advance(31)
    assert not signed_in(client)
    assert head.pk


@pytest.mark.parametrize("who", ["staff", "federation_admin"])
def test_admins_are_signed_out_too(hall, clock, who):
    if who == "staff":
        person = UserFactory(is_staff=True, is_superuser=True)
    else:
        person = UserFactory()
        AdminAssignment.objects.create(user=person, community=hall.compound.community)
    client = client_for(person)
    assert signed_in(client)
    clock.advance(45)
    if who == "staff":  # the admin site leads to its own sign-in page, with the reason
        response = client.get("/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=/admin/")
        assert MESSAGE in client.get(response["Location"]).content.decode()
    assert not signed_in(client)


def test_a_resident_made_head_gets_the_short_session_within_ten_minutes(hall, clock):
    resident = member(hall, Role.MEMBER)
    client = client_for(resident)
    assert signed_in(client)
    membership = Membership.objects.get(user=resident, hall=hall)
    MembershipRole.objects.create(membership=membership, role=Role.HEAD)
    clock.advance(11)
    assert signed_in(client)  # asked again: she heads the hall now
    clock.advance(31)
    assert not signed_in(client)


def test_an_api_call_after_the_idle_time_is_answered_as_signed_out_not_redirected(hall, clock):
    head = member(hall, Role.HEAD)
    client = client_for(head)
    assert signed_in(client)
    clock.advance(31)
    response = client.get("/api/v1/me")
    assert response.status_code in (401, 403)


def test_the_timeout_is_configurable_and_zero_switches_it_off(hall, clock, settings):
    head = member(hall, Role.HEAD)
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 10
    client = client_for(head)
    clock.advance(11)
    response = client.get("/me/memberships/")
    assert response.status_code == 302
    assert "10 分钟没有操作" in client.get(response["Location"]).content.decode()

    settings.SESSION_IDLE_TIMEOUT_MINUTES = 0
    client = client_for(head)
    clock.advance(600)
    assert signed_in(client)
