"""`plaintext`: stored, sanitised HTML as the plain text it shows (for attributes such as share tags).

`striptags` keeps a safe string safe, so text like `"` or `&lt;` inside it would reach an attribute
unescaped or escaped twice; this filter returns ordinary text, which autoescaping then escapes once.
"""

from __future__ import annotations

import html

from django import template
from django.utils.html import strip_tags

register = template.Library()


@register.filter
def plaintext(value) -> str:
    return " ".join(html.unescape(strip_tags(str(value or ""))).split())
