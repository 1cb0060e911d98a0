"""Markdown for everything people write: rendered with `markdown`, then sanitised with nh3.

Raw HTML in the source is shown as text (never interpreted); the rendered HTML is then
cleaned against an allowlist, so even a bug in the Markdown layer cannot let a script,
an event attribute or a `javascript:`/`data:` link through.
"""

from __future__ import annotations

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def _converter() -> markdown.Markdown:
    md = markdown.Markdown(
        extensions=["fenced_code", "tables", "sane_lists", "nl2br"], output_format="html"
    )
    # Raw HTML is text, not markup.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def sanitize(html: str) -> str:
    """Clean HTML against the allowlist; links get rel="nofollow noopener"."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    )


def render_markdown(text: str | None) -> SafeString:
    """Render Markdown written by a person to safe HTML."""
    if not text:
        return mark_safe("")
    # Headings in user text start at h3 so they never outrank the page's own.
    html = _converter().convert(text)
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    return mark_safe(sanitize(html))
