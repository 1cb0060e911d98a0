"""Issue 13, point 4: in English, no page shows Chinese (issue 13, "Complete English").

Every page a person can reach by following links from the home page (and the sign-in, sign-up
and password pages, which are reached from outside) is opened in English as a visitor, a
resident, the moderator and the hall's head; none may show a Chinese character in its text,
its alt/title/aria-label/placeholder attributes or its buttons. Stored content is not Chinese in
this data (conftest.py), so any Chinese found comes from the interface.
"""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve

from community.models import User
from tests.community.factories import BrowserClient
from tests.i18n.cjk import chinese_in, visible_text

pytestmark = pytest.mark.django_db

# Pages found outside the links of the home page (a visitor types or is sent them).
ENTRY_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/register/",
    "/accounts/password/forgot/",
    "/accounts/password/reset/",
    "/privacy/",
    "/help/",  # the help page, where there is one
    "/halls/fanghua/",
    "/halls/fanghua/proposals/",
    "/halls/fanghua/proposals/new/",
    "/halls/fanghua/notices/",
    "/halls/fanghua/meetings/",
    "/halls/fanghua/ballots/",
    "/halls/fanghua/tasks/",
    "/halls/fanghua/results/",
    "/halls/fanghua/ledger/",
    "/halls/fanghua/taizhang/",
    "/halls/fanghua/dashboard/",
    "/notifications/",
    "/notifications/settings/",
    "/me/memberships/",
]
# Not pages: downloads, images, the API, the admin (Django's own), actions.
SKIP_PREFIXES = (
    "/api/",
    "/admin/",
    "/static/",
    "/media/",
    "/i18n/",
    "/jsi18n/",
    "/accounts/logout/",
)
SKIP_NAMES = {"taizhang_xlsx", "taizhang_csv", "meeting_qr", "my_data_json", "service_worker"}
PER_KIND = 3  # pages of one kind (one URL pattern) opened per person: states differ
PEOPLE = [None, "zhangnainai", "chenhong", "huangxiufen"]


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links(html: str) -> list[str]:
    p = _Links()
    p.feed(html)
    out = []
    for href in p.hrefs:
        href = urldefrag(href)[0]
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def english_client(username: str | None) -> BrowserClient:
    c = BrowserClient()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if username:
        c.force_login(User.objects.get(username=username))
    return c


def crawl(client) -> dict[str, list[str]]:
    """Open the pages reachable from ENTRY_PAGES; return {url: Chinese pieces} of each page."""
    seen_kinds: dict[str, int] = {}
    queue = deque(ENTRY_PAGES)
    visited: set[str] = set()
    found: dict[str, list[str]] = {}
    while queue:
        url = queue.popleft()
        path = url.split("?")[0]
        if url in visited or path.startswith(SKIP_PREFIXES):
            continue
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if match.url_name in SKIP_NAMES:
            continue
        kind = match.url_name + ("?" if "?" in url else "")
        if seen_kinds.get(kind, 0) >= PER_KIND and url not in ENTRY_PAGES:
            continue
        visited.add(url)
        seen_kinds[kind] = seen_kinds.get(kind, 0) + 1
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        chinese = chinese_in(visible_text(html))
        if chinese:
            found[url] = chinese
        queue.extend(links(html))

    return found


@pytest.mark.parametrize("username", PEOPLE, ids=["visitor", "resident", "moderator", "head"])
def test_english_pages_show_no_chinese(demo_year, username):
    found = crawl(english_client(username))
    report = "\n".join(f"{url}: {pieces[:8]}" for url, pieces in sorted(found.items()))
    assert not found, f"Chinese on {len(found)} English pages:\n{report}"
