"""Every time the site shows, in Beijing time and one format (docs/frontend.md, "Times").

Four patterns, translatable (English in locale/en): a moment and a day, each without the year when
it falls in the current Beijing year and with it otherwise (or always, for printed papers):

    moment   n月j日 H:i       12月4日 14:05         Dec 4, 14:05
             Y年n月j日 H:i    2025年12月4日 14:05   Dec 4, 2025 14:05
    day      n月j日           12月4日               Dec 4
             Y年n月j日        2025年12月4日         Dec 4, 2025

Templates use the `bj_time` filter (`community/templatetags/bj_time.py`); the browser formats the
server's ISO times with `static/js/time.js`, which reads the same patterns from the page
(`time_formats()`, on `<html data-time-formats>`), so both print the same text in both languages.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import dateformat, timezone
from django.utils.translation import gettext

BEIJING = ZoneInfo("Asia/Shanghai")  # never the server's nor the device's zone


def patterns() -> dict[str, str]:
    """The four Django date patterns in the active language."""
    return {
        "moment": gettext("n月j日 H:i"),
        "moment_year": gettext("Y年n月j日 H:i"),
        "day": gettext("n月j日"),
        "day_year": gettext("Y年n月j日"),
    }


def in_beijing(value: dt.datetime | dt.date) -> dt.datetime | dt.date:
    """A moment as Beijing wall time; a calendar day (a DateField) as it is."""
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, BEIJING)
        return value.astimezone(BEIJING)
    return value


def iso(value: dt.datetime | dt.date) -> str:
    """The `datetime` attribute: ISO 8601 with the +08:00 offset, or YYYY-MM-DD for a day."""
    local = in_beijing(value)
    if isinstance(local, dt.datetime):
        return local.isoformat(timespec="seconds")
    return local.isoformat()


def bj_format(
    value: dt.datetime | dt.date, *, day: bool = False, year: bool = False, now=None
) -> str:
    """`value` as Beijing time in the active language; `day` drops the time (a date is a day)."""
    local = in_beijing(value)
    day = day or not isinstance(local, dt.datetime)
    this_year = in_beijing(now or timezone.now()).year
    key = ("day" if day else "moment") + ("_year" if year or local.year != this_year else "")
    return dateformat.format(local, patterns()[key])


def time_formats() -> dict:
    """What `static/js/time.js` needs to print exactly what `bj_format` prints."""
    months = [dateformat.format(dt.date(2000, m, 1), "M") for m in range(1, 13)]
    return {**patterns(), "M": months}
