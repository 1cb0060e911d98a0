"""Issue 13, point 4: the meeting room and its big screen in English show no Chinese, after a
whole meeting's live events (opening, check-in, an item, a hand, a speech with its timer, a vote
cast and closed, the minutes).

The demo meeting's stored text is moved to private-use characters first (tests/i18n/cjk.py), so
the names and titles people typed are not Chinese; any Chinese left on a page comes from the
interface: the templates, the snapshot's labels or the room's scripts (static/js/meeting).
"""

import pytest
from playwright.sync_api import expect

from deliberation.models import Meeting
from demo.community import DEMO_PASSWORD, seed_organisation
from demo.deliberation import DEMO_MEETING_TITLE
from demo.deliberation import seed as seed_meetings
from tests.e2e.conftest import log_in
from tests.i18n.cjk import CJK, unchinese_all_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a page shows and says: its text (less the 中文 button, Chinese on purpose), its title and
# the labels and tips of its elements.
SHOWN = """() => {
  const cjk = /[\\u3000-\\u303f\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\uff00-\\uffef]/;
  let text = document.body.innerText;
  for (const el of document.querySelectorAll('[lang^="zh"]')) text = text.split(el.innerText).join(' ');
  const out = text.split('\\n').filter((line) => cjk.test(line));
  if (cjk.test(document.title)) out.push('<title> ' + document.title);
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
    if (el.closest('[lang^="zh"]')) continue;
    for (const a of ['aria-label', 'title', 'placeholder', 'alt']) {
      const v = el.getAttribute(a);
      if (v && cjk.test(v)) out.push(`${el.tagName.toLowerCase()}[${a}] ${v}`);
    }
  }
  return out;
}"""


def _live(page):
    expect(page.locator("#meeting")).to_have_attribute("data-conn", "live")


def _english(ctx, server_url):
    ctx.add_cookies([{"name": "django_language", "value": "en", "url": server_url}])


def _chinese(page, where: str) -> list[str]:
    # A notification's text is stored when the event happens, in the site's language (forum/
    # notifications.py), as data; only the words around it are the page's.
    lines = [line for line in page.evaluate(SHOWN) if not line.startswith("New notification: ")]
    return [f"{where}: {line}" for line in lines]


def test_meeting_room_and_big_screen_in_english_show_no_chinese(server_url, phone, browser):
    hall, users = seed_organisation()
    seed_meetings(hall=hall, users=users)
    meeting = Meeting.objects.get(hall=hall, title=DEMO_MEETING_TITLE)
    unchinese_all_data()
    room_url = f"{server_url}/meetings/{meeting.pk}/"
    dialogs: list[str] = []

    def open_page(ctx, username):
        _english(ctx, server_url)
        page = ctx.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
        log_in(page, server_url, username, DEMO_PASSWORD)
        return page

    screen_ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-US")
    try:
        screen = open_page(screen_ctx, "chenhong")
        screen.goto(f"{room_url}screen/")
        mod = open_page(phone(locale="en-US"), "chenhong")
        mod.goto(room_url)
        wang = open_page(phone(locale="en-US"), "wangayi")
        head = open_page(phone(locale="en-US"), "huangxiufen")
        for page in (screen, mod, wang, head):
            if page is not screen:
                page.goto(room_url)
            _live(page)
        found = _chinese(mod, "before the meeting (moderator)")

        # open the meeting; a resident checks in by the QR code's link, another by name
        mod.locator("button[data-cmd=open_meeting]").click()
        expect(screen.locator("#m-qr img")).to_be_visible()
        wang.goto(f"{room_url}checkin/{meeting.checkin_token}/")
        found += _chinese(wang, "check-in page")
        wang.locator("main form button[type=submit]").first.click()
        wang.wait_for_url(room_url)
        _live(wang)
        mod.select_option("#m-manual-user", index=1)
        mod.locator("#m-manual button").click()
        expect(screen.locator("#m-attendance .big-number")).to_have_text("2")

        # the first item; a hand raised for, the floor given: a speech with its countdown
        mod.locator("button[data-cmd=next_item]").click()
        expect(screen.locator("#m-current .item-now")).to_be_visible()
        wang.locator("#m-hand button[data-cmd=raise_hand]").first.click()
        expect(mod.locator("#m-queue li")).to_have_count(1)
        found += _chinese(wang, "hand raised (resident)")
        found += _chinese(screen, "hand raised (big screen)")
        mod.locator("button[data-cmd=give_floor]").click()
        expect(screen.locator("#m-speaker .countdown")).to_be_visible()
        found += _chinese(mod, "speech (moderator)")
        found += _chinese(wang, "speech (speaker)")
        found += _chinese(screen, "speech (big screen)")
        mod.locator("button[data-cmd=end_speech]").first.click()

        # a named vote with live results: cast, then closed
        mod.locator("#m-ballot-open button[type=submit]").click()
        expect(screen.locator("#m-vote-screen")).to_be_visible()
        found += _chinese(mod, "vote open (moderator)")
        found += _chinese(screen, "vote open (big screen)")
        wang.locator(".vote-panel button[data-cmd=ballot_cast]").first.click()
        expect(wang.locator("#m-vote .receipt")).to_be_visible()
        found += _chinese(wang, "vote cast (resident)")
        mod.locator("button[data-cmd=ballot_close]").click()
        expect(screen.locator("#m-vote-screen .vote-big")).to_contain_text(" — ")
        found += _chinese(screen, "vote closed (big screen)")
        found += _chinese(wang, "vote closed (resident)")

        # the head writes the minutes; everyone reads them live
        head.fill("#m-minutes-edit", "## Opening\n\nThe moderator **opened** the meeting.")
        expect(wang.locator("#m-minutes strong")).to_have_text("opened")
        found += _chinese(head, "minutes (head)")
        found += _chinese(wang, "minutes (resident)")

        # the meeting closes: the room, the big screen and the assembled minutes
        mod.locator("button[data-cmd=close_meeting]").click()
        expect(mod.locator("button[data-cmd=close_meeting]")).to_have_count(0)
        expect(screen.locator("#m-state")).to_have_text(mod.locator("#m-state").inner_text())
        found += _chinese(mod, "closed (moderator)")
        found += _chinese(screen, "closed (big screen)")
        head.goto(f"{room_url}minutes/")
        found += _chinese(head, "assembled minutes")
    finally:
        screen_ctx.close()
    found += [f"dialog: {m}" for m in dialogs if CJK.search(m)]
    assert not found, "Chinese in the English meeting room:\n" + "\n".join(found)
