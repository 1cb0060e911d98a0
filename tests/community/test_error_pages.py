"""Refusals and errors are pages in the site's layout, in the person's language, with the reason."""

import pytest
from django.test import Client, override_settings
from django.urls import path

from community.roles import Role
from tests.community.factories import BrowserClient, UserFactory, member

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom)]


def test_a_refusal_shows_the_services_reason_and_the_next_step(hall):
    c = BrowserClient()
    c.force_login(member(hall, Role.MEMBER))
    r = c.get(f"/halls/{hall.slug}/members/")
    page = r.content.decode()
    assert r.status_code == 403
    assert "只有微家负责人" in page or "没有权限" in page
    assert 'class="site-header"' in page and "返回首页" in page and "申请加入" in page


def test_an_anonymous_refusal_offers_to_sign_in(hall):
    r = BrowserClient().get(f"/halls/{hall.slug}/members/", follow=False)
    if r.status_code == 302:  # login_required sends people to sign in: fine too
        assert "/accounts/login/" in r["Location"]
    else:
        assert r.status_code == 403 and "登录后再试" in r.content.decode()


def test_not_found_is_a_page_of_the_site_in_the_chosen_language():
    c = BrowserClient()
    r = c.get("/no-such-page/")
    assert r.status_code == 404 and "找不到这个页面" in r.content.decode()
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = c.get("/no-such-page/").content.decode()
    assert "找不到这个页面" not in english


def test_a_stale_form_explains_itself():
    c = Client(enforce_csrf_checks=True)
    c.force_login(UserFactory())
    r = c.post("/me/tokens/", {"name": "x"})
    assert r.status_code == 403 and "刷新页面" in r.content.decode()


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_is_a_plain_chinese_page():
    c = BrowserClient(raise_request_exception=False)
    r = c.get("/boom/")
    assert r.status_code == 500 and "出错了" in r.content.decode()
