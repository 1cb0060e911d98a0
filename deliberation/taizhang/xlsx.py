"""The 台账 workbook (openpyxl): one sheet per list, bold frozen header, real Excel dates.

Dates and times are naive Asia/Shanghai values (openpyxl cannot store a zone); the 说明
sheet says so, names the hall and month, and gives each sheet's month rule and row count.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from io import BytesIO
from typing import Any

from django.utils import timezone, translation
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from community.models import Hall
from deliberation.taizhang.rows import (
    EMPTY_NOTE,
    EXPORT_LANGUAGE,
    Month,
    Percent,
    Sheet,
    Table,
    local,
)

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0%"
MIN_WIDTH, MAX_WIDTH = 6, 60
INFO_TITLE = "说明"

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F6E3E1")
HEADER_ALIGN = Alignment(vertical="center", wrap_text=True)
WRAP_ALIGN = Alignment(vertical="top", wrap_text=True)
TOP_ALIGN = Alignment(vertical="top")
NOTE_FONT = Font(italic=True, color="666666")


def display_width(value: Any) -> int:
    """Roughly how many narrow characters a value takes (CJK counts two), longest line."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, Percent):
        return 5
    text = str(value)
    return max(
        (
            sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
            for line in text.splitlines() or [""]
        ),
        default=0,
    )


def write_table(ws: Worksheet, headers: list[str], rows: list[list[Any]]) -> None:
    """Header row (bold, frozen, filtered) and the rows with formats and column widths."""
    ws.append(headers)
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGN
    ws.freeze_panes = "A2"
    widths = [display_width(h) + 2 for h in headers]
    if not rows:
        ws.append([EMPTY_NOTE])
        ws["A2"].font = NOTE_FONT
        widths[0] = max(widths[0], display_width(EMPTY_NOTE) + 2)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            if isinstance(value, Promise):  # a lazy label that escaped str()
                value = str(value)
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            elif isinstance(value, Percent):
                cell.number_format = PERCENT_FORMAT
            width = display_width(value) + 2
            if isinstance(value, str) and ("\n" in value or width > MAX_WIDTH):
                cell.alignment = WRAP_ALIGN
            else:
                cell.alignment = TOP_ALIGN
            widths[c - 1] = max(widths[c - 1], width)
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = max(MIN_WIDTH, min(MAX_WIDTH, width))
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"


def as_text_only(wb: Workbook) -> None:
    """Store every cell that openpyxl took for a formula as the text it is.

    openpyxl writes any string starting with "=" as a formula; the workbook holds only text
    people wrote and our values, never a formula, so a title like `=HYPERLINK(…)` stays text.
    """
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def write_info(ws: Worksheet, hall: Hall, month: Month, tables, now: datetime) -> None:
    compound = hall.compound
    community = compound.community
    ws.append(["芳华议事厅 · 台账"])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in [
        ("议事厅", f"{hall.name}({hall.home_name})"),
        ("所属", f"{community.street.name} {community.name} {compound.name}"),
        ("月份", month.label),
        ("导出时间", local(now)),
        ("时区", "所有日期时间均为北京时间（Asia/Shanghai）"),
        ("表决", "表决表只列票数；不含任何人投了什么，无记名表决也无从关联到个人。"),
    ]:
        ws.append([label, value])
    ws["B5"].number_format = DATETIME_FORMAT
    ws.append([])
    ws.append(["表", "本月条数", "口径"])
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for sheet, (_headers, rows) in tables:
        ws.append([sheet.title, len(rows), str(sheet.rule)])
    for cell in ws["B"]:
        cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 70


def build_workbook(
    hall: Hall, month: Month, tables: list[tuple[Sheet, Table]], *, now: datetime | None = None
) -> Workbook:
    """The workbook of the given tables (from `rows.all_tables`), plus the 说明 sheet last."""
    now = now or timezone.now()
    wb = Workbook()
    wb.remove(wb.active)
    with translation.override(EXPORT_LANGUAGE):
        for sheet, (headers, rows) in tables:
            ws = wb.create_sheet(sheet.title)
            write_table(ws, headers, rows)
            ws.oddHeader.center.text = f"{hall.name} · {month.label} · {sheet.title}"
            ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"
        write_info(wb.create_sheet(INFO_TITLE), hall, month, tables, now)
        as_text_only(wb)
        wb.properties.title = f"{hall.name} 台账 {month.label}"
        wb.properties.subject = f"{hall.slug} {month}"
    wb.properties.creator = "芳华议事厅"
    return wb


def workbook_bytes(
    hall: Hall, month: Month, tables: list[tuple[Sheet, Table]], *, now: datetime | None = None
) -> bytes:
    out = BytesIO()
    build_workbook(hall, month, tables, now=now).save(out)
    return out.getvalue()
