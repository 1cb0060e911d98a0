"""使用指南（issue 13, point 8）：the help page links each guide of docs/guide/, each guide is a page
of the site with its screenshots served as static files, for anyone, signed in or not."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import translation

from community import guides

pytestmark = pytest.mark.django_db


def test_the_footer_leads_to_the_help_page_which_links_every_guide(client):
    home = client.get("/").content.decode()
    assert 'href="/help/"' in home and "使用指南" in home
    login = client.get("/accounts/login/").content.decode()
    assert 'href="/help/guide/resident/"' in login  # the residents' guide, where they start
    page = client.get("/help/")
    assert page.status_code == 200
    html = page.content.decode()
    assert [g.slug for g in guides.all_guides()] == ["resident", "moderator", "head"]
    for g in guides.all_guides():
        assert f'href="/help/guide/{g.slug}/"' in html
        assert g.title in html


@pytest.mark.parametrize("slug", guides.SLUGS)
def test_a_guide_is_a_page_whose_screenshots_load(slug, settings):
    settings.WHITENOISE_USE_FINDERS = True  # static files served as by the development server
    anonymous = Client()
    page = anonymous.get(f"/help/guide/{slug}/")
    assert page.status_code == 200
    html = page.content.decode()
    g = guides.guide(slug)
    assert f"<h1>{g.title}</h1>" in html
    assert 'class="site-header"' in html  # in the site's layout
    names = guides.image_names(g.body)
    assert len(names) >= 7
    srcs = re.findall(r'<img [^>]*src="([^"]+)"', html)
    assert srcs == [f"/static/guide/{n}" for n in names]
    for src in srcs:
        image = anonymous.get(src)
        assert image.status_code == 200, src
        assert image["Content-Type"] == "image/png"
        assert b"".join(image.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    # links to the other guides lead to their pages, not to .md files
    assert ".md" not in html
    for other in set(guides.SLUGS) - {slug}:
        assert f'href="/help/guide/{other}/"' in html


def test_an_unknown_guide_is_a_404_in_the_sites_layout(client):
    page = client.get("/help/guide/nosuch/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "找不到这个页面" in html and 'class="site-header"' in html


def test_the_committed_screenshots_are_those_the_guides_show():
    """`make guide` writes exactly the images the guides show: none missing, none left over;
    collectstatic finds them under guide/ (STATICFILES_DIRS)."""
    shown = {n for g in guides.all_guides() for n in guides.image_names(g.body)}
    on_disk = {p.name for p in (guides.GUIDE_DIR / "img").iterdir()}
    assert shown == on_disk
    for name in shown:
        assert finders.find(f"guide/{name}") is not None
    total = sum((guides.GUIDE_DIR / "img" / n).stat().st_size for n in shown)
    assert total < 3 * 1024 * 1024, f"{total} bytes of screenshots"


@pytest.mark.parametrize("slug", guides.SLUGS)
def test_a_guides_title_and_summary_read_in_english(slug):
    """The catalogue holds each guide's title and first paragraph exactly as the file has them
    (edit the file, and this fails until guides.CATALOGUE and the translation follow)."""
    g = guides.guide(slug)
    assert g.title in guides.CATALOGUE and g.summary in guides.CATALOGUE
    with translation.override("en"):
        assert not re.search(r"[\u3400-\u9fff]", g.label + g.blurb), (g.label, g.blurb)
