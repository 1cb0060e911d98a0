"""A service brand's colour carries white text (its badge on proposals): the admin refuses a
colour too light to read it on (WCAG AA, 4.5:1), and the demo's brands all pass."""

import pytest
from django.core.exceptions import ValidationError

from community.models import ServiceBrand, contrast_with_white
from demo.community import BRANDS
from tests.community.factories import HallFactory

pytestmark = pytest.mark.django_db


def test_contrast_with_white_is_the_wcag_ratio():
    assert contrast_with_white("#000000") == pytest.approx(21)
    assert contrast_with_white("#ffffff") == pytest.approx(1)
    assert contrast_with_white("#d35400") == pytest.approx(4.17, abs=0.01)  # the old 爱聚乐园
    assert contrast_with_white("red") is None
    assert contrast_with_white("#zzzzzz") is None


def test_a_brand_colour_white_text_cannot_be_read_on_is_refused():
    hall = HallFactory()
    light = ServiceBrand(hall=hall, name="爱聚乐园", color="#d35400")
    with pytest.raises(ValidationError) as refused:
        light.full_clean()
    assert "太浅" in str(refused.value.message_dict["color"])
    with pytest.raises(ValidationError):
        ServiceBrand(hall=hall, name="坏", color="orange").full_clean()
    ServiceBrand(hall=hall, name="爱聚乐园", color="#ba4a00").full_clean()


@pytest.mark.parametrize("name,color", [(b[0], b[2]) for b in BRANDS])
def test_the_demo_brands_are_dark_enough(name, color):
    assert contrast_with_white(color) >= 4.5, name
