"""Known XSS vectors through Markdown (proposal bodies and comments): none survives."""

from html.parser import HTMLParser

import pytest

from community.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown

VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<a href=javascript:alert(1)>x</a>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](  javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '[x](https://ok.example "t" onmouseover="alert(1)")',
    "<a href='x' onclick='alert(1)'>x</a>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>*{background:url(javascript:alert(1))}</style>",
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<input onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<img src=`x`onerror=alert(1)>",
    "<base href=javascript:alert(1)//>",
    "```\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "> <img src=x onerror=alert(1)>",
    "* [x](javascript:alert(1))",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "[x][r]\n\n[r]: javascript:alert(1)",
    '<https://ok.example/" onmouseover="alert(1)>',
    "<javascript:alert(1)>",
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">x</a>',
    "[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1))",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "<table background=javascript:alert(1)>",
    "<td onmouseover=alert(1)>x</td>",
]

BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name not in ALLOWED_ATTRIBUTES.get(tag, set()) and not (
                tag == "a" and name == "rel"
            ):
                self.problems.append(f"attribute {tag}.{name}")
            if name == "href":
                compact = "".join((value or "").split()).lower()
                if compact.startswith(BAD_SCHEMES):
                    self.problems.append(f"href {value}")
        if tag == "a" and dict(attrs).get("href"):
            rel = dict(attrs).get("rel") or ""
            if "nofollow" not in rel or "noopener" not in rel:
                self.problems.append("link without rel=nofollow noopener")


def test_the_corpus_is_big_enough():
    assert len(VECTORS) >= 40


@pytest.mark.parametrize("source", VECTORS)
def test_no_vector_survives(source):
    html = str(render_markdown(source))
    checker = Checker()
    checker.feed(html)
    assert checker.problems == [], html
    # Raw HTML is shown as text: what was typed is visible, escaped, never markup.
    assert "<script" not in html.lower()


def test_ordinary_markdown_still_works():
    html = str(render_markdown("**喷泉**修好了\n\n- 一\n- 二\n\n[链接](https://example.com)"))
    assert "<strong>喷泉</strong>" in html and "<li>一</li>" in html
    assert 'href="https://example.com"' in html and 'rel="nofollow noopener"' in html
