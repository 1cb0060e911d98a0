"""Sign-in throttling (django-axes): wrong passwords lock the account and the address for a while."""

import pytest
from django.urls import reverse

from tests.community.factories import PASSWORD, BrowserClient, UserFactory

pytestmark = pytest.mark.django_db


def attempt(client, username, password, url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password})


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_after_five_wrong_passwords_even_the_right_one_is_refused(url):
    user = UserFactory(username="wangayi", is_staff=True, is_superuser=True)
    c = BrowserClient()
    for _ in range(4):
        assert attempt(c, user.username, "wrong-password-1", url).status_code == 200
    assert attempt(c, user.username, "wrong-password-1", url).status_code == 429  # the fifth
    locked = attempt(c, user.username, PASSWORD, url)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "暂时不能登录" in page and "15 分钟" in page and "<nav" in page  # the site's layout
    assert "_auth_user_id" not in c.session


def test_one_address_cannot_try_many_accounts():
    people = [UserFactory() for _ in range(6)]
    c = BrowserClient(REMOTE_ADDR="10.9.8.7")
    for person in people[:5]:
        attempt(c, person.username, "wrong-password-1")
    assert attempt(c, people[5].username, PASSWORD).status_code == 429
    # Another address signs in to that account as usual.
    assert (
        attempt(BrowserClient(REMOTE_ADDR="10.9.8.8"), people[5].username, PASSWORD).status_code
        == 302
    )


def test_a_forged_forwarded_for_header_does_not_reset_the_count():
    user = UserFactory()
    c = BrowserClient()
    for i in range(5):
        c.post(
            reverse("login"),
            {"username": f"nobody{i}", "password": "x"},
            headers={"x-forwarded-for": f"203.0.113.{i}"},
        )
    assert attempt(c, user.username, PASSWORD).status_code == 429


def test_a_right_password_resets_the_count():
    user = UserFactory()
    c = BrowserClient()
    for _ in range(4):
        attempt(c, user.username, "wrong-password-1")
    assert attempt(c, user.username, PASSWORD).status_code == 302
    c.logout()
    for _ in range(4):
        attempt(c, user.username, "wrong-password-1")
    assert attempt(c, user.username, PASSWORD).status_code == 302
