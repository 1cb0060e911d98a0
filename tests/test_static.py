"""The front end's rules (docs/frontend.md), checked without a browser.

Part stylesheets apply only under their page's body class, shared components live once in
app.css, forum.css is linked only by forum pages, and our scripts hold no Chinese text of their
own: labels come from the model choices and UI strings from Django's JavaScript catalog.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.community.factories import BrowserClient
from tests.deliberation.meetings.factories import meeting_people, scheduled_meeting

ROOT = Path(__file__).resolve().parents[1]
CSS = ROOT / "static" / "css"
JS = ROOT / "static" / "js"
HAN = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")  # Han and full-width punctuation
CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")


def rules(css: str, top_level: bool = False) -> list[str]:
    """Return the selector of every style rule (inside @media too, unless top_level)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out: list[str] = []
    stack: list[str] = []
    head = ""
    for ch in css:
        if ch == "{":
            h = head.strip()
            head = ""
            inside_keyframes = any(s.startswith("@keyframes") for s in stack)
            if not h.startswith("@") and not inside_keyframes and not (top_level and stack):
                out.extend(s.strip() for s in h.split(","))
            stack.append(h)
        elif ch == "}":
            if stack:
                stack.pop()
            head = ""
        else:
            head += ch
    return out


def part_sheets() -> dict[str, Path]:
    return {p.stem: p for p in sorted(CSS.glob("*.css")) if p.name != "app.css"}


def test_the_parser_finds_rules_inside_media_queries_and_skips_page_rules():
    css = "/* x */ .a, .b .c { color: red } @media (min-width: 1px) { .d { x: y } } @page { size: A4 }"
    assert rules(css) == [".a", ".b .c", ".d"]


@pytest.mark.parametrize("stem", sorted(part_sheets()))
def test_a_part_sheet_styles_only_pages_of_its_part(stem):
    scope = re.compile(r"^\.part-" + re.escape(stem) + r"(?![\w-])")
    loose = [s for s in rules(part_sheets()[stem].read_text()) if not scope.match(s)]
    assert not loose, f"{stem}.css: selectors not under .part-{stem}: {loose}"


def test_no_two_sheets_define_the_same_component():
    """A class styled by two part sheets is a shared component: it belongs in app.css, once."""
    shared = {c for s in rules((CSS / "app.css").read_text()) for c in CLASS.findall(s)}
    owner: dict[str, str] = {}
    clashes = []
    for stem, path in part_sheets().items():
        own = {c for s in rules(path.read_text()) for c in CLASS.findall(s)}
        for c in sorted(own - shared - {f"part-{stem}"}):
            if c in owner:
                clashes.append(f".{c} in {owner[c]}.css and {stem}.css")
            owner[c] = stem
    assert not clashes, clashes


def test_app_css_defines_the_shared_components_once():
    seen: dict[str, int] = {}
    for s in rules((CSS / "app.css").read_text(), top_level=True):
        if s in (".meta", ".timeline", ".photos", ".pager", ".bar"):
            seen[s] = seen.get(s, 0) + 1
    assert seen == {".meta": 1, ".timeline": 1, ".photos": 1, ".pager": 1, ".bar": 1}
    assert not [s for s in rules((CSS / "app.css").read_text()) if ".part-" in s]


def test_elder_first_sizes_stay_in_app_css():
    app = (CSS / "app.css").read_text()
    assert "font-size: 112.5%" in app  # 18px base
    assert re.search(r"\.btn \{[^}]*min-height: 48px", app)
    assert re.search(r"\.btn\.small \{[^}]*min-height: 44px", app)


def _strip_js_comments(src: str) -> str:
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    return re.sub(r"(?m)^\s*//.*$|\s//\s.*$", "", src)


def test_scripts_hold_no_chinese_of_their_own():
    """Text goes through gettext() (the JS catalog) or comes from the labels of the model choices."""
    found = []
    for path in sorted(JS.rglob("*.js")):
        code = _strip_js_comments(path.read_text())
        # gettext("…") arguments are the catalogue's msgids: the one place text may be written.
        code = re.sub(r'gettext\("(?:[^"\\]|\\.)*"\)', "gettext()", code)
        for n, line in enumerate(code.splitlines(), 1):
            if HAN.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, "\n".join(found)


def test_meeting_room_scripts_are_modules_without_html_strings():
    for path in sorted((JS / "meeting").glob("*.js")):
        code = _strip_js_comments(path.read_text())
        assert ".innerHTML = " not in code.replace("view.innerHTML = mn.html", ""), path
        assert not re.search(r"""["']<[a-z]""", code), f"{path}: markup belongs in a <template>"


# --- pages


@pytest.fixture
def room(hall):
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people)
    c = BrowserClient()
    c.force_login(people["zhang"], backend="django.contrib.auth.backends.ModelBackend")
    return c, meeting, hall


@pytest.mark.django_db
def test_forum_css_only_on_forum_pages(room):
    c, meeting, hall = room
    for url in (
        f"/meetings/{meeting.pk}/",
        f"/halls/{hall.slug}/meetings/",
        f"/halls/{hall.slug}/",
    ):
        page = c.get(url).content.decode()
        assert 'class="part-' in page, url
        assert "css/forum.css" not in page, url
    page = c.get(f"/halls/{hall.slug}/proposals/").content.decode()
    assert "css/forum.css" in page and "part-forum" in page


@pytest.mark.django_db
def test_room_page_gives_its_modules_labels_from_the_model_choices_and_every_template(room):
    c, meeting, _hall = room
    page = c.get(f"/meetings/{meeting.pk}/").content.decode()
    assert '<script type="module" src="/static/js/meeting/main.js"></script>' in page
    assert "/jsi18n/" in page
    found = re.search(r'<script id="room-labels" type="application/json">(.*?)</script>', page)
    labels = json.loads(found.group(1))
    assert labels["stance"] == {"for": "赞成", "against": "反对", "order": "秩序问题"}
    assert labels["item_state"]["pending"] == "待审议"
    assert labels["ballot_result"]["no_quorum"] == "未达法定人数"
    assert set(labels["ballot_source"]) >= {"online", "hand"}
    used = set()
    for path in (JS / "meeting").glob("*.js"):
        used |= set(re.findall(r'clone\("(tpl-[\w-]+)"\)', path.read_text()))
    missing = [t for t in sorted(used) if f'<template id="{t}">' not in page]
    assert used and not missing, missing
    screen = c.get(f"/meetings/{meeting.pk}/screen/").content.decode()
    assert '<template id="tpl-vote-screen">' in screen and 'id="room-labels"' in screen


@pytest.mark.django_db
def test_the_javascript_catalog_speaks_english(client, settings):
    zh = client.get("/jsi18n/")
    assert zh.status_code == 200 and b"gettext" in zh.content
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # as the header's language switch sets it
    body = client.get("/jsi18n/").content.decode()
    for english in ("Open the meeting", "Disconnected, reconnecting", "Raise hand: %(stance)s"):
        assert english in body, english
