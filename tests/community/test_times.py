"""Every time is shown in Beijing time, in one format (community/times.py, static/js/time.js)."""

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import timezone, translation

from community.times import bj_format

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)  # 14:00 in Beijing


def zh(value, **kw) -> str:
    with translation.override("zh-hans"):
        return bj_format(value, now=NOW, **kw)


def en(value, **kw) -> str:
    with translation.override("en"):
        return bj_format(value, now=NOW, **kw)


def test_this_year_leaves_the_year_out_another_year_shows_it():
    assert zh(datetime(2026, 3, 9, 1, 5, tzinfo=UTC)) == "3月9日 09:05"
    assert zh(datetime(2025, 12, 4, 6, 5, tzinfo=UTC)) == "2025年12月4日 14:05"
    assert zh(datetime(2026, 3, 9, 1, 5, tzinfo=UTC), day=True) == "3月9日"
    assert zh(date(2025, 12, 4)) == "2025年12月4日"  # a calendar day (a DateField) is a day
    assert zh(datetime(2026, 3, 9, 1, 5, tzinfo=UTC), year=True) == "2026年3月9日 09:05"


def test_the_day_is_beijing_s_day_not_utc_s():
    # 16:30 UTC on Dec 3 is 00:30 on Dec 4 in Beijing; 15:59 UTC is still Dec 3 there.
    assert zh(datetime(2026, 12, 3, 16, 30, tzinfo=UTC)) == "12月4日 00:30"
    assert zh(datetime(2026, 12, 3, 15, 59, tzinfo=UTC)) == "12月3日 23:59"
    assert zh(datetime(2026, 12, 3, 16, 30, tzinfo=UTC), day=True) == "12月4日"
    # New Year in Beijing comes eight hours before London's: 2025-12-31 16:30 UTC is this year.
    assert zh(datetime(2025, 12, 31, 16, 30, tzinfo=UTC)) == "1月1日 00:30"
    # whatever zone the server runs in
    with timezone.override(ZoneInfo("America/New_York")):
        assert zh(datetime(2026, 12, 3, 16, 30, tzinfo=UTC)) == "12月4日 00:30"


def test_english_uses_the_translated_patterns():
    assert en(datetime(2026, 12, 4, 6, 5, tzinfo=UTC)) == "Dec 4, 14:05"
    assert en(datetime(2025, 9, 4, 6, 5, tzinfo=UTC)) == "Sep 4, 2025 14:05"
    assert en(date(2025, 12, 4)) == "Dec 4, 2025"


def test_english_day_of_this_year_is_month_and_day():
    """Needs the new msgid "n月j日" translated as "M j" in locale/en."""
    assert en(date(2026, 12, 4)) == "Dec 4"
    assert en(datetime(2026, 12, 3, 16, 30, tzinfo=UTC), day=True) == "Dec 4"


def test_the_filter_renders_a_time_element_with_the_beijing_iso_time():
    t = Template(
        '{{ at|bj_time }}|{{ at|bj_time:"day" }}|{{ due|bj_time }}|{{ none|bj_time|default:"—" }}'
    )
    with translation.override("zh-hans"):
        out = t.render(
            Context({"at": datetime(2025, 12, 3, 16, 30, tzinfo=UTC), "due": date(2025, 1, 2)})
        )
    assert out == (
        '<time datetime="2025-12-04T00:30:00+08:00">2025年12月4日 00:30</time>|'
        '<time datetime="2025-12-04T00:30:00+08:00">2025年12月4日</time>|'
        '<time datetime="2025-01-02">2025年1月2日</time>|—'
    )


# Machine dates in links and form fields (?from=2026-12-01, <input type=date value>) are not shown.
MACHINE = re.compile(r"""\|date:(['"])Y-m-d\1""")
SHOWN = re.compile(
    r"\|date\b|\|time\b|naturaltime|naturalday|timesince|timeuntil|\|timezone\b|\|localtime\b|\|utc\b|\{% now "
)


def test_every_template_shows_times_through_bj_time():
    bad = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        for m in SHOWN.finditer(text):
            in_tag = text.rfind("<", 0, m.start()) > text.rfind(">", 0, m.start())
            if in_tag and MACHINE.match(text, m.start()):
                continue
            line = text.count("\n", 0, m.start()) + 1
            bad.append(f"{path.relative_to(ROOT)}:{line}: {text[m.start() : m.start() + 30]}")
    assert not bad, "show times with |bj_time (community/times.py):\n" + "\n".join(bad)


def test_every_script_formats_times_through_time_js():
    device_clock = re.compile(
        r"toLocale(String|DateString|TimeString)|Intl\.DateTimeFormat|\.get(Hours|Minutes|Date|Month|FullYear)\("
    )
    bad = [
        f"{p.relative_to(ROOT)}: {m.group(0)}"
        for p in sorted((ROOT / "static" / "js").rglob("*.js"))
        if p.name != "time.js"
        for m in device_clock.finditer(p.read_text())
    ]
    assert not bad, "format times with static/js/time.js:\n" + "\n".join(bad)
