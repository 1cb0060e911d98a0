"""Finding Chinese in what a page shows: its visible text and the attributes people hear or read."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.apps import apps
from django.db import models, transaction

# CJK ideographs, CJK punctuation (、。「」) and full-width forms (，：（）).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
SHOWN_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder", "aria-description")
HIDDEN_ELEMENTS = {"script", "style", "template", "noscript"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class _Visible(HTMLParser):
    """Collect a page's text, its shown attributes and button values.

    Skipped: scripts and styles, and any element marked lang="zh-hans" (the 中文 button that
    switches the language back is Chinese on purpose)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    def _hidden(self) -> bool:
        return any(hidden for _tag, hidden in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        hidden = tag in HIDDEN_ELEMENTS or (a.get("lang") or "").startswith("zh")
        if not self._hidden() and not hidden:
            for name in SHOWN_ATTRIBUTES:
                if a.get(name):
                    self.parts.append(a[name])
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.parts.append(a["value"])
            if tag == "meta" and a.get("name") in ("description",) and a.get("content"):
                self.parts.append(a["content"])
        if tag not in VOID:
            self.stack.append((tag, hidden))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not self._hidden() and data.strip():
            self.parts.append(data)


def visible_text(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return parser.parts


def chinese_in(texts: list[str], data: list[str] = ()) -> list[str]:
    """The pieces of `texts` that still hold Chinese once every `data` string is taken out
    (user-entered content, longest first, is not UI)."""
    found = []
    for text in texts:
        for d in data:
            if d in text:
                text = text.replace(d, " ")
        if CJK.search(text):
            found.append(" ".join(text.split())[:120])
    return found


# Stored text is moved, character for character, to private-use characters (same length, same
# uniqueness): a page showing data then shows no Chinese, and any Chinese left is interface.
PRIVATE_USE = 0xF0000


def unchinese(value):
    if isinstance(value, str):
        if not CJK.search(value):
            return value
        return CJK.sub(lambda m: chr(PRIVATE_USE + ord(m.group())), value)
    if isinstance(value, list):
        return [unchinese(v) for v in value]
    if isinstance(value, dict):
        return {unchinese(k): unchinese(v) for k, v in value.items()}
    return value


@transaction.atomic
def unchinese_all_data() -> int:
    changed = 0
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            and not f.choices
        ]
        if not fields:
            continue
        for row in model._default_manager.values("pk", *fields).iterator():
            update = {f: unchinese(row[f]) for f in fields if unchinese(row[f]) != row[f]}
            if update:
                model._default_manager.filter(pk=row["pk"]).update(**update)
                changed += 1
    return changed
