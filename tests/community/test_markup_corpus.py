"""The XSS corpus (tests/security/xss_corpus.py) through the Markdown sanitiser, without a browser:
no event-handler attribute, no script-capable URL, no tag or attribute outside the allowlist."""

from html.parser import HTMLParser

import pytest

from community.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown
from tests.security.xss_corpus import MARKERS, VECTORS, render

SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")


class Findings(HTMLParser):
    """What in a piece of HTML could run or load something."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"event handler {tag}.{name}")
            elif name not in ALLOWED_ATTRIBUTES.get(tag, set()) and (tag, name) != ("a", "rel"):
                self.found.append(f"attribute {tag}.{name}")
            # Browsers ignore control characters and whitespace inside a scheme.
            compact = "".join(c for c in value if ord(c) > 32).lower()
            if compact.startswith(SCRIPT_SCHEMES):
                self.found.append(f"{tag}.{name}={value!r}")

    handle_startendtag = handle_starttag


def findings(html: str) -> list[str]:
    parser = Findings()
    parser.feed(html)
    parser.close()
    return parser.found


def test_the_corpus_is_ours_and_big_enough():
    assert len(VECTORS) >= 60
    assert len(set(VECTORS)) == len(VECTORS)
    # Every vector calls the canary or asks for the canary host, so a browser would tell.
    assert all(
        any(m in render(i, 1) for m in MARKERS) or "XSS" in render(i, 1)
        for i in range(len(VECTORS))
    )


@pytest.mark.parametrize("index", range(len(VECTORS)))
def test_no_vector_survives_the_sanitiser(index):
    html = str(render_markdown(render(index, index)))
    assert findings(html) == [], html
    assert "<script" not in html.lower()


def test_the_whole_corpus_in_one_text_stays_text():
    """As the browser tests store it: every vector in one body, one after the other."""
    source = "\n\n".join(render(i, i) for i in range(len(VECTORS)))
    html = str(render_markdown(source))
    assert findings(html) == []
    # Raw HTML is still there to read: escaped, not dropped.
    assert "&lt;script&gt;__xss(0)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=__xss(6)&gt;" in html
