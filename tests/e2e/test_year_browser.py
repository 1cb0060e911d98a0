"""Issue 6's "Done when", in a browser: on the demo data the head follows the fountain-repair
proposal from its posting to residents' evaluation on one page, sees the dashboard for the year,
and downloads the month's 台账 workbook."""

from datetime import date

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from demo.community import DEMO_PASSWORD
from demo.forum import FOUNTAIN_TITLE
from forum.models import Proposal
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEPS = [
    "posted",
    "seconds",
    "review",
    "discussion",
    "meeting",
    "speakers",
    "vote",
    "resolution",
    "notice",
    "tasks",
    "result",
    "evaluation",
]


@pytest.fixture
def year(transactional_db):
    """The demo with its year, loaded before the browser's event loop starts."""
    call_command("seed_demo", quiet=True)


def test_a_head_follows_the_fountain_sees_the_year_and_downloads_the_month(
    year, server_url, browser, tmp_path
):
    fountain = Proposal.objects.get(title=FOUNTAIN_TITLE)
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    try:
        page = ctx.new_page()
        log_in(page, server_url, "huangxiufen", DEMO_PASSWORD)

        # From the proposal page to its whole story: every step done, in order.
        page.goto(f"{server_url}/proposals/{fountain.pk}/")
        page.get_by_role("link", name="全流程追溯").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(FOUNTAIN_TITLE)
        steps = page.locator("ol.story > li")
        expect(steps).to_have_count(len(STEPS))
        for i, key in enumerate(STEPS):
            step = steps.nth(i)
            expect(step).to_have_attribute("id", f"step-{key}")
            expect(step).to_have_class("step step-done")
        # The evaluation's counts are public once the round closed; each step links on.
        evaluation = page.locator("#step-evaluation")
        expect(evaluation.locator("table.counts caption").first).to_contain_text("人评议")
        expect(evaluation.locator("th", has_text="满意").first).to_be_visible()
        expect(page.locator("#step-vote a").first).to_be_visible()
        expect(page.locator("#step-tasks")).to_contain_text("已完成")

        # The dashboard for the last twelve months: charts with their numbers.
        page.get_by_role("link", name="看板").first.click()
        expect(page.locator("svg[role=img]").first).to_be_visible()
        assert page.locator("svg[role=img]").count() >= 5
        assert page.locator("figure.chart table caption").count() >= 5

        # The month's 台账，from the hall page.
        page.goto(f"{server_url}/halls/fanghua/")
        page.get_by_role("link", name="月度台账").click()
        with page.expect_download() as download:
            page.locator("a.btn.primary[download]").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        book = openpyxl.load_workbook(saved)
        assert book.sheetnames[:5] == ["议题", "会议", "表决", "决议", "任务"]
        today = timezone.localdate()
        month = date(today.year, today.month, 1).strftime("%Y-%m")
        assert month in download.value.suggested_filename
        # The year's open work is active this month: its tasks are listed.
        tasks = book["任务"]
        assert tasks.max_row >= 3
    finally:
        ctx.close()
