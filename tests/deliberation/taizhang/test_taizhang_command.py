"""`manage.py export_taizhang`: writes the workbook, says what it wrote, clear errors otherwise."""

from __future__ import annotations

import io
import os

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tests.deliberation.taizhang.test_taizhang_export import SHEET_NAMES, october_story

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("export_taizhang", *args, stdout=out)
    return out.getvalue()


def test_writes_the_month_by_slug_or_id(hall, tmp_path):
    october_story(hall)
    target = tmp_path / "oct.xlsx"
    said = run("--hall", hall.slug, "--month", "2026-10", "--out", str(target))
    assert str(target) in said and "2026年10月" in said and "议题 1 条" in said
    wb = load_workbook(target)
    assert wb.sheetnames == SHEET_NAMES
    assert wb["议题"]["B2"].value == "修复小区喷泉"
    by_id = tmp_path / "by-id.xlsx"
    run("--hall", str(hall.pk), "--month", "2026-10", "--out", str(by_id))
    assert load_workbook(by_id)["任务"]["A2"].value == "更换喷泉水泵"


def test_default_file_name_and_empty_month(hall, tmp_path):
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        said = run("--hall", hall.slug, "--month", "2025-02")
    finally:
        os.chdir(cwd)
    path = tmp_path / f"taizhang-{hall.slug}-2025-02.xlsx"
    assert path.exists() and "议题 0 条" in said
    assert load_workbook(path)["会议"]["A2"].value == "本月无记录"


@pytest.mark.parametrize("month", ["2026-13", "2026/10", "10-2026", "abc"])
def test_bad_month(hall, tmp_path, month):
    with pytest.raises(CommandError, match="月"):
        run("--hall", hall.slug, "--month", month, "--out", str(tmp_path / "x.xlsx"))
    assert not (tmp_path / "x.xlsx").exists()


def test_unknown_hall(db, tmp_path):
    with pytest.raises(CommandError, match="没有这个议事厅"):
        run("--hall", "nowhere", "--month", "2026-10", "--out", str(tmp_path / "x.xlsx"))


def test_unwritable_paths(hall, tmp_path):
    with pytest.raises(CommandError, match="无法写入"):
        run("--hall", hall.slug, "--month", "2026-10", "--out", str(tmp_path / "no" / "x.xlsx"))
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    with pytest.raises(CommandError, match="目录"):
        run("--hall", hall.slug, "--month", "2026-10", "--out", str(folder))
    with pytest.raises(CommandError, match=r"\.xlsx"):
        run("--hall", hall.slug, "--month", "2026-10", "--out", str(tmp_path / "x.csv"))
