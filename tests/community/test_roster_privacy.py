"""Privacy by default (PIPL): who sees the hall's people by name, and who sees their buildings."""

import pytest

from community.models import Membership
from community.roles import Role
from tests.community.factories import BrowserClient, BuildingFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(hall):
    b2 = BuildingFactory(compound=hall.compound, name="2栋")
    people = {
        "head": member(hall, Role.HEAD, display_name="黄秀芬"),
        "moderator": member(hall, Role.MODERATOR, display_name="陈红"),
        "resident": member(hall, Role.RESIDENT, display_name="张奶奶"),
        "volunteer": member(hall, Role.VOLUNTEER, display_name="李萍"),
    }
    Membership.objects.filter(user=people["resident"]).update(building=b2)
    return people


def hall_page(hall, user=None):
    c = BrowserClient()
    if user is not None:
        c.force_login(user)
    return c.get(f"/halls/{hall.slug}/").content.decode()


def test_anonymous_visitors_and_outsiders_see_offices_by_name_and_the_rest_as_counts(hall, people):
    for viewer in (None, UserFactory(display_name="路人")):
        page = hall_page(hall, viewer)
        assert "黄秀芬" in page and "陈红" in page  # the roles of office
        assert "张奶奶" not in page and "李萍" not in page and "2栋" not in page
        assert "共 1 人" in page


def test_residents_see_names_but_not_buildings(hall, people):
    page = hall_page(hall, people["volunteer"])
    assert "张奶奶" in page and "李萍" in page
    assert "2栋" not in page


def test_heads_see_buildings(hall, people):
    assert "张奶奶 <small>· 2栋</small>" in hall_page(hall, people["head"])
