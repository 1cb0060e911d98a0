"""Stored XSS, tried as an attacker would: our corpus (tests/security/xss_corpus.py) written into
every field people fill, every page that shows them rendered in Chromium, and pushed live into
an open meeting room and discussion. Nothing may run, and no markup from data may reach the DOM.

The pages are loaded with the Content-Security-Policy bypassed: the policy is the second line of
defence (tests/e2e/test_csp_browser.py); here the first — escaping and the Markdown sanitiser —
must hold on its own, so that a vector would really run and call the canary if it got through.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.db.models import Count
from django.test import Client
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from community.models import Hall, User
from deliberation.models import (
    Ballot,
    GovernanceTask,
    Meeting,
    Objection,
    Resolution,
    ResultPublication,
)
from deliberation.models.meetings import MeetingState
from forum.models import Proposal, ProposalState
from tests.security import xss_world
from tests.security.xss_corpus import (
    CANARY_HOST,
    MARKERS,
    TEMPLATE_PROOFS,
    VECTORS,
    describe,
    render,
    vector_id,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEAD = "huangxiufen"
# Field numbers of the canary ids: the stored fields, the ledger, and what is pushed live.
LIVE_FIELDS = {
    90: "live agenda item",
    91: "live ballot option",
    92: "live ballot title",
    93: "live minutes",
    94: "live comment",
}
FIELDS = {f.number: f.label for f in xss_world.fields()}
FIELDS |= {len(FIELDS) + 1: "LedgerEntry.payload", **LIVE_FIELDS}

# Everything on a page that would be markup made from data. Returns what it found.
FIND_INJECTED = r"""([markers, proofs]) => {
  const found = [];
  const marked = (s) => markers.some((m) => (s || "").includes(m));
  const short = (el) => el.outerHTML.slice(0, 160);
  const URL_ATTRS = new Set(["href", "src", "action", "formaction", "data", "xlink:href",
    "poster", "background", "srcdoc", "srcset", "codebase", "ping", "manifest"]);
  // Text-only carriers: what a person typed may sit in these attributes, escaped.
  const TEXT_ATTRS = new Set(["value", "title", "alt", "aria-label", "placeholder", "content"]);
  for (const el of document.querySelectorAll("*")) {
    const tag = el.localName;
    if (tag === "script") {
      const src = el.getAttribute("src");
      if ((el.type || "").toLowerCase() === "application/json") {
        if (src || el.textContent.includes("<")) found.push("json script: " + short(el));
      } else if (!src) {
        found.push("inline script: " + short(el));
      } else {
        const url = new URL(src, location.href);
        if (url.origin !== location.origin || !/^\/(static|jsi18n|admin\/jsi18n)\//.test(url.pathname))
          found.push("foreign script: " + short(el));
      }
      continue;
    }
    if (tag === "style" && marked(el.textContent)) found.push("style from data: " + short(el));
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const value = a.value;
      if (name.startsWith("on")) found.push("event handler: " + short(el));
      else if (URL_ATTRS.has(name)) {
        const compact = value.replace(/[\u0000-\u0020\u007f-\u009f]/g, "").toLowerCase();
        if (/^(javascript|vbscript):/.test(compact) || /^data:text\/html/.test(compact) ||
            (compact.startsWith("data:") && marked(value)))
          found.push("script URL: " + short(el));
        else if (marked(value) && !(tag === "a" && name === "href" && /^https?:/.test(compact)))
          found.push("URL from data: " + short(el));
      } else if (name === "style" && marked(value)) found.push("style from data: " + short(el));
      else if (marked(value) && !TEXT_ATTRS.has(name) && !name.startsWith("data-"))
        found.push("attribute from data: " + short(el));
    }
    // Share metadata (og:title, description…) carries a record's text in `content`, escaped: a
    // <meta> with any other attribute, or data anywhere but its content, is an injection.
    const shareMeta = tag === "meta" &&
      [...el.attributes].every((a) => ["name", "property", "itemprop", "content"].includes(a.name)) &&
      [...el.attributes].every((a) => a.name === "content" || !marked(a.value));
    if (["base", "meta", "link", "iframe", "frame", "object", "embed", "form"].includes(tag) &&
        !shareMeta && [...el.attributes].some((a) => marked(a.name) || marked(a.value)))
      found.push("element from data: " + short(el));
  }
  const text = document.body ? document.body.innerText : "";
  for (const p of proofs) if (new RegExp(p).test(text)) found.push("template evaluated: " + p);
  if (document.querySelectorAll("base").length) found.push("a <base> element");
  return found;
}"""


class Canary:
    """A browser context whose pages report any vector that runs (or asks for the canary host)."""

    def __init__(self, browser, base: str, user: User | None = None):
        self.base = base
        self.fired: list[str] = []
        self.found: list[str] = []
        self.loads = 0
        self.without_vectors: list[str] = []  # pages that showed none of the corpus
        self.ctx = browser.new_context(
            bypass_csp=True,
            locale="zh-CN",
            viewport={"width": 1024, "height": 900},
            # The site's service worker (static/js/sw.js) would hide requests from route().
            service_workers="block",
        )
        self.ctx.set_default_timeout(15_000)
        self.ctx.expose_binding("__xss", self._fire)
        self.ctx.route(re.compile(re.escape(CANARY_HOST)), self._canary_request)
        self.ctx.on("page", lambda page: page.on("dialog", self._dialog))
        if user is not None:
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            self.ctx.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}]
            )
        self.page = self.ctx.new_page()

    def _fire(self, source, n=None, *rest):
        where = source["page"].url if source.get("page") else "?"
        self.fired.append(f"{where}: {describe(n, FIELDS) if str(n).isdigit() else n}")

    def _canary_request(self, route):
        self.fired.append(f"request to {route.request.url} ({route.request.resource_type})")
        route.abort()

    def _dialog(self, dialog):
        self.fired.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def inspect(self, page=None, where: str = "") -> None:
        page = page or self.page
        try:
            problems = page.evaluate(FIND_INJECTED, [list(MARKERS), list(TEMPLATE_PROOFS)])
        except PlaywrightError as exc:  # e.g. a meta refresh from data navigated the page away
            problems = [f"the page went away while inspected: {exc.message.splitlines()[0]}"]
        for problem in problems:
            self.found.append(f"{where or page.url}: {problem}")

    def visit(self, path: str, *, follow_pages: bool = True) -> None:
        """Load `path` (and its further pages) and look for anything that came from data."""
        url = self.base + path
        for _ in range(10):
            response = self.page.goto(url)
            self.loads += 1
            assert response is not None and response.status < 500, (path, response)
            if self.page.locator("#meeting[data-ws]").count():
                expect(self.page.locator("#meeting")).to_have_attribute("data-conn", "live")
            self.inspect(where=path)
            if "__xss(" not in self.page.locator("body").inner_text():
                self.without_vectors.append(url)
            more = self.page.locator("nav a.btn", has_text="下一页")
            if not follow_pages or not more.count():
                return
            url = urljoin(self.page.url, more.first.get_attribute("href"))

    def assert_clean(self) -> None:
        self.page.wait_for_timeout(300)  # late image errors and timers
        assert not self.fired, "a vector ran:\n" + "\n".join(self.fired[:40])
        assert not self.found, "markup from data in the DOM:\n" + "\n".join(self.found[:40])

    def close(self) -> None:
        self.ctx.close()


@pytest.fixture
def world(transactional_db):
    """The demo year with the corpus in every field.

    Nobody is connected while it is written, and this thread runs Playwright's event loop: its
    events are not sent (they would only log that a loop is already running).
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("realtime.publish.send_frame", lambda *args: None)
        return xss_world.build()


def _pages_of_the_head() -> list[str]:
    hall = "fanghua"
    paths = [
        "/",
        f"/halls/{hall}/",
        f"/halls/{hall}/proposals/",
        f"/halls/{hall}/proposals/?state=draft",
        f"/halls/{hall}/moderation/",
        f"/halls/{hall}/members/",
        f"/halls/{hall}/audit/",
        f"/halls/{hall}/meetings/",
        f"/halls/{hall}/ballots/",
        f"/halls/{hall}/notices/",
        f"/halls/{hall}/tasks/",
        f"/halls/{hall}/results/",
        f"/halls/{hall}/dashboard/",
        f"/halls/{hall}/taizhang/",
        f"/halls/{hall}/ledger/",
        "/notifications/",
        "/me/data/",
        "/me/memberships/",
        "/me/profile/",
        "/me/tokens/",
    ]
    # Every list above shows every title; each text field carries the whole corpus in every
    # record, so one record per state (each state has its own parts of a page) suffices.
    proposals = Proposal.objects.filter(hall__slug=hall).exclude(state=ProposalState.DRAFT)
    for p in _one_per(proposals.annotate(n=Count("comments")).order_by("-n", "pk"), "state"):
        paths += [f"/proposals/{p.pk}/", f"/proposals/{p.pk}/story/"]
    meetings = Meeting.objects.filter(hall__slug=hall, items__isnull=False).distinct()
    for m in _one_per(meetings, "state"):
        paths += [f"/meetings/{m.pk}/", f"/meetings/{m.pk}/screen/", f"/meetings/{m.pk}/minutes/"]
    ballots = Ballot.objects.filter(hall__slug=hall, options__isnull=False).distinct()
    for b in _one_per(ballots, "state", "mode", "kind", "secret"):
        paths += [f"/ballots/{b.pk}/", f"/ballots/{b.pk}/results/"]
    resolutions = Resolution.objects.filter(hall__slug=hall, ledger_seq__isnull=False)
    for r in _one_per(resolutions.annotate(n=Count("objections")).order_by("-n", "pk"), "state"):
        paths += [f"/resolutions/{r.pk}/", f"/resolutions/{r.pk}/print/"]
    tasks = GovernanceTask.objects.filter(hall__slug=hall, reports__isnull=False).distinct()
    for t in _one_per(tasks, "state"):
        paths += [f"/tasks/{t.pk}/", f"/tasks/{t.pk}/edit/"]
    for r in _one_per(ResultPublication.objects.filter(hall__slug=hall), "state"):
        paths.append(f"/results/{r.pk}/")
    return paths


def _pages_of_the_admin() -> list[str]:
    hall = Hall.objects.get(slug="fanghua")
    community = hall.compound.community
    paths = [
        f"/communities/{community.pk}/dashboard/",
        f"/streets/{community.street_id}/dashboard/",
    ]
    paths += [
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for model in (User, Hall, Meeting, Ballot, Resolution, Objection, GovernanceTask)
    ]
    return [*paths, f"/admin/community/hall/{hall.pk}/change/"]


def _one_per(queryset, *keys: str) -> list:
    """The first record (in the queryset's order) of each combination of `keys`."""
    first: dict[tuple, object] = {}
    for obj in queryset if queryset.ordered else queryset.order_by("pk"):
        first.setdefault(tuple(getattr(obj, k) for k in keys), obj)
    return list(first.values())


def test_no_stored_vector_runs_on_any_page(world, server_url, browser):
    coverage = world.coverage()
    # The corpus is ours and big enough, and most fields carry every vector that fits.
    assert len(VECTORS) >= 60
    assert sum(1 for n in coverage.values() if n >= 60) >= 35, coverage

    started = time.monotonic()
    head = Canary(browser, server_url, User.objects.get(username=HEAD))
    anonymous = Canary(browser, server_url)
    author = Proposal.objects.filter(state=ProposalState.DRAFT).select_related("author").first()
    writer = Canary(browser, server_url, author.author)
    admin = Canary(browser, server_url, User.objects.get(username="admin"))
    try:
        for path in _pages_of_the_head():
            head.visit(path)
        for path in ("/", "/halls/fanghua/", "/halls/fanghua/notices/", "/halls/fanghua/results/"):
            anonymous.visit(path)
        # The author's own forms: what she wrote comes back inside <input> and <textarea>.
        writer.visit(f"/proposals/{author.pk}/edit/")
        # …and the live preview renders the whole corpus through the sanitiser into the page.
        expect(writer.page.locator("#body-preview")).to_contain_text("__xss(")
        writer.inspect(where="the Markdown preview of her draft")
        writer.visit("/me/profile/")
        # The federation's views and the admin site (where the hall's settings are written).
        for path in _pages_of_the_admin():
            admin.visit(path, follow_pages=False)
        for canary in (head, anonymous, writer, admin):
            canary.assert_clean()
        assert head.loads >= 60  # the crawl really went through the year
        # …and the pages really showed the corpus (as text).
        assert len(head.without_vectors) <= head.loads // 10, head.without_vectors
        print(f"{head.loads} pages in {time.monotonic() - started:.0f} s")
    finally:
        for canary in (head, anonymous, writer, admin):
            canary.close()


SOCKET_COMMANDS = r"""async ([path, commands]) => {
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + path);
  const waiting = {};
  ws.onmessage = (e) => {
    const f = JSON.parse(e.data);
    if (f.in_reply_to && waiting[f.in_reply_to]) waiting[f.in_reply_to](f);
  };
  await new Promise((ok, ko) => { ws.onopen = ok; ws.onerror = ko; });
  const replies = [];
  for (let i = 0; i < commands.length; i++) {
    // unique per command, as the room's client makes them: a repeated id is a retry
    const id = "x" + Date.now().toString(36) + Math.random().toString(36).slice(2) + i;
    const reply = new Promise((r) => { waiting[id] = r; });
    ws.send(JSON.stringify({ id, type: commands[i][0], data: commands[i][1] }));
    replies.push(await reply);
  }
  ws.close();
  return replies;
}"""


def _over_socket(canary: Canary, path: str, commands: list) -> None:
    """Send room commands over a websocket of `canary`'s person; each must be accepted."""
    replies = canary.page.evaluate(SOCKET_COMMANDS, [path, commands])
    refused = [(c[0], r) for c, r in zip(commands, replies, strict=True) if r["type"] != "ok"]
    assert not refused, refused


def _fitting(field: int, limit: int, *, step: int = 1) -> list[str]:
    out = [render(v, vector_id(field, v)) for v in range(0, len(VECTORS), step)]
    return [s for s in out if len(s) <= limit]


def test_no_vector_runs_when_pushed_live(world, server_url, browser):
    meeting = Meeting.objects.filter(state=MeetingState.SCHEDULED).order_by("pk").first()
    room = f"/ws/meetings/{meeting.pk}/"
    people = {u.username: u for u in User.objects.filter(username__in=["wangayi", "zhangnainai"])}
    proposal = (
        Proposal.objects.filter(
            hall__slug="fanghua", state=ProposalState.COLLECTING, locked=False, moderation="visible"
        )
        .order_by("pk")
        .first()
    )
    viewer = Canary(browser, server_url, User.objects.get(username=HEAD))
    moderator = Canary(browser, server_url, meeting.moderator)
    recorder = Canary(browser, server_url, meeting.recorder)
    residents = [Canary(browser, server_url, u) for u in people.values()]
    actors = [moderator, recorder, *residents]
    try:
        viewer.visit(f"/meetings/{meeting.pk}/")
        screen = viewer.ctx.new_page()
        screen.goto(f"{server_url}/meetings/{meeting.pk}/screen/")
        expect(screen.locator("#meeting")).to_have_attribute("data-conn", "live")
        reader = viewer.ctx.new_page()
        reader.goto(f"{server_url}/proposals/{proposal.pk}/")
        expect(reader.locator("[data-state=live]")).to_have_count(1)
        for actor in actors:
            actor.page.goto(server_url + "/healthz")

        items = _fitting(90, 80, step=7)  # a socket may send 20 commands at once (rate limit)
        before = meeting.items.count()
        options = _fitting(91, 80, step=9)[:8]
        _over_socket(
            moderator,
            room,
            [
                ["open_meeting", {}],
                *[["check_in_member", {"user_id": u.pk}] for u in people.values()],
                *[["add_item", {"title": t}] for t in items],
                ["next_item", {}],
                [
                    "ballot_open",
                    {
                        "title": render(0, vector_id(92, 0)),
                        "kind": "single_choice",
                        "options": options,
                    },
                ],
            ],
        )
        for actor in residents:
            _over_socket(actor, room, [["raise_hand", {"stance": "for"}]])
        _over_socket(moderator, room, [["give_floor", {}]])
        minutes = "\n\n".join(_fitting(93, 200))[:6000]
        _over_socket(recorder, room, [["save_minutes", {"body": minutes, "base_version": 0}]])
        comments = [["comment", {"body": "\n\n".join(_fitting(94, 200, step=2))}]]
        _over_socket(residents[0], f"/ws/proposals/{proposal.pk}/", comments)

        # Everything arrived in the open pages, as text (what ran, if anything, is told first).
        page = viewer.page
        try:
            expect(page.locator("#m-queue li")).to_have_count(1)
            expect(page.locator("#m-speaker")).to_contain_text("__xss(")
            expect(screen.locator("#m-speaker")).to_contain_text("__xss(")
            expect(screen.locator("#m-current")).to_contain_text("__xss(")
            expect(page.locator("#m-agenda > li")).to_have_count(before + len(items))
            expect(page.locator("#m-vote")).to_contain_text("__xss(92000)")
            expect(page.locator("#m-minutes")).to_contain_text("__xss(93")
            expect(page.locator("#m-attendance")).to_contain_text("__xss(")
            expect(reader.locator("body")).to_contain_text("__xss(94")
        finally:
            viewer.inspect(page, "meeting room after live pushes")
            viewer.inspect(reader, "discussion after a live comment")
            viewer.inspect(screen, "big screen after live pushes")
            for canary in (viewer, *actors):
                canary.assert_clean()
    finally:
        for canary in (viewer, *actors):
            canary.close()
