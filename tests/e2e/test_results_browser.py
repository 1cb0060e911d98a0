"""On a phone: a resident rates a published result with one large button, confirms, is thanked."""

import pytest

from deliberation.models import Evaluation
from demo.community import DEMO_PASSWORD, seed_organisation
from tests.deliberation.results.factories import published_result
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_rates_a_result_from_her_phone(server_url, phone):
    hall, users = seed_organisation()
    result = published_result(hall, places=[None], head=users["huangxiufen"])
    page = phone().new_page()
    log_in(page, server_url, "wangayi", DEMO_PASSWORD)
    page.goto(f"{server_url}/results/{result.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    button = page.locator("label.choice.rating-dissatisfied")
    box = button.bounding_box()
    assert box["height"] >= 64 and box["width"] >= 300  # a large target, full width on a phone
    assert page.locator("#once-note").is_visible()
    button.click()
    page.fill("textarea[name=comment]", "喷泉晚上还是不亮")
    page.click("button:has-text('下一步：确认评议')")
    page.wait_for_selector("text=评议提交后不能更改。确定提交吗？")
    page.click("button:has-text('确认提交评议')")
    page.wait_for_selector("text=谢谢您")
    assert "1 人 · 100.0%" in page.locator("#counts").inner_text()
    ev = Evaluation.objects.get(result=result)
    assert (ev.user, ev.rating, ev.comment) == (
        users["wangayi"],
        "dissatisfied",
        "喷泉晚上还是不亮",
    )
