"""The sign-up throttle (issue 11 #2): so many accounts per address, and in all, per hour."""

import pytest
from django.test import Client
from django.urls import reverse

from community.models import User
from tests.community.factories import HallFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def home(settings):
    settings.FANGHUA = {**settings.FANGHUA, "HOME_HALL": "fanghua"}
    return HallFactory(slug="fanghua")


def sign_up(username: str, address: str = "203.0.113.7", **headers):
    """One person signing up on a fresh browser from `address`."""
    data = {
        "username": username,
        "display_name": f"居民{username}",
        "password1": "huaman-mingyuan-88",
        "password2": "huaman-mingyuan-88",
        "building": "",
        "accept_privacy": "on",
    }
    return Client(REMOTE_ADDR=address, **headers).post(reverse("register"), data)


def test_one_address_is_refused_after_the_limit_with_a_reason_in_the_sites_layout(settings):
    settings.REGISTRATION_LIMIT_PER_HOUR = 3
    for i in range(3):
        assert sign_up(f"n{i}").status_code == 302
    refused = sign_up("puppet")
    page = refused.content.decode()
    assert refused.status_code == 429
    assert "这个网络在一小时内已经注册了 3 个账号，达到上限" in page
    assert 'class="site-header"' in page and "注册账号" in page  # the site's page, not a bare 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert not User.objects.filter(username="puppet").exists()
    # another address is not held back by this one
    assert sign_up("neighbour", address="198.51.100.4").status_code == 302


def test_the_whole_site_is_limited_per_hour(settings):
    settings.REGISTRATION_LIMIT_PER_HOUR = 0
    settings.REGISTRATION_LIMIT_TOTAL_PER_HOUR = 2
    assert sign_up("a", address="198.51.100.1").status_code == 302
    assert sign_up("b", address="198.51.100.2").status_code == 302
    refused = sign_up("c", address="198.51.100.3")
    assert refused.status_code == 429
    assert "这一小时内注册的人太多了（上限 2 个）" in refused.content.decode()
    assert User.objects.filter(username__in=["a", "b", "c"]).count() == 2


def test_a_refused_form_does_not_use_up_the_limit(settings):
    settings.REGISTRATION_LIMIT_PER_HOUR = 1
    UserFactory(username="taken")
    assert sign_up("taken").status_code == 200  # "该用户名已被使用": no account made
    assert sign_up("fresh").status_code == 302


def test_a_forwarded_for_header_does_not_buy_a_new_address(settings):
    """Behind no trusted proxy (TRUSTED_PROXY_COUNT=0) the socket's address is the client's."""
    settings.REGISTRATION_LIMIT_PER_HOUR = 1
    assert sign_up("first", HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 302
    assert sign_up("second", HTTP_X_FORWARDED_FOR="192.0.2.2").status_code == 429


def test_fifteen_sign_ups_in_a_burst_make_only_the_limit_of_accounts(settings):
    """The finding: 15 accounts in 4 s from one address. The default limit is 10."""
    settings.REGISTRATION_LIMIT_PER_HOUR = 10
    codes = [sign_up(f"burst{i}").status_code for i in range(15)]
    assert codes == [302] * 10 + [429] * 5
    assert User.objects.filter(username__startswith="burst").count() == 10
