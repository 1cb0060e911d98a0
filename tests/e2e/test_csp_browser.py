"""Every kind of page works under the Content-Security-Policy (no inline script anywhere)."""

import pytest

from demo.community import DEMO_PASSWORD, seed_organisation
from demo.forum import seed as seed_forum
from forum.models import Proposal
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_and_the_api_docs_run_under_the_policy(server_url, phone, csp_violations):
    hall, users = seed_organisation()
    seed_forum(hall=hall, users=users)
    proposal = Proposal.objects.filter(hall=hall).exclude(state="draft").first()
    page = phone().new_page()
    log_in(page, server_url, "huangxiufen", DEMO_PASSWORD)
    for path in (
        "/",
        f"/halls/{hall.slug}/proposals/",
        f"/proposals/{proposal.pk}/",
        f"/halls/{hall.slug}/meetings/",
        f"/halls/{hall.slug}/ballots/",
        f"/halls/{hall.slug}/notices/",
        f"/halls/{hall.slug}/members/",
        "/me/data/",
        "/privacy/",
    ):
        response = page.goto(server_url + path)
        assert response.ok, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
    # A confirmation still asks before a destructive action (page.js, no inline handler).
    page.goto(server_url + "/me/tokens/")
    page.fill("input[name=name]", "小程序")
    with page.expect_navigation(wait_until="load"):  # page.js, a module, runs before "load"
        page.click("button.primary")
    asked = []
    page.on("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.locator("form[data-confirm] button").first.click()
    assert asked and "撤销" in asked[0]
    # The API docs come from our own static files and run under the same policy.
    docs = phone().new_page()
    docs.goto(server_url + "/api/v1/docs")
    docs.wait_for_selector(".swagger-ui .info")
    assert not csp_violations
