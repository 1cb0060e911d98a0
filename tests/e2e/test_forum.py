"""Issue 3, "Done when": a resident writes a proposal with a photo, others second it,
comments arrive live in another browser, the head accepts, the whole history is on the page."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from demo.community import DEMO_PASSWORD, seed_organisation
from forum import services
from forum.models import Proposal, ProposalState
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_propose_second_discuss_live_and_accept(server_url, phone, tmp_path):
    hall, users = seed_organisation()
    photo = tmp_path / "fountain.jpg"
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (23.0, 2.0, 1.0)})
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 120, 200)).save(buf, format="JPEG", exif=exif.tobytes())
    photo.write_bytes(buf.getvalue())

    # 张奶奶，a resident, writes the proposal with a photo on her phone.
    author = phone().new_page()
    log_in(author, server_url, "zhangnainai", DEMO_PASSWORD)
    author.goto(server_url + f"/halls/{hall.slug}/proposals/")
    author.click("text=我要提议")
    author.fill("input[name=title]", "修复中心花园喷泉")
    author.fill("textarea[name=body]", "喷泉**坏了**快一年，池底积水。")
    author.wait_for_selector("#body-preview strong:has-text('坏了')")  # live preview
    author.select_option("select[name=brand]", label="花满名苑")
    author.set_input_files("input[name=images]", str(photo))
    author.click("button:has-text('发布议题')")
    author.wait_for_url("**/proposals/*/")
    proposal = Proposal.objects.get(title="修复中心花园喷泉")
    assert proposal.state == ProposalState.COLLECTING and proposal.images.count() == 1
    assert author.locator(".photos img").count() == 1
    assert author.locator("#state-badge").inner_text() == "征集中"

    # Three neighbours second it (the hall's threshold is 3): it moves to 待受理 by itself.
    for name in ("wangayi", "liushushu", "liping"):
        services.proposal_second(user=users[name], proposal=proposal)
    author.reload()
    assert author.locator("#second-count").inner_text() == "3"
    assert author.locator("#state-badge").inner_text() == "待受理"
    author.wait_for_selector("#live-status[data-state=live]")
    author.evaluate("window.__notReloaded = true")
    unread_before = int(author.locator(".notif-count").inner_text())

    # 王阿姨 comments in her own browser；张奶奶 sees it arrive without a reload.
    neighbour = phone().new_page()
    log_in(neighbour, server_url, "wangayi", DEMO_PASSWORD)
    neighbour.goto(server_url + f"/proposals/{proposal.pk}/")
    neighbour.wait_for_selector("#live-status[data-state=live]")
    neighbour.check("input[name=stance][value=for]")
    neighbour.fill("#comment-body", "支持！孙子天天问喷泉什么时候有水。")
    neighbour.click("#comment-form button[type=submit]")
    author.wait_for_selector("#thread .comment:has-text('孙子天天问喷泉')")
    assert author.locator("#stance-counts [data-stance=for]").inner_text() == "1"
    assert author.locator("#comment-count").inner_text() == "1"
    assert author.evaluate("window.__notReloaded") is True
    # the header's unread count grows live too (private room user.<id>)
    # (a locator assertion, not wait_for_function: the page's CSP forbids evaluating strings)
    expect(author.locator(".notif-count")).not_to_have_text(str(unread_before))

    # 黄秀芬，the head, accepts it; the author's timeline grows live.
    head = phone().new_page()
    log_in(head, server_url, "huangxiufen", DEMO_PASSWORD)
    head.goto(server_url + f"/proposals/{proposal.pk}/")
    head.fill("#reason", "列入十一月议事会议程")
    head.click("button[name=decision][value=accept]")
    head.wait_for_selector("text=审核结果已记录")
    author.wait_for_selector("#history li:has-text('已受理')")
    assert author.locator("#state-badge").inner_text() == "已受理"
    assert author.evaluate("window.__notReloaded") is True

    # The whole history is on the page after a reload too.
    author.reload()
    steps = author.locator("#history li .badge").all_inner_texts()
    assert steps == ["草稿", "征集中", "待受理", "已受理"]
    assert "列入十一月议事会议程" in author.locator("#history").inner_text()
