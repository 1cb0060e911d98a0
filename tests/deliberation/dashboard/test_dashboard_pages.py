"""Dashboard pages and API: who may see them (roles walked), the period, and accessible charts
whose tables hold the same numbers as the figures."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from community.models import AdminAssignment
from community.roles import Role
from deliberation.dashboard import charts
from tests.community.factories import (
    CommunityFactory,
    HallFactory,
    StreetFactory,
    UserFactory,
    client_for,
    member,
)
from tests.deliberation.dashboard.test_dashboard_figures import build

SVG = "{http://www.w3.org/2000/svg}"
QS = "?from=2026-03-01&to=2026-05-31"


def admin_of(*, street=None, community=None):
    user = UserFactory()
    AdminAssignment.objects.create(user=user, street=street, community=community)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,allowed",
    [
        (Role.RESIDENT, False),
        (Role.MEMBER, False),
        (Role.VOLUNTEER, False),
        (Role.MODERATOR, False),
        (Role.RECORDER, False),
        (Role.EXECUTIVE, True),
        (Role.HEAD, True),
    ],
)
def test_hall_dashboard_by_role(hall, role, allowed):
    user = member(hall, role)
    url = reverse("hall_dashboard", args=[hall.slug])
    assert client_for(user).get(url).status_code == (200 if allowed else 403)
    api = client_for(user).get(f"/api/v1/halls/{hall.pk}/dashboard")
    assert api.status_code == (200 if allowed else 403)
    nav = client_for(user).get(reverse("proposal_list", args=[hall.slug])).content.decode()
    assert (url in nav) == allowed  # the header's 看板 link (the only hall is the home hall)


@pytest.mark.django_db
def test_hall_dashboard_for_federation_admins_and_strangers(hall):
    community = hall.compound.community
    url = reverse("hall_dashboard", args=[hall.slug])
    assert client_for(admin_of(community=community)).get(url).status_code == 200
    assert client_for(admin_of(street=community.street)).get(url).status_code == 200
    other_street = StreetFactory()
    assert client_for(admin_of(street=other_street)).get(url).status_code == 403
    other_community = CommunityFactory(street=community.street)
    assert client_for(admin_of(community=other_community)).get(url).status_code == 403
    assert client_for(UserFactory()).get(url).status_code == 403
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    assert client_for(None).get(f"/api/v1/halls/{hall.pk}/dashboard").status_code == 401


@pytest.mark.django_db
def test_community_and_street_dashboards_for_their_admins_only(hall):
    community = hall.compound.community
    street = community.street
    c_url = reverse("community_dashboard", args=[community.pk])
    s_url = reverse("street_dashboard", args=[street.pk])
    community_admin = admin_of(community=community)
    street_admin = admin_of(street=street)
    stranger = admin_of(street=StreetFactory())
    neighbour = admin_of(community=CommunityFactory(street=street))
    head = member(hall, Role.HEAD)
    expected = {
        (community_admin, c_url): 200,
        (community_admin, s_url): 403,  # a community admin does not see the whole street
        (street_admin, c_url): 200,
        (street_admin, s_url): 200,
        (stranger, c_url): 403,
        (stranger, s_url): 403,
        (neighbour, c_url): 403,
        (head, c_url): 403,
        (head, s_url): 403,
    }
    for (user, url), status in expected.items():
        assert client_for(user).get(url).status_code == status, (user, url)
    api = client_for(community_admin)
    assert api.get(f"/api/v1/communities/{community.pk}/dashboard").status_code == 200
    assert api.get(f"/api/v1/streets/{street.pk}/dashboard").status_code == 403
    assert (
        client_for(stranger).get(f"/api/v1/communities/{community.pk}/dashboard").status_code == 403
    )
    # the head's dashboard links up to the community for its admin, not for the head
    h_url = reverse("hall_dashboard", args=[hall.slug])
    assert c_url in client_for(community_admin).get(h_url).content.decode()
    assert c_url not in client_for(head).get(h_url).content.decode()


def charts_in(html: str) -> list[tuple[ET.Element, ET.Element]]:
    """Each chart's <svg> and the <table> under it, parsed."""
    out = []
    for fig in re.findall(r'<figure class="chart".*?</figure>', html, re.S):
        svg = re.search(r"<svg.*?</svg>", fig, re.S)
        table = re.search(r"<table.*?</table>", fig, re.S)
        out.append(
            (
                ET.fromstring(svg.group(0)) if svg else None,
                ET.fromstring(table.group(0).replace("&amp;", "&").replace("&", "&amp;")),
            )
        )
    return out


def rows_of(table: ET.Element) -> list[list[str]]:
    return [
        ["".join(cell.itertext()).strip() for cell in tr]
        for tr in table.find("tbody").findall("tr")
    ]


@pytest.mark.django_db
def test_charts_are_accessible_svg_with_the_numbers_in_a_table(hall):
    build(hall)
    head = hall.memberships.filter(roles__role=Role.HEAD).first().user
    html = client_for(head).get(reverse("hall_dashboard", args=[hall.slug]) + QS).content.decode()
    found = charts_in(html)
    assert len(found) == 7
    for svg, table in found:
        assert svg is not None
        assert svg.get("role") == "img"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title is not None and title.text and desc is not None and desc.text
        assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        assert table.find("caption").text
        assert "<script" not in html.split("<main", 1)[1].split("</main>")[0]
    texts = {
        svg.find(f"{SVG}title").text: (
            [t.text for t in svg.iter(f"{SVG}text")],
            rows_of(table),
        )
        for svg, table in found
    }
    labels, rows = texts["本期发布的议题，按服务品牌"]
    assert rows == [["花满名苑", "2"], ["最美楼道", "1"], ["未选品牌", "1"]]
    assert {"花满名苑", "最美楼道", "未选品牌", "2", "1"} <= set(labels)  # labelled bars
    labels, rows = texts["各服务品牌的满意度评议"]
    assert rows == [
        ["花满名苑", "0", "1", "0", "1", "100%"],
        ["最美楼道", "2", "0", "1", "3", "66.7%"],
    ]
    assert {"满意", "基本满意", "不满意"} <= set(labels)  # the legend names each series
    labels, rows = texts["每次表决的参与率"]
    assert [r[:3] for r in rows] == [["b1", "80%", "4/5"], ["b2", "20%", "1/5"]]
    assert {"80%", "20%"} <= set(labels)
    labels, rows = texts["每次会议的到会率"]
    assert [r[1:4] for r in rows] == [
        ["80%", "m1", "4/5"],
        ["40%", "m2", "2/5"],
    ]
    assert "法定人数 66.7%" in labels
    labels, rows = texts["各楼栋居民的附议与评论"]
    assert rows == [["1栋", "1", "2", "3"], ["2栋", "2", "1", "3"], ["未登记楼栋", "1", "0", "1"]]
    # headline numbers
    assert "60%" in html and "12.5 天" in html and "75%" in html


@pytest.mark.django_db
def test_the_period_quick_picks_and_a_bad_period(hall):
    head = member(hall, Role.HEAD)
    c = client_for(head)
    url = reverse("hall_dashboard", args=[hall.slug])
    html = c.get(url).content.decode()
    for label in ("本月", "本季度", "本年", "近12个月"):
        assert label in html
    assert 'aria-current="true"' in html  # the default is the last 12 months
    bad = c.get(url + "?from=2026-05-01&to=2026-04-01")
    assert bad.status_code == 200 and "开始日期不能晚于结束日期" in bad.content.decode()
    api = c.get(f"/api/v1/halls/{hall.pk}/dashboard?from=2026-05-01&to=2026-04-01")
    assert api.status_code == 400


@pytest.mark.django_db
def test_the_api_gives_the_same_figures(hall):
    build(hall)
    head = hall.memberships.filter(roles__role=Role.HEAD).first().user
    data = client_for(head).get(f"/api/v1/halls/{hall.pk}/dashboard{QS}").json()
    assert data["period"] == {"from": "2026-03-01", "to": "2026-05-31"}
    assert data["proposals"]["total"] == 4
    assert data["meetings"]["attendance"] == {"num": 6, "den": 10, "percent": 60.0}
    assert data["days_to_resolution"] == {"n": 2, "days": 12.5}
    assert data["satisfaction"]["rate"] == {"num": 3, "den": 4, "percent": 75.0}


@pytest.mark.django_db
def test_the_federation_page_shows_halls_side_by_side(hall):
    build(hall)
    community = hall.compound.community
    quiet = HallFactory(compound__community=community, name="安静议事厅")
    admin = admin_of(community=community)
    html = client_for(admin).get(reverse("community_dashboard", args=[community.pk]) + QS)
    html = html.content.decode()
    assert hall.name in html and quiet.name in html
    assert "活跃" in html and "未活跃" in html
    assert reverse("hall_dashboard", args=[quiet.slug]) in html
    assert len(charts_in(html)) == 4


def test_chart_geometry_and_labels():
    chart = charts.hbar(
        id="t",
        title="议题",
        rows=[("一个很长很长很长的楼栋名字", 4, "4"), ("短", 2, "2")],
        headers=["楼栋", "数"],
    )
    assert not chart.empty
    bars = [r for r in chart.rects]
    assert bars[0].w == pytest.approx(2 * bars[1].w)
    assert bars[0].x + bars[0].w <= charts.WIDTH - charts.VALUE_W + 0.01
    assert any(t.text.endswith("…") for t in chart.texts)  # cut in the SVG …
    assert chart.table.rows[0][0] == "一个很长很长很长的楼栋名字"  # … whole in the table
    assert charts.hbar(id="e", title="空", rows=[("a", 0, "0")], headers=["", ""]).empty
    stacked = charts.stacked_hbar(
        id="s", title="满意度", rows=[("A", [1, 2, 3])], series=["x", "y", "z"]
    )
    assert {p.kind for p in stacked.patterns} == {"solid", "hatch", "cross"}  # not colour alone
