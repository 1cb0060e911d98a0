"""长辈模式 on a 390×844 phone (issue 13, point 1): switched on in the header, the main pages are
measured in Chromium — body text ≥ 22px, every visible button, a.btn and input ≥ 60×60 CSS px,
every header link ≥ 60px high — the meeting room puts the hand and vote panels first while an
item is open, and 朗读 shows where the browser has a Chinese voice."""

import re

import pytest
from playwright.sync_api import expect

from community.models import User
from deliberation.meetings import ballots as room_votes
from deliberation.meetings import services as meetings
from deliberation.models import Meeting, Resolution
from demo import forum as demo_forum
from demo.community import DEMO_PASSWORD, seed_organisation
from demo.deliberation import seed as seed_meetings
from forum.models import Proposal
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the measurement leaves out, each with its reason.
EXCEPTIONS = {
    # the "skip to the content" link sits off-screen until it has the keyboard focus
    ".skip": "off-screen until focused",
}

MEASURE = """(exceptions) => {
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && !el.closest("[hidden]");
  };
  const skip = (el) => exceptions.some((sel) => el.matches(sel));
  const name = (el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).trim().split(/\\s+/).join(".") : "")
    + (el.name ? "[name=" + el.name + "]" : "") + " " + JSON.stringify((el.innerText || el.value || "").trim().slice(0, 20));
  const small = [];
  for (const el of document.querySelectorAll("button, a.btn, input:not([type=hidden]), select, textarea")) {
    if (!visible(el) || skip(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 59.5 || r.height < 59.5) small.push(name(el) + " " + Math.round(r.width) + "x" + Math.round(r.height));
  }
  for (const el of document.querySelectorAll("header nav a, header nav button")) {
    if (!visible(el) || skip(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.height < 59.5) small.push("nav " + name(el) + " " + Math.round(r.height) + "px high");
  }
  const tiny = [];
  for (const el of document.querySelectorAll("body *")) {
    if (!visible(el) || skip(el) || ["SCRIPT", "STYLE", "svg", "path"].includes(el.tagName)) continue;
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (px < 21.5) tiny.push(name(el) + " " + px + "px");
  }
  return {
    body: parseFloat(getComputedStyle(document.body).fontSize),
    lineHeight: parseFloat(getComputedStyle(document.body).lineHeight) / parseFloat(getComputedStyle(document.body).fontSize),
    small, tiny,
    sideways: document.documentElement.scrollWidth > window.innerWidth,
  };
}"""

ZH_VOICE = """(() => {
  const voice = { name: "Tingting", lang: "zh-CN", default: true, localService: true, voiceURI: "zh" };
  const spoken = [];
  window.__spoken = spoken;
  Object.defineProperty(window, "speechSynthesis", { value: {
    speaking: false, getVoices: () => [voice], speak: (u) => spoken.push(u.text), cancel: () => {},
    addEventListener: () => {}, removeEventListener: () => {} } });
})();"""


def _world():
    hall, users = seed_organisation()
    demo_forum.seed(hall=hall, users=users)
    seed_meetings(hall=hall, users=users)
    meeting = Meeting.objects.get(hall=hall)
    mod = users["chenhong"]
    meetings.meeting_open(actor=mod, meeting=meeting)
    meetings.meeting_check_in_member(actor=mod, meeting=meeting, user_id=users["wangayi"].pk)
    meetings.meeting_open_item(actor=mod, meeting=meeting)
    room_votes.meeting_ballot_open(actor=mod, meeting=meeting)  # 赞成/反对/弃权 on the item
    return hall, meeting


def test_elder_mode_pages_measure_up_on_a_phone(server_url, phone):
    hall, meeting = _world()
    proposal = Proposal.objects.filter(hall=hall).exclude(state="draft").first()
    page = phone().new_page()
    log_in(page, server_url, "wangayi", DEMO_PASSWORD)
    # the switch in the header (on a phone inside 菜单): a form, answered with a redirect back
    page.goto(server_url + "/halls/fanghua/proposals/")
    page.locator("#menu-toggle").click()
    page.locator("header form.elder-switch button").click()
    page.wait_for_url(server_url + "/halls/fanghua/proposals/")
    expect(page.locator("body")).to_have_class(re.compile(r"\belder\b"))
    expect(page.locator("header form.elder-switch button")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert User.objects.get(username="wangayi").elder_mode is True

    pages = {
        "home": "/",
        "proposals": "/halls/fanghua/proposals/",
        "proposal": f"/proposals/{proposal.pk}/",
        "meetings": "/halls/fanghua/meetings/",
        "meeting room": f"/meetings/{meeting.pk}/",
        "votes": "/halls/fanghua/ballots/",
        "tasks": "/halls/fanghua/tasks/",
        "account": "/me/profile/",
    }
    failures = []
    for label, path in pages.items():
        page.goto(server_url + path)
        if label == "meeting room":
            expect(page.locator("#meeting")).to_have_attribute("data-conn", "live")
            expect(page.locator("#m-current .current-item")).to_be_visible()
            expect(page.locator("#m-hand button").first).to_be_visible()
            expect(page.locator("#m-vote button").first).to_be_visible()
        m = page.evaluate(MEASURE, list(EXCEPTIONS))
        if m["body"] < 22:
            failures.append(f"{label}: body text {m['body']}px")
        if m["lineHeight"] < 1.5:
            failures.append(f"{label}: line height {m['lineHeight']}")
        if m["sideways"]:
            failures.append(f"{label}: scrolls sideways")
        failures += [f"{label}: target {x}" for x in m["small"]]
        failures += [f"{label}: text {x}" for x in m["tiny"]]
    assert not failures, "\n".join(failures)

    # the room: with an item open, the hand and vote panels come right under the current item
    page.goto(server_url + f"/meetings/{meeting.pk}/")
    expect(page.locator("#m-hand button").first).to_be_visible()
    tops = page.evaluate(
        """() => ["#meeting > .now", "#meeting > .vote", "#meeting > .hand-panel", "#meeting > .meeting-head"]
          .map((s) => document.querySelector(s).getBoundingClientRect().top)"""
    )
    assert tops == sorted(tops), tops
    for panel in ("#m-hand", "#m-vote"):
        box = page.locator(panel + " button").first.bounding_box()
        assert box["height"] >= 80, panel

    # switched off on the account page: the pages are as before
    page.goto(server_url + "/me/profile/")
    page.get_by_role("button", name="关闭长辈模式").click()
    page.wait_for_url(server_url + "/me/profile/")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") < 22
    assert User.objects.get(username="wangayi").elder_mode is False


def test_read_aloud_shows_only_with_a_chinese_voice(server_url, phone):
    hall, users = seed_organisation()
    seed_meetings(hall=hall, users=users)  # a resolution on notice
    resolution = Resolution.objects.filter(hall=hall).first()
    url = f"{server_url}/resolutions/{resolution.pk}/"

    ctx = phone()
    ctx.add_init_script(ZH_VOICE)
    page = ctx.new_page()
    page.goto(url)
    button = page.locator("[data-read-aloud]")
    expect(button).to_be_visible()
    expect(button).to_contain_text("朗读")
    button.click()
    spoken = page.evaluate("window.__spoken")
    assert len(spoken) == 1 and resolution.title in spoken[0] and "朗读" not in spoken[0]

    # a browser without speech synthesis: no button that does nothing
    bare = phone()
    bare.add_init_script("delete window.speechSynthesis; delete window.SpeechSynthesisUtterance;")
    page = bare.new_page()
    page.goto(url)
    expect(page.locator("h1")).to_contain_text(resolution.title)
    expect(page.locator("[data-read-aloud]")).to_be_hidden()
