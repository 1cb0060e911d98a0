"""The web app's shell: the manifest, the service worker at /sw.js, the offline page, and the
share metadata messengers (WeChat and others) read from proposal, resolution and result pages."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

from tests.deliberation.results.factories import published_result
from tests.deliberation.votes.factories import resolution_on_notice
from tests.forum.factories import proposal

ROOT = Path(__file__).resolve().parents[1]
META = re.compile(r'<meta (property|itemprop|name)="([\w:]+)" content="([^"]*)">')


def _key(kind: str, key: str) -> str:
    return f"itemprop:{key}" if kind == "itemprop" else key


pytestmark = pytest.mark.django_db


def share_tags(page: str) -> dict[str, str]:
    return {_key(kind, key): unescape(value) for kind, key, value in META.findall(page)}


def test_the_service_worker_is_served_at_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]  # a new release is picked up at once
    code = response.content.decode()
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", code).group(1))
    assert shell[0] == "/offline/"
    assert "/static/css/app.css" in shell and "/static/js/page.js" in shell
    # Only the offline page among the pages; no data.
    assert not [u for u in shell[1:] if not u.startswith("/static/")]
    assert 'const VERSION = "dev"' not in code
    # Pages come from the network first; only the offline page stands in for them.
    assert 'request.mode === "navigate"' in code and "fetch(request).catch(" in code


def test_the_offline_page_says_in_chinese_that_the_network_is_down_and_holds_nothing_personal(
    client, people
):
    client.force_login(people["resident"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/offline/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "网络断开了…" in page and "再试一次" in page
    assert people["resident"].display_name not in page
    assert "csrfmiddlewaretoken" not in page and "<form" not in page


def test_every_page_links_the_manifest_whose_icons_are_our_own_files(client):
    page = client.get("/").content.decode()
    assert '<link rel="manifest" href="/static/manifest.webmanifest">' in page
    manifest = json.loads((ROOT / "static" / "manifest.webmanifest").read_text())
    assert manifest["name"] == "芳华议事厅" and manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    sizes = set()
    for icon in manifest["icons"]:
        assert not icon["src"].startswith(("http", "//")), icon
        path = ROOT / "static" / icon["src"]
        assert path.read_bytes().startswith(b"\x89PNG"), icon
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes


def test_a_proposal_page_shares_its_title_and_text_but_not_its_author(client, hall):
    p = proposal(
        hall, title="楼道加装扶手", body="三号楼的楼梯太陡，老人上下楼不方便，建议加装扶手。"
    )
    tags = share_tags(client.get(f"/proposals/{p.pk}/").content.decode())
    assert tags["og:title"] == tags["itemprop:name"] == "楼道加装扶手"
    assert tags["og:description"].startswith("三号楼的楼梯太陡")
    assert tags["description"] == tags["itemprop:description"] == tags["og:description"]
    assert re.match(r"^http://testserver/static/icons/share\.png$", tags["og:image"])
    assert tags["itemprop:image"] == tags["og:image"]
    assert tags["og:url"] == f"http://testserver/proposals/{p.pk}/"
    assert p.author.display_name not in json.dumps(tags, ensure_ascii=False)
    assert p.author.username not in json.dumps(tags, ensure_ascii=False)


def test_a_resolution_on_notice_and_a_result_share_their_record(client, hall):
    res = resolution_on_notice(hall, title="修复小区喷泉")
    tags = share_tags(client.get(f"/resolutions/{res.pk}/").content.decode())
    assert tags["og:title"] == "修复小区喷泉 · 决议公示"
    assert tags["og:description"] == "由物业与志愿者共同落实。"
    assert tags["og:image"].endswith("/static/icons/share.png")

    result = published_result(hall, title="更换路灯")
    page = client.get(f"/results/{result.pk}/").content.decode()
    tags = share_tags(page)
    assert tags["og:title"] == "更换路灯 · 实施结果公开" == tags["itemprop:name"]
    assert tags["og:description"] and tags["og:description"][:10] in unescape(page)


def test_the_manifest_is_served_as_a_web_app_manifest(settings, rf):
    from whitenoise.middleware import WhiteNoiseMiddleware

    settings.WHITENOISE_USE_FINDERS = True  # serve from static/ as the development server does
    static = WhiteNoiseMiddleware(lambda request: None)
    response = static(rf.get("/static/manifest.webmanifest"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")


def test_share_text_with_quotes_and_markup_stays_inside_its_attribute(client, hall):
    """Found by the XSS corpus: the stored HTML stripped of its tags stayed a "safe" string, so a
    `"` in what a resident wrote ended the attribute (and `&` came out escaped twice)."""
    from html.parser import HTMLParser

    body = 'Tom & Jerry 说："<script src="http://x.test/a.js"></script>" http-equiv="refresh"'
    p = proposal(hall, title='扶手 "加装" & 维修', body=body)
    page = client.get(f"/proposals/{p.pk}/").content.decode()

    class Metas(HTMLParser):
        found: list[dict] = []

        def handle_starttag(self, tag, attrs):
            if tag == "meta":
                self.found.append(dict(attrs))

    parser = Metas()
    parser.found = []
    parser.feed(page)
    shared = [m for m in parser.found if "content" in m and set(m) - {"content"}]
    shared = [m for m in shared if {"name", "property", "itemprop"} & set(m)]
    assert shared and all(set(m) <= {"name", "property", "itemprop", "content"} for m in shared)
    description = next(m["content"] for m in shared if m.get("property") == "og:description")
    assert description.startswith('Tom & Jerry 说："<script src="http://x.test/a.js">')
    title = next(m["content"] for m in shared if m.get("property") == "og:title")
    assert title == '扶手 "加装" & 维修'
