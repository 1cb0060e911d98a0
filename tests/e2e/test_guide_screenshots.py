"""The guides' screenshots (docs/guide/*.md, issue 13 point 8), made by walking each step in
Chromium so they stay current: residents on a 390×844 phone; moderators on a phone and the big
screen; heads and admins on a 1366-wide screen.

Each screenshot is checked against its guide: every image a guide shows is made here, every image
made here is shown by a guide (and no other image lies in docs/guide/img/), and the page of each
step shows every button or link the step names (written **「…」** in the guide) — so renaming a
button breaks this test until the guide says the new name.

The images go to a temporary folder; `make guide` (GUIDE_SCREENSHOTS=write) writes them to
docs/guide/img/ instead, as small palette PNGs at CSS-pixel size.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from PIL import Image
from playwright.sync_api import expect

from community import guides
from community.models import Membership, MembershipStatus, User
from community.privacy import privacy_accept
from community.services import membership_request
from deliberation.meetings import services as meetings
from deliberation.models import Meeting
from demo import forum as demo_forum
from demo.community import DEMO_PASSWORD, seed_organisation
from demo.deliberation import DEMO_MEETING_TITLE
from demo.deliberation import seed as seed_meetings
from forum.models import Proposal, ProposalState
from tests.deliberation.results.factories import published_result

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WRITE = os.environ.get("GUIDE_SCREENSHOTS") == "write"
IMG_DIR = guides.GUIDE_DIR / "img"
WIDE = {"width": 1366, "height": 768}
LABEL = re.compile(r"\*\*「([^」]+)」\*\*")


def guide_steps() -> dict[str, list[str]]:
    """Each image of the guides → the labels (**「…」**) its step names, the step being the
    numbered item or paragraph the image is in."""
    steps: dict[str, list[str]] = {}
    for slug in guides.SLUGS:
        text = (guides.GUIDE_DIR / f"{slug}.md").read_text(encoding="utf-8")
        for block in re.split(r"\n(?=\d+\. |#|\n|- )", text):
            for name in guides.image_names(block):
                assert name not in steps, f"{name} is shown twice"
                steps[name] = LABEL.findall(block)
    return steps


class Shots:
    """Takes the screenshots and remembers what each page said when it was taken."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.text: dict[str, str] = {}

    def __call__(self, page, name: str, show=None) -> None:
        if show is not None:
            show.first.scroll_into_view_if_needed()
            show.first.evaluate("el => el.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(50)  # let a scroll settle
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path), scale="css", animations="disabled")
        with Image.open(path) as im:
            small = im.convert("RGB").quantize(colors=128, dither=Image.Dither.NONE)
        small.save(path, optimize=True)
        self.text[f"{name}.png"] = re.sub(r"\s+", " ", page.locator("body").inner_text())


@pytest.fixture
def shots(tmp_path):
    folder = IMG_DIR if WRITE else tmp_path
    if WRITE:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()
    return Shots(folder)


def _signed_in(ctx, server_url: str, user) -> None:
    """Give a browser context the session of `user` (the sign-in page is the residents' step;
    the other people skip it: hashing a password costs a second each on the test server)."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    ctx.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": server_url}])


def _live(page):
    expect(page.locator("#meeting")).to_have_attribute("data-conn", "live")


def _open_menu(page):
    page.locator("#menu-toggle").click()
    expect(page.locator("#site-nav")).to_be_visible()


def _world():
    hall, users = seed_organisation()
    demo_forum.seed(hall=hall, users=users)
    seed_meetings(hall=hall, users=users)
    meeting = Meeting.objects.get(hall=hall, title=DEMO_MEETING_TITLE)
    return hall, users, meeting


def _resident_signs_in_and_proposes(page, server_url, shots, hall, users):
    """居民：登录，提议题，附议（guide resident.md）."""
    page.goto(server_url + "/")
    _open_menu(page)
    shots(page, "resident-01-menu")
    page.locator("#site-nav a", has_text="登录").click()
    page.fill("input[name=phone]", "13800138000")
    shots(page, "resident-02-login")
    page.fill("input[name=username]", "wangayi")
    page.fill("input[name=password]", DEMO_PASSWORD)
    shots(page, "resident-03-password", page.locator("#password-login button"))
    page.click("#password-login button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # 提议题
    page.goto(f"{server_url}/halls/{hall.slug}/proposals/")
    shots(page, "resident-04-proposals")
    page.click("text=我要提议")
    page.fill("input[name=title]", "3栋楼道加装扶手")
    page.fill("textarea[name=body]", "3栋楼梯陡，老人上下楼不方便，建议每层加装扶手。")
    page.select_option("select[name=brand]", label="情暖夕阳")
    shots(page, "resident-05-form", page.locator("button", has_text="发布议题"))
    page.click("button:has-text('发布议题')")
    page.wait_for_url("**/proposals/*/")
    expect(page.locator("#state-badge")).to_have_text("征集中")
    shots(page, "resident-06-published")

    # 附议 someone else's proposal
    other = (
        Proposal.objects.filter(hall=hall, state=ProposalState.COLLECTING)
        .exclude(author=users["wangayi"])
        .exclude(seconds__user=users["wangayi"])
        .first()
    )
    page.goto(f"{server_url}/proposals/{other.pk}/")
    second = page.locator("#second-form button")
    shots(page, "resident-07-second", second)
    second.click()
    expect(page.locator("text=您已附议").first).to_be_visible()


def _resident_checks_in(page, server_url, shots, meeting):
    """签到 on the page the QR code opens."""
    meeting.refresh_from_db()
    page.goto(f"{server_url}/meetings/{meeting.pk}/checkin/{meeting.checkin_token}/")
    shots(page, "resident-08-checkin")
    page.locator("button", has_text="确认签到").click()
    expect(page.locator("text=签到成功")).to_be_visible()
    _live(page)
    shots(page, "resident-09-checked-in")


def _resident_vote(page, server_url, shots, meeting):
    vote = page.locator("#m-vote")
    expect(vote.locator(".vote-panel button", has_text="赞成")).to_be_visible()
    shots(page, "resident-13-vote", vote)
    page.once("dialog", lambda d: d.accept())
    vote.locator(".vote-panel button", has_text="赞成").click()
    expect(vote).to_contain_text("您已投票")
    shots(page, "resident-14-receipt", vote)


def _network_down(ctx, page):
    """Take the page's network away (Chromium's offline emulation); returns the switch back."""
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")

    def offline(on: bool) -> None:
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": on, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )

    offline(True)
    return offline


def test_guide_screenshots(server_url, phone, browser, shots):
    hall, users, meeting = _world()
    mod_user, head = users["chenhong"], users["huangxiufen"]
    result = published_result(hall, places=[None], head=head, owner=users["liping"])
    for user in users.values():
        privacy_accept(user=user)  # no "new privacy notice" line on every screenshot
    applicant = User.objects.create_user("xiaomei", password=DEMO_PASSWORD, display_name="周小梅")
    membership_request(user=applicant, hall=hall, message="我住6栋，想参加议事。")
    room_url = f"{server_url}/meetings/{meeting.pk}/"

    # --- the moderator prepares the meeting (before it opens)
    mctx = phone()
    _signed_in(mctx, server_url, mod_user)
    mod = mctx.new_page()
    mod.on("dialog", lambda d: d.accept())
    mod.goto(room_url)
    _live(mod)
    shots(mod, "moderator-01-room", mod.locator(".plan-links"))
    mod.locator("a", has_text="安排议程").click()
    shots(mod, "moderator-02-agenda", mod.locator("button", has_text="下移"))

    # --- the resident signs in, proposes and seconds on her phone
    rctx = phone()
    resident = rctx.new_page()
    resident.on("dialog", lambda d: d.accept())
    _resident_signs_in_and_proposes(resident, server_url, shots, hall, users)

    # --- the moderator opens the meeting; the resident checks in; others are checked in by name
    mod.goto(room_url)
    _live(mod)
    shots(mod, "moderator-03-open", mod.locator("#m-controls"))
    mod.locator("#m-controls button", has_text="宣布开会").click()
    expect(mod.locator("#m-state")).to_have_text("进行中")
    _resident_checks_in(resident, server_url, shots, meeting)
    for name in ("张奶奶", "刘叔叔", "黄秀芬"):
        mod.select_option("#m-manual-user", label=name)
        mod.locator("#m-manual button").click()
        expect(mod.locator("#m-attendance")).to_contain_text(name)
    shots(mod, "moderator-04-checkin", mod.locator("#m-manual"))
    present = set(meeting.checkins.values_list("user_id", flat=True))
    for m in Membership.objects.filter(hall=hall, status=MembershipStatus.ACTIVE):
        if m.user_id not in present:  # the rest of the room, so the quorum is met
            meetings.meeting_check_in_member(actor=mod_user, meeting=meeting, user_id=m.user_id)
    mod.locator("#m-controls button", has_text="下一项议程").click()
    expect(mod.locator("#m-current")).to_contain_text("第1项")

    big = browser.new_context(viewport=WIDE, locale="zh-CN")
    try:
        _signed_in(big, server_url, mod_user)
        screen = big.new_page()
        screen.goto(f"{room_url}screen/")
        _live(screen)

        # 举手发言：the resident raises her hand, the moderator gives her the floor
        hand = resident.locator("#m-hand")
        expect(hand.locator("button", has_text="举手：赞成")).to_be_visible()
        shots(resident, "resident-10-hand", hand)
        hand.locator("button", has_text="举手：赞成").click()
        expect(hand).to_contain_text("您已举手")
        shots(resident, "resident-11-queued", hand)
        meetings.hand_raise(user=users["zhangnainai"], meeting=meeting, stance="against")
        meetings.hand_raise(user=users["liushushu"], meeting=meeting, stance="for")
        mod.reload()
        _live(mod)
        expect(mod.locator("#m-queue li")).to_have_count(3)
        shots(mod, "moderator-05-queue", mod.locator("#m-queue"))
        mod.locator("#m-floor-controls button", has_text="请下一位发言").click()
        expect(hand).to_contain_text("轮到您发言了")
        shots(resident, "resident-12-speaking", hand)
        shots(screen, "wide-moderator-06-screen")
        hand.locator("button", has_text="我说完了").click()
        expect(hand.locator("button", has_text="举手：赞成")).to_be_visible()
        mod.locator("#m-floor-controls button", has_text="请下一位发言").click()
        expect(mod.locator("#m-speaker")).to_contain_text("张奶奶")
        shots(mod, "moderator-07-timer", mod.locator("#m-floor-controls"))
        mod.locator("#m-floor-controls button", has_text="延长60秒").click()
        mod.locator("#m-floor-controls button", has_text="结束发言").click()
        expect(mod.locator("#m-speaker")).to_contain_text("现在没有人发言")

        # 表决：opened by the moderator, a vote from the resident's phone, a show of hands
        form = mod.locator("#m-ballot-open")
        shots(mod, "moderator-08-ballot", form)
        form.locator("button[type=submit]").click()
        _resident_vote(resident, server_url, shots, meeting)
        hands = mod.locator("#m-hand-count")
        hands.locator("input[name=for]").fill("6")
        hands.locator("input[name=against]").fill("2")
        shots(mod, "moderator-09-hands", hands)
        hands.locator("button[type=submit]").click()
        expect(screen.locator("#m-vote-screen .vote-turnout")).to_contain_text("现场举手 8")
        shots(screen, "wide-moderator-10-screen-vote")
        mod.locator("button[data-cmd=ballot_close]").click()
        expect(screen.locator("#m-vote-screen .vote-big")).to_contain_text("通过")
        expect(resident.locator("#m-live")).to_contain_text("表决结果")
        shots(resident, "resident-15-result", resident.locator("#m-vote"))
    finally:
        big.close()

    # 会议纪要：the recorder writes in the room
    # (the resident's network goes down meanwhile: her phone notices within a few seconds)
    offline = _network_down(rctx, resident)
    rctx_rec = phone()
    _signed_in(rctx_rec, server_url, users["linfang"])
    rec = rctx_rec.new_page()
    rec.goto(room_url)
    _live(rec)
    rec.fill("#m-minutes-edit", "## 第1项\n- 王阿姨：赞成，楼道太暗。\n- 张奶奶：反对，担心电费。")
    expect(rec.locator("#m-minutes-status")).to_contain_text("已自动保存", timeout=15_000)
    shots(rec, "moderator-11-recorder", rec.locator("#m-minutes-edit"))

    # a lost connection on the resident's phone
    expect(resident.locator("#m-conn-banner")).to_be_visible(timeout=15_000)
    shots(resident, "resident-16-offline")
    offline(False)

    # 散会，then the minutes are confirmed
    shots(mod, "moderator-12-close", mod.locator("#m-controls"))
    mod.locator("#m-controls button", has_text="宣布散会").click()
    expect(mod.locator("#m-state")).to_have_text("已结束")
    mod.goto(f"{room_url}minutes/")
    shots(mod, "moderator-13-minutes", mod.locator("button", has_text="主持人确认纪要"))

    # 评价 a published result
    resident.goto(f"{server_url}/results/{result.pk}/")
    shots(resident, "resident-17-rate", resident.locator("label.choice").first)
    resident.locator("label.choice.rating-satisfied").click()
    resident.click("button:has-text('下一步：确认评议')")
    resident.wait_for_selector("text=评议提交后不能更改")
    shots(resident, "resident-18-confirm", resident.locator("button", has_text="确认提交评议"))
    resident.click("button:has-text('确认提交评议')")
    resident.wait_for_selector("text=谢谢您")
    # a refusal: a page only the head may open
    resident.goto(f"{server_url}/halls/{hall.slug}/members/")
    expect(resident.locator("h1")).to_contain_text("没有权限")
    shots(resident, "resident-19-refused")

    # --- the head of the hall and the admin, on a wide screen
    hctx = phone(viewport=WIDE, is_mobile=False, has_touch=False, device_scale_factor=1)
    _signed_in(hctx, server_url, head)
    hp = hctx.new_page()
    hp.on("dialog", lambda d: d.accept())
    hp.goto(f"{server_url}/halls/{hall.slug}/")
    shots(hp, "wide-head-01-hall", hp.locator("a", has_text="成员管理"))
    hp.locator("a", has_text="成员管理").first.click()
    shots(hp, "wide-head-02-members", hp.locator("#pending-h"))
    hp.locator("button", has_text="批准").first.click()
    expect(hp.locator("text=周小梅").first).to_be_visible()
    assert Membership.objects.get(user=applicant).status == MembershipStatus.ACTIVE
    shots(hp, "wide-head-03-roles", hp.locator("form.row-card", has_text="周小梅"))
    waiting = Proposal.objects.filter(hall=hall, state=ProposalState.AWAITING_REVIEW).first()
    hp.goto(f"{server_url}/proposals/{waiting.pk}/")
    shots(hp, "wide-head-04-review", hp.locator("section.review"))
    hp.goto(f"{server_url}/halls/{hall.slug}/notices/")
    shots(hp, "wide-head-05-notices")
    hp.goto(f"{server_url}/halls/{hall.slug}/taizhang/")
    shots(hp, "wide-head-06-taizhang")
    actx = phone(viewport=WIDE, is_mobile=False, has_touch=False, device_scale_factor=1)
    _signed_in(actx, server_url, users["admin"])
    ap = actx.new_page()
    ap.goto(f"{server_url}/admin/community/hall/{hall.pk}/change/")
    shots(ap, "wide-head-07-settings", ap.locator("#id_speech_limit_seconds"))

    # --- the guides and the screenshots agree
    steps = guide_steps()
    made = set(shots.text)
    assert set(steps) == made, (
        f"shown but not made: {sorted(set(steps) - made)}; made but not shown: "
        f"{sorted(made - set(steps))}"
    )
    missing = [
        f"{name}: 「{label}」"
        for name, labels in steps.items()
        for label in labels
        if label not in shots.text[name]
    ]
    assert not missing, "the guide names what the page does not show:\n" + "\n".join(missing)
    if WRITE:
        on_disk = {p.name for p in IMG_DIR.glob("*")}
        assert on_disk == made, sorted(on_disk ^ made)
