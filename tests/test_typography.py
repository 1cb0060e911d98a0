"""Chinese text uses full-width punctuation (issue 13, point 5): a test over the translation
sources. Every Chinese string the site shows is a msgid in locale/en (makemessages collects them
from Python, templates and static/js); in those, a comma, colon, semicolon, exclamation or
question mark next to a Chinese character, and brackets around or beside Chinese, must be the
full-width ones (U+FF0C, U+FF1A, U+FF1B, U+FF01, U+FF1F, U+FF08, U+FF09). Half-width marks stay where the text beside them is Latin
("Authorization: Bearer"), in placeholders (%(name)s) and in times (14:05)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PO_FILES = sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))

CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
HAN = re.compile(rf"[{CJK}]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sd]|\{\w*\}")


def msgids(po: Path) -> list[tuple[int, str]]:
    """(line, text) of every live msgid and msgid_plural (obsolete `#~` entries skipped)."""
    found: list[tuple[int, str]] = []
    current: list[str] | None = None
    start = 0
    for number, line in enumerate(po.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(("msgid ", "msgid_plural ")):
            if current is not None:
                found.append((start, "".join(current)))
            current, start = [ast.literal_eval(line.split(" ", 1)[1])], number
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
        else:
            if current is not None:
                found.append((start, "".join(current)))
            current = None
    if current is not None:
        found.append((start, "".join(current)))
    return [(n, text) for n, text in found if text]


def half_width_marks(text: str) -> list[str]:
    """The half-width marks in `text` that sit next to Chinese, each with its surroundings."""
    plain = PLACEHOLDER.sub("x", text)  # a placeholder counts as a Latin word
    bad = []
    for m in re.finditer(r"[,:;!?]", plain):
        before = plain[: m.start()].rstrip()[-1:]
        after = plain[m.end() :].lstrip()[:1]
        if m.group() == ":" and before.isdigit() and after.isdigit():
            continue  # 14:05
        if HAN.match(before) or HAN.match(after):
            bad.append(plain[max(0, m.start() - 6) : m.end() + 6])
    for m in re.finditer(r"\(([^()]*)\)", plain):
        before = plain[: m.start()].rstrip()[-1:]
        after = plain[m.end() :].lstrip()[:1]
        if plain[: m.start()].endswith("]"):
            continue  # a Markdown link's address: [链接](https://…)
        if HAN.search(m.group(1)) or HAN.match(before) or HAN.match(after):
            bad.append(plain[max(0, m.start() - 6) : m.end() + 6])
    return bad


def test_there_are_translation_sources():
    assert {p.name for p in PO_FILES} >= {"django.po", "djangojs.po"}


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.name)
def test_chinese_strings_use_full_width_punctuation(po):
    offenders = [
        f"{po.name}:{line}: {text!r} — {marks}"
        for line, text in msgids(po)
        if HAN.search(text) and (marks := half_width_marks(text))
    ]
    assert not offenders, "half-width punctuation in Chinese text:\n" + "\n".join(offenders)


# Written with escapes: , : ; ! ? ( ) are \uff0c \uff1a \uff1b \uff01 \uff1f \uff08 \uff09.
@pytest.mark.parametrize(
    "text, bad",
    [
        ("名称: 必填", True),
        ("名称\uff1a必填", False),
        ("请先签到!", True),
        ("请先签到\uff01", False),
        ("共 %(n)s 人(含列席)", True),
        ("共 %(n)s 人\uff08含列席\uff09", False),
        ("(已撤回)", True),
        ("确定吗?", True),
        ("确定吗\uff1f", False),
        ("%(name)s,您好", True),
        ("%(name)s\uff0c您好", False),
        ("请求头 Authorization: Bearer 令牌", False),
        ("会议 14:05 开始", False),
        ("API (token) settings", False),
        ("支持 Markdown\uff1a[链接](https://…)。", False),
    ],
)
def test_the_rule_itself(text, bad):
    assert bool(half_width_marks(text)) is bad
