"""One 台账 list as CSV: UTF-8 with a BOM (so Excel opens the Chinese), values as in the sheet."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from deliberation.taizhang.rows import Percent

BOM = "\ufeff"


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Percent):
        return f"{round(value * 100)}%"
    return str(value)


def csv_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    """Headers and rows (an empty list gives the header line only), CRLF lines, BOM first."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return out.getvalue().encode("utf-8")
