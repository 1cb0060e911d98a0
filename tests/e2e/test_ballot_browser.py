"""On phones: a resident reads that a vote cannot be changed, confirms, gets a receipt;
another resident's open ballot page shows the turnout rise live."""

import re

import pytest
from playwright.sync_api import expect

from deliberation.models import VoteRecord
from deliberation.models.votes import BallotMode
from deliberation.votes import services as sv
from demo.community import DEMO_PASSWORD, seed_organisation
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_residents_vote_from_their_phones(server_url, phone):
    hall, users = seed_organisation()
    ballot = sv.ballot_create(
        actor=users["chenhong"],
        hall=hall,
        title="活动室周末开放",
        mode=BallotMode.LIVE,
        secret=False,
        results_live=True,
        quorum_fraction="0.1",
    )
    sv.ballot_open(actor=users["chenhong"], ballot=ballot)
    url = f"{server_url}/ballots/{ballot.pk}/"

    watcher = phone().new_page()
    log_in(watcher, server_url, "zhangnainai", DEMO_PASSWORD)
    watcher.goto(url)
    watcher.wait_for_selector("#live-status:has-text('实时更新中')")
    assert watcher.locator("#turnout").inner_text() == "0"

    voter = phone().new_page()
    log_in(voter, server_url, "wangayi", DEMO_PASSWORD)
    voter.goto(url)
    assert voter.locator("#no-change").is_visible()  # told before choosing
    assert voter.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    voter.locator("label.choice.for").click()
    voter.click("button:has-text('下一步：确认投票')")
    voter.wait_for_selector("text=票一经投出就不能更改或撤回。确定投出吗？")
    voter.click("button:has-text('确认投出，不再更改')")
    receipt = voter.locator("#receipt").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", receipt)
    assert VoteRecord.objects.get(ballot=ballot).receipt == receipt

    # the other phone updates without reloading (coalesced ballot.tally)
    expect(watcher.locator("#live-tally strong").first).to_have_text("1")
    assert "赞成" in watcher.locator("#live-tally").inner_text()
