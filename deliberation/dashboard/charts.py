"""Accessible SVG charts drawn on the server: horizontal bars, stacked bars, vertical bars.

A chart is plain geometry (rectangles, texts, lines, fill patterns) plus the table of its
numbers; `templates/deliberation/_chart.html` draws it as `<svg role="img">` with `<title>`
and `<desc>`, each bar labelled with its value, series told apart by pattern as well as colour,
and the numbers in a `<table>` with a `<caption>` under it. No JavaScript, nothing fetched.

Why not a library: pygal (the one on PyPI that draws SVG in pure Python) links its tooltip
script from a CDN unless told not to, writes no `role`/`<desc>`, and tells series apart by
colour only; the three shapes needed here are ~200 lines.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

WIDTH = 360  # viewBox width; the page scales it to the column (phone first)
FONT = 14
LABEL_W = 118
VALUE_W = 62
ROW_H = 34
BAR_H = 22
TOP = 8

# Series fills: a colour *and* a pattern, so print, grey screens and colour-blind readers see them.
SERIES_STYLES = [
    ("solid", "#1b6e3a"),
    ("hatch", "#8a5a00"),
    ("cross", "#8c1d18"),
    ("dots", "#0b57d0"),
]
BAR_COLOUR = "#b3261e"
INK = "#1c1b1f"


@dataclass(frozen=True)
class Pattern:
    id: str
    kind: str  # solid | hatch | cross | dots
    colour: str

    @property
    def fill(self) -> str:
        return self.colour if self.kind == "solid" else f"url(#{self.id})"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    label: str = ""  # the bar's own tooltip (<title>)


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    size: int = FONT
    bold: bool = False
    halo: bool = False  # a white outline, to stay readable over a pattern


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    dashed: bool = False


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]  # the first cell of a row is its header


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    table: Table
    width: int = WIDTH
    height: int = 0
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    patterns: list[Pattern] = field(default_factory=list)
    empty: bool = False


def text_width(text: str, size: int = FONT) -> float:
    """Rough width of a text: CJK and full-width characters are square, others about half."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def fit(text: str, width: float, size: int = FONT) -> str:
    """The text, cut with an ellipsis to fit `width` (the table keeps it whole)."""
    if text_width(text, size) <= width:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > width:
            break
        out += ch
    return out + "…"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _series_patterns(chart_id: str, n: int) -> list[Pattern]:
    return [Pattern(f"{chart_id}-p{i}", *SERIES_STYLES[i % len(SERIES_STYLES)]) for i in range(n)]


def hbar(
    *,
    id: str,
    title: str,
    rows: list[tuple[str, float, str]],
    headers: list[str],
    caption: str | None = None,
    max_value: float | None = None,
    extra_columns: list[list[str]] | None = None,
) -> Chart:
    """Horizontal bars: (label, value, shown value) per row; the value is written at the bar's end.

    `extra_columns` adds cells to each table row (e.g. the count behind a percentage).
    """
    table_rows = [
        [label, shown, *(extra_columns[i] if extra_columns else [])]
        for i, (label, _v, shown) in enumerate(rows)
    ]
    desc = title + _("：") + _("；").join(f"{label} {shown}" for label, _v, shown in rows)
    chart = Chart(id=id, title=title, desc=desc, table=Table(caption or title, headers, table_rows))
    top = max([v for _l, v, _s in rows], default=0)
    scale_max = max_value or top
    if not rows or top <= 0:
        chart.empty = True
    area = WIDTH - LABEL_W - VALUE_W
    for i, (label, value, shown) in enumerate(rows):
        y = TOP + i * ROW_H
        w = 0 if not scale_max else area * min(value, scale_max) / scale_max
        chart.texts.append(
            Text(LABEL_W - 8, y + BAR_H / 2 + FONT / 2 - 2, fit(label, LABEL_W - 12), "end")
        )
        chart.rects.append(Rect(LABEL_W, y, max(w, 0), BAR_H, BAR_COLOUR, f"{label} {shown}"))
        chart.texts.append(Text(LABEL_W + w + 6, y + BAR_H / 2 + FONT / 2 - 2, shown, bold=True))
    chart.lines.append(Line(LABEL_W, TOP - 4, LABEL_W, TOP + len(rows) * ROW_H - ROW_H + BAR_H + 4))
    chart.height = TOP * 2 + max(1, len(rows)) * ROW_H
    return chart


def stacked_hbar(
    *,
    id: str,
    title: str,
    rows: list[tuple[str, list[int]]],
    series: list[str],
    caption: str | None = None,
    total_header: str | None = None,
    extra: list[str] | None = None,
    extra_header: str | None = None,
) -> Chart:
    """Horizontal stacked bars, one row per label, one segment per series, each segment numbered.

    A legend on top names each series next to its swatch; the table has a column per series.
    """
    patterns = _series_patterns(id, len(series))
    headers = ["", *series, total_header or _("合计"), *([extra_header] if extra_header else [])]
    table_rows = [
        [label, *[str(v) for v in values], str(sum(values)), *([extra[i]] if extra else [])]
        for i, (label, values) in enumerate(rows)
    ]
    desc = (
        title
        + _("：")
        + _("；").join(
            f"{label} " + _("、").join(f"{s} {v}" for s, v in zip(series, values, strict=True))
            for label, values in rows
        )
    )
    chart = Chart(
        id=id,
        title=title,
        desc=desc,
        table=Table(caption or title, headers, table_rows),
        patterns=patterns,
    )
    totals = [sum(v) for _l, v in rows]
    top = max(totals, default=0)
    if not rows or top <= 0:
        chart.empty = True
    # legend
    x = 8.0
    for p, name in zip(patterns, series, strict=True):
        chart.rects.append(Rect(x, TOP, 16, 16, p.fill))
        chart.texts.append(Text(x + 22, TOP + 13, name, size=13))
        x += 22 + text_width(name, 13) + 16
    legend_h = 30
    area = WIDTH - LABEL_W - VALUE_W
    for i, (label, values) in enumerate(rows):
        y = TOP + legend_h + i * ROW_H
        chart.texts.append(
            Text(LABEL_W - 8, y + BAR_H / 2 + FONT / 2 - 2, fit(label, LABEL_W - 12), "end")
        )
        x = float(LABEL_W)
        for p, name, value in zip(patterns, series, values, strict=True):
            w = 0 if not top else area * value / top
            if value:
                chart.rects.append(Rect(x, y, w, BAR_H, p.fill, f"{label} {name} {value}"))
                if w >= 18:
                    chart.texts.append(
                        Text(
                            x + w / 2,
                            y + BAR_H / 2 + FONT / 2 - 2,
                            str(value),
                            "middle",
                            bold=True,
                            halo=True,
                        )
                    )
            x += w
        chart.texts.append(Text(x + 6, y + BAR_H / 2 + FONT / 2 - 2, str(sum(values)), bold=True))
    chart.height = TOP * 2 + legend_h + max(1, len(rows)) * ROW_H
    return chart


def vbar(
    *,
    id: str,
    title: str,
    rows: list[tuple[str, float, str]],
    headers: list[str],
    caption: str | None = None,
    max_value: float | None = None,
    reference: tuple[float, str] | None = None,
    extra_columns: list[list[str]] | None = None,
) -> Chart:
    """Vertical bars with the value above each and the label below; an optional dashed
    reference line (e.g. the quorum) labelled in words."""
    table_rows = [
        [label, shown, *(extra_columns[i] if extra_columns else [])]
        for i, (label, _v, shown) in enumerate(rows)
    ]
    desc = title + _("：") + _("；").join(f"{label} {shown}" for label, _v, shown in rows)
    if reference:
        desc += _("。") + str(reference[1])
    chart = Chart(id=id, title=title, desc=desc, table=Table(caption or title, headers, table_rows))
    top = max([v for _l, v, _s in rows], default=0)
    scale_max = max_value or top
    if not rows or top <= 0:
        chart.empty = True
    plot_top, plot_h, label_h = 30, 160, 30
    base = plot_top + plot_h
    slot = (WIDTH - 16) / max(1, len(rows))
    bar_w = min(44.0, slot * 0.65)
    chart.lines.append(Line(8, base, WIDTH - 8, base))
    for i, (label, value, shown) in enumerate(rows):
        cx = 8 + slot * i + slot / 2
        h = 0 if not scale_max else plot_h * min(value, scale_max) / scale_max
        chart.rects.append(Rect(cx - bar_w / 2, base - h, bar_w, h, BAR_COLOUR, f"{label} {shown}"))
        size = 13 if slot >= 40 else 11
        chart.texts.append(Text(cx, base - h - 6, shown, "middle", size=size, bold=True))
        chart.texts.append(Text(cx, base + 20, fit(label, slot - 2, size), "middle", size=size))
    if reference and scale_max:
        ry = base - plot_h * min(reference[0], scale_max) / scale_max
        chart.lines.append(Line(8, ry, WIDTH - 8, ry, dashed=True))
        chart.texts.append(Text(WIDTH - 8, ry - 6, reference[1], "end", size=12, halo=True))
    chart.height = base + label_h
    return chart
