"""One 台账 list as CSV: UTF-8 with a BOM (so Excel opens the Chinese), values as in the sheet."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from deliberation.taizhang.rows import Percent

BOM = "\ufeff"
# A spreadsheet reads a cell starting with one of these as a formula (CSV injection, OWASP):
# text people wrote that starts with one is written with a leading apostrophe, shown as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """Text a spreadsheet will show as text, never run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Percent):
        return f"{round(value * 100)}%"
    if isinstance(value, int | float):
        return str(value)  # a negative number is a number, not a formula
    return neutralised(str(value))


def csv_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    """Headers and rows (an empty list gives the header line only), CRLF lines, BOM first."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return out.getvalue().encode("utf-8")
