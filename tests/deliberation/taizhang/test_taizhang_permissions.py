"""Who may export the 台账，walked role by role, on the page and on every download URL."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from deliberation.taizhang.permissions import PERMISSIONS
from deliberation.taizhang.rows import SHEETS, TASK_HEADERS
from tests.community.factories import HallFactory, member
from tests.deliberation.taizhang.test_taizhang_export import SHEET_NAMES, october_story

pytestmark = pytest.mark.django_db

WHO = ["outsider", "applicant", "resident", "member", "executive", "volunteer",
       "moderator", "recorder", "head", "admin"]  # fmt: skip
EXPECTED = {"deliberation.export_taizhang": {"head", "admin"}}


def test_every_permission_is_in_the_matrix():
    assert set(EXPECTED) == set(PERMISSIONS)


@pytest.mark.parametrize("perm", sorted(EXPECTED))
def test_role_matrix(perm, hall, people):
    assert {who for who in WHO if people[who].has_perm(perm, hall)} == EXPECTED[perm]


def urls(hall) -> list[str]:
    page = reverse("taizhang", args=[hall.slug])
    xlsx = reverse("taizhang_xlsx", args=[hall.slug])
    csvs = [reverse("taizhang_csv", args=[hall.slug, s.key]) for s in SHEETS]
    return [page, xlsx, *csvs]


@pytest.mark.parametrize("who", WHO)
def test_pages_per_role(client, hall, people, who):
    client.force_login(people[who])
    allowed = who in EXPECTED["deliberation.export_taizhang"]
    for url in urls(hall):
        response = client.get(url, {"month": "2026-10"})
        assert response.status_code == (200 if allowed else 403), (who, url)


def test_anonymous_is_sent_to_log_in(client, hall):
    for url in urls(hall):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_a_head_elsewhere_gets_403(client, hall):
    client.force_login(member(HallFactory(), "head"))
    assert client.get(reverse("taizhang", args=[hall.slug])).status_code == 403


def test_page_and_downloads_for_the_head(client, hall, django_assert_max_num_queries):
    story = october_story(hall)
    client.force_login(story["head"])
    with django_assert_max_num_queries(30):
        page = client.get(reverse("taizhang", args=[hall.slug]), {"month": "2026-10"})
    text = page.content.decode()
    assert "2026年10月" in text and 'value="2026-10"' in text
    assert reverse("taizhang_xlsx", args=[hall.slug]) + "?month=2026-10" in text
    for sheet in SHEETS:
        assert reverse("taizhang_csv", args=[hall.slug, sheet.key]) in text
    xlsx = client.get(reverse("taizhang_xlsx", args=[hall.slug]), {"month": "2026-10"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in xlsx["Content-Disposition"]
    assert f"taizhang-{hall.slug}-2026-10.xlsx" in xlsx["Content-Disposition"]
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == SHEET_NAMES and wb["任务"]["A2"].value == "更换喷泉水泵"
    got = client.get(reverse("taizhang_csv", args=[hall.slug, "tasks"]), {"month": "2026-10"})
    assert got["Content-Type"].startswith("text/csv")
    assert got.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert table[0] == TASK_HEADERS and table[1][0] == "更换喷泉水泵"


def test_hall_page_shows_the_entry_only_to_those_who_may(client, hall, people):
    url = reverse("taizhang", args=[hall.slug])
    client.force_login(people["head"])
    assert url in client.get(reverse("hall", args=[hall.slug])).content.decode()
    client.force_login(people["resident"])
    assert url not in client.get(reverse("hall", args=[hall.slug])).content.decode()


def test_empty_month_note_and_bad_month(client, hall, people):
    client.force_login(people["head"])
    page = client.get(reverse("taizhang", args=[hall.slug]), {"month": "2025-01"})
    assert "本月无记录" in page.content.decode()
    bad = client.get(reverse("taizhang", args=[hall.slug]), {"month": "2026-13"})
    assert bad.status_code == 200 and "01 到 12" in bad.content.decode()
    for name in ("taizhang_xlsx",):
        got = client.get(reverse(name, args=[hall.slug]), {"month": "nope"})
        assert got.status_code == 400 and "YYYY-MM" in got.content.decode()
    got = client.get(reverse("taizhang_csv", args=[hall.slug, "votes"]), {"month": "2026-10"})
    assert got.status_code == 404
