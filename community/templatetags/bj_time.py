"""`{{ value|bj_time }}`: the one way a template shows a time (community/times.py).

    {{ c.created_at|bj_time }}            <time datetime="2026-12-04T14:05:00+08:00">12月4日 14:05</time>
    {{ m.held_at|bj_time:"day" }}         the day only: 12月4日
    {{ res.published_at|bj_time:"year" }} always with the year (printed papers): 2026年12月4日 14:05
    {{ x|bj_time:"day year" }}            both

The result is a `<time>` element (safe to use inside `{% blocktrans with at=...|bj_time %}`); an empty
value gives "" (so `|default:"—"` works). `{% time_formats %}` puts the patterns on `<html>` for
static/js/time.js. Loaded for every template (settings.TEMPLATES "builtins").
"""

from __future__ import annotations

import datetime as dt
import json

from django import template
from django.utils.html import format_html

from community.times import bj_format, iso
from community.times import time_formats as _time_formats

register = template.Library()


@register.filter
def bj_time(value, options: str = ""):
    if isinstance(value, str) and value:
        try:
            parse = dt.date.fromisoformat if len(value) == 10 else dt.datetime.fromisoformat
            value = parse(value)  # a selector's ISO string
        except ValueError:
            return ""
    if not isinstance(value, dt.date):
        return ""
    words = set(str(options).split())
    text = bj_format(value, day="day" in words, year="year" in words)
    return format_html('<time datetime="{}">{}</time>', iso(value), text)


@register.simple_tag
def time_formats() -> str:
    """The patterns as JSON, for an attribute (autoescaped there)."""
    return json.dumps(_time_formats(), ensure_ascii=False, separators=(",", ":"))
