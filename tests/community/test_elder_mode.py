"""长辈模式（issue 13, point 1）：the switch remembers a person's choice on her profile and the
device's in the `elder_mode` cookie; pages then carry the body class `elder`."""

from __future__ import annotations

import re

import pytest

from community import services
from tests.community.factories import UserFactory, client_for
from tests.forum.factories import proposal

pytestmark = pytest.mark.django_db


def body_class(page: str) -> list[str]:
    return re.search(r'<body class="([^"]*)"', page).group(1).split()


def test_off_by_default_for_visitors_and_people(client, hall):
    assert "elder" not in body_class(client.get("/").content.decode())
    user = UserFactory()
    assert user.elder_mode is False
    page = client_for(user).get("/me/profile/").content.decode()
    assert "elder" not in body_class(page)
    assert "打开长辈模式" in page


def test_a_visitor_switches_it_on_for_this_device_and_is_sent_back(client, hall):
    response = client.post("/me/elder-mode/", {"on": "1", "next": "/privacy/"})
    assert response.status_code == 302 and response["Location"] == "/privacy/"
    assert client.cookies["elder_mode"].value == "1"
    page = client.get("/privacy/").content.decode()
    assert "elder" in body_class(page)
    assert "已打开长辈模式" in page  # the message on the page she comes back to
    client.post("/me/elder-mode/", {"on": "0", "next": "/"})
    assert client.cookies["elder_mode"].value == "0"
    assert "elder" not in body_class(client.get("/").content.decode())


def test_a_signed_in_person_keeps_it_on_her_profile_for_her_other_devices(hall):
    user = UserFactory()
    phone = client_for(user)
    phone.post("/me/elder-mode/", {"on": "1", "next": "/me/profile/"})
    user.refresh_from_db()
    assert user.elder_mode is True
    # another device, never switched: follows the profile
    page = client_for(user).get("/me/profile/").content.decode()
    assert "elder" in body_class(page) and "关闭长辈模式" in page
    phone.post("/me/elder-mode/", {"on": "0"})
    user.refresh_from_db()
    assert user.elder_mode is False


def test_the_device_choice_wins_over_the_profile(hall):
    user = UserFactory(elder_mode=True)
    c = client_for(user)
    assert "elder" in body_class(c.get("/").content.decode())
    c.cookies["elder_mode"] = "0"
    assert "elder" not in body_class(c.get("/").content.decode())


def test_the_switch_refuses_a_get_and_a_foreign_next(client, hall):
    assert client.get("/me/elder-mode/?on=1").status_code == 405
    assert "elder_mode" not in client.cookies
    response = client.post("/me/elder-mode/", {"on": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_switch_needs_the_csrf_token(hall):
    user = UserFactory()
    c = client_for(user)
    c.send_csrf = False
    assert c.post("/me/elder-mode/", {"on": "1"}).status_code == 403
    user.refresh_from_db()
    assert user.elder_mode is False


def test_service_sets_the_flag():
    user = UserFactory()
    services.elder_mode_set(user=user, on=True)
    user.refresh_from_db()
    assert user.elder_mode is True


def test_read_aloud_button_on_proposal_page(client, hall):
    p = proposal(hall)
    page = client.get(f"/proposals/{p.pk}/").content.decode()
    assert "data-read-aloud" in page and "朗读" in page
    assert "js/read_aloud.js" in page
