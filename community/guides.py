"""The illustrated guides (docs/guide/<slug>.md), served on the site at /help/guide/<slug>/.

The guides are Markdown files of the repository; their screenshots (docs/guide/img/) are made by
tests/e2e/test_guide_screenshots.py and served as static files under `guide/` (STATICFILES_DIRS).
Rendered with `markdown`, then cleaned by nh3 like everything else the site shows, with images
and second-level headings allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import markdown
import nh3
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from community.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES

GUIDE_DIR = Path(settings.BASE_DIR) / "docs" / "guide"
# The order of the help page.
SLUGS = ("resident", "moderator", "head")

_TAGS = ALLOWED_TAGS | {"h2", "img"}
_ATTRIBUTES = {**ALLOWED_ATTRIBUTES, "img": {"src", "alt", "loading", "width", "height"}}
_IMG = re.compile(r'(<img [^>]*src=")img/([\w.-]+\.png)"')
_LINK = re.compile(r'(<a [^>]*href=")([a-z]+)\.md(#[\w-]*)?"')


# The guides are written in Chinese. Their titles and first paragraphs are in the catalogue too
# (exactly as the files have them; tests/community/test_help.py checks), so the help page reads
# in the visitor's language; a guide's body stays Chinese, marked lang="zh-hans".
CATALOGUE = (
    gettext_noop("居民使用指南：登录、提议题、附议、签到、发言、表决、评价"),
    gettext_noop(
        "用手机就能参加议事。本指南一步一步教您：登录，提出议题，给别人的议题附议，开会时签到、举手发言、表决，事情办完后评价结果。图中红框、大字的按钮，就是您要按的地方。"
    ),
    gettext_noop("主持人和记录员使用指南：按南塘十三条开好一次议事会"),
    gettext_noop(
        "主持人管开会：议程、发言顺序、计时、表决；记录员在会上写会议记录。本指南一步一步教您在手机上开会，大屏可以投到会场的电视或投影上。"
    ),
    gettext_noop("负责人和管理员使用指南：成员、角色、审核、公开栏、台账"),
    gettext_noop(
        "微家负责人管理议事厅：审核入会申请，给成员分配角色，受理议题，看公开栏，每月导出台账。妇联管理员还可以修改议事厅的设置。这些页面在电脑上用更方便。"
    ),
)


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str
    summary: str  # the first paragraph
    body: str  # the Markdown after the title

    @property
    def label(self) -> str:
        """The title in the reader's language."""
        return gettext(self.title)

    @property
    def blurb(self) -> str:
        """The first paragraph in the reader's language."""
        return gettext(self.summary)


def guide(slug: str) -> Guide | None:
    """The guide of this slug, or None."""
    if slug not in SLUGS:
        return None
    text = (GUIDE_DIR / f"{slug}.md").read_text(encoding="utf-8")
    title, _, body = text.partition("\n")
    summary = body.strip().split("\n\n", 1)[0].strip()
    return Guide(slug=slug, title=title.lstrip("# ").strip(), summary=summary, body=body)


def all_guides() -> list[Guide]:
    return [g for g in map(guide, SLUGS) if g is not None]


def image_names(text: str) -> list[str]:
    """The screenshots a guide's Markdown shows (file names in img/), in order."""
    return re.findall(r"!\[[^\]]*\]\(img/([\w.-]+\.png)\)", text)


def _rewrite(html: str) -> str:
    html = _IMG.sub(lambda m: f'{m.group(1)}{static("guide/" + m.group(2))}" loading="lazy"', html)
    return _LINK.sub(
        lambda m: f'{m.group(1)}{reverse("help_guide", args=[m.group(2)])}{m.group(3) or ""}"',
        html,
    )


def render(g: Guide) -> SafeString:
    """The guide's body as safe HTML: images from static files, links to other guides on the site."""
    html = markdown.markdown(g.body, extensions=["tables", "sane_lists"], output_format="html")
    html = nh3.clean(
        _rewrite(html),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
        strip_comments=True,
    )
    return mark_safe(html)
