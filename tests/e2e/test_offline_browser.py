"""Without the internet: the API docs come from our own static files; with no network at all, a
page that cannot be loaded shows the offline page kept by the service worker."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_with_every_other_site_blocked(server_url, phone):
    ctx = phone()
    outside = []

    def only_this_server(route):
        if route.request.url.startswith(server_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    ctx.route("**/*", only_this_server)
    docs = ctx.new_page()
    docs.goto(server_url + "/api/v1/docs")
    expect(docs.locator(".swagger-ui .info")).to_contain_text("芳华议事厅 API")
    expect(docs.locator(".opblock").first).to_be_visible()
    assert docs.locator(".opblock").count() > 20
    assert not outside, outside


def test_a_page_that_cannot_load_shows_the_offline_page(server_url, phone):
    ctx = phone()
    page = ctx.new_page()
    page.goto(server_url + "/")
    # page.js registers the worker; it keeps the shell, then controls the pages.
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active.scriptURL)").endswith(
        "/sw.js"
    )
    page.reload()
    assert page.evaluate("!!navigator.serviceWorker.controller")
    assert page.evaluate("caches.keys().then(k => k.join())").startswith("fanghua-shell-")

    ctx.set_offline(True)
    page.goto(server_url + "/privacy/")
    expect(page.locator("h1")).to_contain_text("网络断开了…")
    expect(page.locator("a:has-text('再试一次')")).to_be_visible()
    # Styled by the kept stylesheet: the header is the site's red.
    header = page.locator(".site-header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(179, 38, 30)"

    # Back online, the page itself is shown again (never the kept copy of anything).
    ctx.set_offline(False)
    page.locator("a:has-text('再试一次')").tap()
    expect(page.locator("h1")).not_to_contain_text("网络断开了")
    assert "/privacy/" in page.url
