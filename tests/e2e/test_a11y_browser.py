"""Accessibility as a gate (issue 13, point 7): axe-core, from npm (package.json), run in Debian's
Chromium on every main page as a visitor, a resident, the moderator and the hall's head, in the
normal and in 长辈模式，on a 390 px phone and a 1366 px screen: no serious or critical violation
of WCAG 2.1 A/AA. Then a keyboard-only walk (proposal → 附议 → comment → vote with Tab, Enter and
Space alone) and a walk with Tab through the main pages where every focused element shows it."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from community.models import User
from deliberation.meetings import ballots as room_votes
from deliberation.meetings import services as meetings
from deliberation.models import Ballot, GovernanceTask, Meeting, MeetingState, ResultPublication
from demo import forum as demo_forum
from demo.community import DEMO_PASSWORD, seed_organisation
from demo.deliberation import DEMO_MEETING_TITLE
from demo.deliberation import seed as seed_deliberation
from demo.forum import FOUNTAIN_TITLE
from demo.votes import POLL_TITLE
from forum.models import Proposal
from tests.conftest import REQUIRE_SERVICES
from tests.e2e.conftest import log_in, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
HALL = "/halls/fanghua"
ROLES = {"visitor": None, "resident": "wangayi", "moderator": "chenhong", "head": "huangxiufen"}
WIDTHS = {"phone": 390, "desktop": 1366}
MODES = ("normal", "elder")
GATE = ("serious", "critical")
# Started without waiting; the violations land in window.__axe.
# In 长辈模式 (MIIT 适老化: body text at 7:1) axe's enhanced contrast rule (WCAG AAA: 7:1, large
# text 4.5:1) joins the gate.
AXE_START = """() => { window.__axe = undefined; axe.run(document, {
  runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
  rules: {"color-contrast-enhanced": {enabled: document.body.classList.contains("elder")}},
  resultTypes: ["violations"],
}).then((r) => { window.__axe = {width: innerWidth, violations: r.violations.map((v) => ({
  id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
}))}; }); }"""


@dataclass
class Run:
    label: str
    role: str
    page: object
    seen: set = field(default_factory=set)


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        message = f"axe-core is not installed ({AXE.relative_to(ROOT)}): run `make setup` (npm ci)"
        if REQUIRE_SERVICES or os.environ.get("CI"):
            pytest.fail(message + " — CI must run the accessibility gate")
        pytest.skip(message)
    return AXE.read_text()


@pytest.fixture
def demo(transactional_db):
    """The demo with its year; the monthly meeting under way: its first item done, the second
    open with a vote on it. (Seeded while Playwright's loop runs, so the live events it would
    publish are logged as not sent: nobody is connected yet, the pages read the database.)"""
    call_command("seed_demo", quiet=True)
    mod = User.objects.get(username="chenhong")
    meeting = Meeting.objects.get(title=DEMO_MEETING_TITLE)
    meetings.meeting_open(actor=mod, meeting=meeting)
    for name in ("wangayi", "huangxiufen"):
        user = User.objects.get(username=name)
        meetings.meeting_check_in_member(actor=mod, meeting=meeting, user_id=user.pk)
    meetings.meeting_open_item(actor=mod, meeting=meeting)
    meetings.meeting_open_item(actor=mod, meeting=meeting)  # the first one is done
    room_votes.meeting_ballot_open(actor=mod, meeting=meeting)
    return meeting


def main_pages(meeting) -> dict[str, str]:
    """Every main page, by name → path."""
    past = Meeting.objects.filter(state=MeetingState.CLOSED).order_by("-starts_at").first()
    fountain = Proposal.objects.get(title=FOUNTAIN_TITLE)
    pages = {
        "home": "/",
        "hall": f"{HALL}/",
        "proposals": f"{HALL}/proposals/",
        "proposal": f"/proposals/{fountain.pk}/",
        "proposal story": f"/proposals/{fountain.pk}/story/",
        "new proposal": f"{HALL}/proposals/new/",
        "notices": f"{HALL}/notices/",
        "meetings": f"{HALL}/meetings/",
        "meeting (past)": f"/meetings/{past.pk}/",
        "meeting room": f"/meetings/{meeting.pk}/",
        "big screen": f"/meetings/{meeting.pk}/screen/",
        "ballots": f"{HALL}/ballots/",
        "ballot": f"/ballots/{Ballot.objects.get(title=POLL_TITLE).pk}/",
        "tasks": f"{HALL}/tasks/",
        "task": f"/tasks/{GovernanceTask.objects.order_by('pk').first().pk}/",
        "results": f"{HALL}/results/",
        "result": f"/results/{ResultPublication.objects.order_by('pk').first().pk}/",
        "ledger": f"{HALL}/ledger/",
        "taizhang": f"{HALL}/taizhang/",
        "dashboard": f"{HALL}/dashboard/",
        "account": "/me/profile/",
        "memberships": "/me/memberships/",
        "notifications": "/notifications/",
        "members": f"{HALL}/members/",
        "moderation": f"{HALL}/moderation/",
        "sign-in": "/accounts/login/",
        "sign-up": "/accounts/register/",
    }
    for name, url_name in (("help", "help"), ("hall settings", "hall_settings")):
        try:  # pages that other branches add
            pages[name] = reverse(
                url_name, kwargs={"slug": "fanghua"} if "hall" in url_name else {}
            )
        except NoReverseMatch:
            pass
    return pages


def _signed_in_states(browser, server_url) -> dict:
    """Each role signed in once; its cookies are reused by every context of that role."""
    states = {"visitor": {"cookies": [], "origins": []}}
    for role, username in ROLES.items():
        if username is None:
            continue
        ctx = browser.new_context()
        page = ctx.new_page()
        log_in(page, server_url, username, DEMO_PASSWORD)
        states[role] = ctx.storage_state()
        ctx.close()
    return states


def _context(browser, server_url, state, mode):
    """A phone's context (390 px); widened to 1366 px on each page for the second look."""
    ctx = browser.new_context(
        viewport={"width": WIDTHS["phone"], "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        storage_state=state,
        service_workers="block",  # its install (precaching the app's files) adds nothing here
    )
    # The device's choice wins over the profile's (community/context_processors.py).
    ctx.add_cookies(
        [{"name": "elder_mode", "value": "1" if mode == "elder" else "0", "url": server_url}]
    )
    ctx.set_default_timeout(10_000)
    return ctx


def test_axe_finds_nothing_serious_on_the_main_pages(demo, server_url, browser, axe_source):
    """Each page is loaded once per role and mode, and axe looks at it 390 px wide, then (the
    same page resized, its CSS media queries applied anew) 1366 px wide: half the page loads of
    a context per width, for the same DOM the server sends to both."""
    pages = main_pages(demo)
    states = _signed_in_states(browser, server_url)
    started = time.monotonic()
    csp = []
    runs = []  # every (role, mode) at once: each page's axe runs while the next one loads
    for role in ROLES:
        for mode in MODES:
            ctx = _context(browser, server_url, states[role], mode)
            # axe comes in as an init script (DevTools' own channel), which the site's CSP does
            # not govern: the pages run under their real policy, no bypass needed.
            ctx.add_init_script(script=axe_source)
            watch_csp(ctx, csp)
            runs.append(Run(f"{role}, {mode}", role, ctx.new_page()))
    failures, looks = [], 0

    def collect(run, name, path, width):
        run.page.wait_for_function("() => window.__axe !== undefined", polling=50)
        seen = run.page.evaluate("window.__axe")
        # a phone widens its layout to fit a page that is too wide (which then scrolls sideways)
        assert seen["width"] == width, (
            f"{name} as {run.label}: {seen['width']} px of page on a {width} px screen"
        )
        for v in seen["violations"]:
            if v["impact"] not in GATE:
                continue
            targets = "; ".join(f"{n['target']}: {n['summary']}" for n in v["nodes"][:6])
            failures.append(
                f"{name} ({path} → {run.page.url.removeprefix(server_url)}) as {run.label}, "
                f"{width}px: [{v['impact']}] {v['id']} ({v['help']}) ×{len(v['nodes'])}: "
                f"{targets}"
            )

    for name, path in pages.items():
        checking = []
        for run in runs:
            run.page.set_viewport_size({"width": WIDTHS["phone"], "height": 844})
            run.page.goto(server_url + path)
            landed = run.page.url.split("?")[0]
            if landed in run.seen:  # a visitor sent to sign in, again
                continue
            run.seen.add(landed)
            if name == "meeting room" and run.role != "visitor":
                expect(run.page.locator("#meeting")).to_have_attribute("data-conn", "live")
            run.page.evaluate(AXE_START)  # does not wait for axe: the next page loads meanwhile
            checking.append(run)
        for run in checking:
            collect(run, name, path, WIDTHS["phone"])
            run.page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
            run.page.evaluate(AXE_START)
        for run in checking:
            collect(run, name, path, WIDTHS["desktop"])
            looks += 2
    for run in runs:
        run.page.context.close()
    print(f"axe: {looks} looks in {time.monotonic() - started:.1f}s")
    assert not failures, f"{len(failures)} serious/critical violations:\n" + "\n".join(failures)
    assert not csp, "\n".join(csp)


@pytest.fixture
def forum_world(transactional_db):
    """The demo's people, proposals, monthly meeting and votes (not the year: quicker)."""
    hall, users = seed_organisation()
    demo_forum.seed(hall=hall, users=users)
    seed_deliberation(hall=hall, users=users)
    return hall


def _focused(page, locator) -> bool:
    return locator.evaluate("(el) => el === document.activeElement")


def tab_to(page, locator, *, limit: int = 120) -> None:
    """Press Tab until `locator` has the focus (the keyboard's way of reaching a control)."""
    locator = locator.first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused(page, locator):
            return
    raise AssertionError(f"Tab never reached {locator}")


def sign_in_by_keyboard(page, server_url: str, username: str, next_path: str) -> None:
    page.goto(f"{server_url}/accounts/login/?next={next_path}")
    tab_to(page, page.locator("input[name=username]"))
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    assert _focused(page, page.locator("input[name=password]"))
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(server_url + next_path)


def test_a_resident_proposes_seconds_comments_and_votes_with_the_keyboard_alone(
    forum_world, server_url, phone
):
    """Tab, Enter and Space only — no click, no tap: what a screen-reader or switch user does."""
    desktop = {"viewport": {"width": 1366, "height": 900}, "is_mobile": False, "has_touch": False}
    # 王阿姨 proposes: from the list to the form, typed, published.
    page = phone(**desktop).new_page()
    sign_in_by_keyboard(page, server_url, "wangayi", f"{HALL}/proposals/")
    tab_to(page, page.locator(f"main a[href='{HALL}/proposals/new/']"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server_url}{HALL}/proposals/new/")
    tab_to(page, page.locator("input[name=title]"))
    page.keyboard.type("楼下增设一个快递柜")
    tab_to(page, page.locator("textarea[name=body]"))
    page.keyboard.type("快递常放在门口被雨淋湿，建议在 2 栋楼下装一个快递柜。")
    tab_to(page, page.locator("button[name=action][value=publish]"))
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/proposals/new/" not in url)
    proposal = Proposal.objects.get(title="楼下增设一个快递柜")
    assert proposal.state == "collecting"

    # 张奶奶 seconds it （附议） with Space and comments with Enter.
    page = phone(**desktop).new_page()
    sign_in_by_keyboard(page, server_url, "zhangnainai", f"/proposals/{proposal.pk}/")
    tab_to(page, page.locator("#second-form button"))
    page.keyboard.press("Space")
    expect(page.locator(".second-box")).to_contain_text("您已附议")
    assert proposal.seconds.filter(user__username="zhangnainai").exists()
    tab_to(page, page.locator("#comment-body"))
    page.keyboard.type("赞成，我家的快递也被淋湿过。")
    tab_to(page, page.locator("#comment-form button[type=submit]"))
    page.keyboard.press("Enter")
    expect(page.locator("#thread")).to_contain_text("我家的快递也被淋湿过")
    assert proposal.comments.filter(author__username="zhangnainai").count() == 1

    # …and votes in the open poll: from the header's 投票 link, Space ticks, Enter confirms.
    poll = Ballot.objects.get(title=POLL_TITLE)
    page.goto(server_url + "/")
    tab_to(page, page.locator(f"header a[href='{HALL}/ballots/']"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server_url}{HALL}/ballots/")
    tab_to(page, page.locator(f"main a[href='/ballots/{poll.pk}/']"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server_url}/ballots/{poll.pk}/")
    tab_to(page, page.locator("input[name=choice]"))
    page.keyboard.press("Space")
    expect(page.locator("input[name=choice]").first).to_be_checked()
    tab_to(page, page.get_by_role("button", name="下一步：确认投票"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="确认投票")).to_be_visible()
    tab_to(page, page.get_by_role("button", name="确认投出，不再更改"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="投票成功")).to_be_visible()
    assert poll.participations.filter(user__username="zhangnainai").exists()


# After each Tab: the focused element's outline and shadow, then the same without the focus
# (blurred, then focused again so the next Tab goes on from there).
FOCUS_RING = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const look = () => {
    const s = getComputedStyle(el);
    const outline = s.outlineStyle === "none" || parseFloat(s.outlineWidth) === 0
      ? "none" : `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`;
    return {outline, shadow: s.boxShadow};
  };
  const on = look();
  el.blur();
  const off = look();
  el.focus();
  const r = el.getBoundingClientRect();
  const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "")
    + " " + JSON.stringify((el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 20));
  const shown = r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
    && r.top < innerHeight && r.left < innerWidth;
  return {name, on, off, shown,
          visible: on.outline !== off.outline && on.outline !== "none" || on.shadow !== off.shadow};
}"""


SMALL_BOXES = """(least) => Array.from(document.querySelectorAll("input[type=checkbox], input[type=radio]"))
  .map((el) => el.getBoundingClientRect())
  .filter((r) => r.width > 0 && (r.width < least - 0.5 || r.height < least - 0.5))
  .map((r) => `${Math.round(r.width)}×${Math.round(r.height)} px`)"""


def test_the_keyboard_focus_is_always_visible(forum_world, server_url, phone):
    """Tab through the main pages: every focused element draws a ring (an outline or a shadow
    that it does not have unfocused) — never `outline: none` with nothing instead."""
    proposal = Proposal.objects.filter(hall=forum_world).exclude(state="draft").first()
    meeting = Meeting.objects.get(title=DEMO_MEETING_TITLE)
    poll = Ballot.objects.get(title=POLL_TITLE)
    pages = [
        "/",
        f"{HALL}/proposals/",
        f"/proposals/{proposal.pk}/",
        f"{HALL}/proposals/new/",
        f"{HALL}/notices/",
        f"{HALL}/meetings/",
        f"/meetings/{meeting.pk}/",
        f"{HALL}/ballots/",
        f"/ballots/{poll.pk}/",
        f"{HALL}/tasks/",
        "/me/profile/",
        "/notifications/",
    ]
    failures = []
    for mode, options in (
        ("normal", {"viewport": {"width": 1366, "height": 900}, "is_mobile": False}),
        ("elder", {}),  # a 390 px phone
    ):
        ctx = phone(**options)
        ctx.add_cookies(
            [{"name": "elder_mode", "value": "1" if mode == "elder" else "0", "url": server_url}]
        )
        page = ctx.new_page()
        page.goto(server_url + "/accounts/login/")
        if mode == "normal":  # the phone menu's 关闭 is no link of the wide header
            expect(page.locator(".nav .menu-close")).to_be_hidden()
        failures += _tab_through(page, server_url, "/accounts/login/", mode)
        log_in(page, server_url, "wangayi", DEMO_PASSWORD)
        for path in pages:
            page.goto(server_url + path)
            failures += _tab_through(page, server_url, path, mode)
            # boxes to tick are targets too: ≥ 32 px (≥ 60 px in 长辈模式，test_elder_browser.py)
            for box in page.evaluate(SMALL_BOXES, 32 if mode == "normal" else 60):
                failures.append(f"{path} ({mode}): a box to tick of only {box}")
    assert not failures, "\n".join(failures)


def _tab_through(page, server_url, path, mode, presses: int = 40) -> list[str]:
    failures, seen = [], set()
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.url.split("#")[0] != server_url + path and not page.url.startswith(
            server_url + path + "?"
        ):
            break
        ring = page.evaluate(FOCUS_RING)
        if ring is None:
            continue
        if ring["name"] in seen:  # round again
            break
        seen.add(ring["name"])
        if not ring["visible"]:
            failures.append(f"{path} ({mode}): {ring['name']} has no visible focus: {ring['on']}")
        elif not ring["shown"]:
            failures.append(f"{path} ({mode}): {ring['name']} takes the focus but is not on screen")
    assert len(seen) > 3, f"{path}: Tab reached only {seen}"
    return failures
