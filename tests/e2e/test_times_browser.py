"""Issue 13: a phone set to New York time, in English, still reads Beijing time in the site's one
format — on a comment that arrives live as on one the server rendered (community/times.py,
static/js/time.js)."""

from datetime import UTC, datetime

import pytest
from django.utils import translation

from community.times import bj_format
from demo.community import DEMO_PASSWORD, seed_organisation
from forum.models import Comment
from tests.e2e.conftest import log_in
from tests.forum.factories import proposal as make_proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# This year and another, and the hour around midnight where Beijing's day is not New York's or UTC's.
INSTANTS = [
    datetime(2025, 12, 31, 16, 30, tzinfo=UTC),  # 2026-01-01 00:30 in Beijing
    datetime(2025, 12, 31, 15, 59, tzinfo=UTC),  # 2025-12-31 23:59
    datetime(2024, 2, 29, 4, 5, tzinfo=UTC),
    datetime.now(UTC).replace(month=6, day=3, hour=16, minute=7),  # this year, 00:07 on 6月4日
]
FORMATTER = """async ([url, isos]) => {
  const t = await import(url);
  return isos.flatMap((i) => [t.formatTime(i), t.formatTime(i, {day: true}), t.formatTime(i, {year: true})]);
}"""


def python_texts(language: str) -> list[str]:
    with translation.override(language):
        return [
            text
            for at in INSTANTS
            for text in (bj_format(at), bj_format(at, day=True), bj_format(at, year=True))
        ]


def test_a_live_comment_shows_the_same_beijing_time_as_the_server_in_new_york_english(
    server_url, phone
):
    hall, users = seed_organisation()
    proposal = make_proposal(hall, users["zhangnainai"], title="楼道灯不亮")
    ctx = phone(timezone_id="America/New_York", locale="en-US")
    ctx.add_cookies([{"name": "django_language", "value": "en", "url": server_url}])
    page = ctx.new_page()
    log_in(page, server_url, "wangayi", DEMO_PASSWORD)
    page.goto(server_url + f"/proposals/{proposal.pk}/")
    page.wait_for_selector("#live-status[data-state=live]")
    page.fill("#comment-body", "我也看到了")
    page.click("#comment-form button[type=submit]")
    live = page.locator("#thread .comment:has-text('我也看到了') time")
    live.wait_for()
    live_text, live_iso = live.inner_text(), live.get_attribute("datetime")

    comment = Comment.objects.get(body="我也看到了")
    with translation.override("en"):
        assert live_text == bj_format(comment.created_at)  # e.g. "Dec 5, 06:55", never 17:55
    page.reload()
    served = page.locator(f"#c{comment.pk} time")
    assert served.inner_text() == live_text
    served_at = datetime.fromisoformat(served.get_attribute("datetime"))  # +08:00, whole seconds
    assert served_at == datetime.fromisoformat(live_iso).replace(microsecond=0)

    # time.js prints what the template filter prints, in English and in Chinese.
    url = page.evaluate(
        "new URL('time.js', document.querySelector('script[src*=\"forum\"]').src).href"
    )
    isos = [at.isoformat() for at in INSTANTS]
    assert page.evaluate(FORMATTER, [url, isos]) == python_texts("en")
    ctx.add_cookies([{"name": "django_language", "value": "zh-hans", "url": server_url}])
    page.reload()
    assert page.evaluate(FORMATTER, [url, isos]) == python_texts("zh-hans")
