"""The public ledger of a hall: a page (newest first) and the JSON anyone can re-verify."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community import selectors
from community.models import Hall
from deliberation.ledger.chain import public_entry
from deliberation.ledger.choices import LedgerKind
from deliberation.ledger.selectors import chain_head, entries_of

PAGE_SIZE = 50
SUMMARY_ITEMS = 6
SUMMARY_CHARS = 80
DOC = Path(settings.BASE_DIR) / "docs" / "ledger.md"


@cache
def verifier_snippet() -> str:
    """The standalone verifier: the first python block under "Verify it yourself" in docs/ledger.md."""
    try:
        text = DOC.read_text(encoding="utf-8")
    except OSError:
        return ""
    section = text.split("## Verify it yourself", 1)[-1]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    return found.group(1) if found else ""


def _short(value: Any) -> str:
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


# Readable names of the payload keys the ballots/resolutions code uses; the key itself otherwise.
KEY_LABELS = {
    "ballot": gettext_lazy("表决"),
    "title": gettext_lazy("标题"),
    "result": gettext_lazy("结果"),
    "totals": gettext_lazy("合计票数"),
    "counts": gettext_lazy("票数"),
    "choice": gettext_lazy("选择"),
    "receipt": gettext_lazy("回执码"),
    "secret": gettext_lazy("无记名"),
    "electorate": gettext_lazy("应到人数"),
    "present": gettext_lazy("到会人数"),
    "ballots": gettext_lazy("投票人数"),
    "resolution": gettext_lazy("决议"),
    "objection": gettext_lazy("异议"),
    "winners": gettext_lazy("当选/选中"),
}
RESULT_LABELS = {
    "passed": gettext_lazy("通过"),
    "failed": gettext_lazy("未通过"),
    "no_quorum": gettext_lazy("未达法定人数"),
}


def payload_summary(payload: Any) -> list[tuple[str, str]]:
    """A few `key: value` lines of a payload for the page, known keys first (the JSON has it all)."""
    if not isinstance(payload, dict):
        return [("", _short(payload))]
    order = list(KEY_LABELS)
    keys = sorted(payload, key=lambda k: (order.index(k) if k in order else len(order), k))
    items = []
    for k in keys:
        value = payload[k]
        if k == "result" and value in RESULT_LABELS:
            value = str(RESULT_LABELS[value])
        items.append((str(KEY_LABELS.get(k, k)), _short(value)))
    if len(items) > SUMMARY_ITEMS:
        rest = len(items) - SUMMARY_ITEMS
        items = [*items[:SUMMARY_ITEMS], ("…", _("另有 %(n)d 项") % {"n": rest})]
    return items


def page_of_seq(hall: Hall, seq: int) -> int:
    """The page (newest first, PAGE_SIZE a page) that holds entry `seq` of the hall."""
    newer = entries_of(hall=hall).filter(seq__gt=seq).count()
    return newer // PAGE_SIZE + 1


def ledger_page(request, slug: str):
    """The ledger, newest first; `?seq=N` (the QR code on a printed notice) opens N's page."""
    hall = get_object_or_404(selectors.halls_visible_to(), slug=slug)
    labels = dict(LedgerKind.choices)
    number = request.GET.get("page")
    target = request.GET.get("seq", "")
    target_seq = int(target) if target.isdigit() and 0 < len(target) < 19 else None
    if number is None and target_seq is not None:
        number = page_of_seq(hall, target_seq)
    page = Paginator(entries_of(hall=hall, newest_first=True), PAGE_SIZE).get_page(number)
    rows = [
        {
            "entry": e,
            "label": labels.get(e.kind, e.kind),
            "summary": payload_summary(e.payload),
            "json": json.dumps(e.payload, ensure_ascii=False, indent=2, sort_keys=True),
        }
        for e in page.object_list
    ]
    json_url = reverse("api:ledger_json", kwargs={"hall_id": hall.pk})
    return render(
        request,
        "deliberation/ledger/ledger.html",
        {
            "hall": hall,
            "page": page,
            "rows": rows,
            "head": chain_head(hall),
            "json_url": request.build_absolute_uri(json_url),
            "verifier": verifier_snippet(),
            "target_seq": target_seq,
        },
    )


def _stream(hall: Hall) -> Iterator[str]:
    head = chain_head(hall)
    meta = {
        "hall": {"id": hall.pk, "slug": hall.slug, "name": hall.name},
        "head": head.as_dict(),
        "count": head.seq,
    }
    # The entries up to the head read at the start, so "head" and "entries" always agree.
    opening = json.dumps(meta, ensure_ascii=False)[:-1]
    yield opening + ', "entries": ['
    first = True
    for entry in entries_of(hall=hall, up_to_seq=head.seq).iterator(chunk_size=1000):
        text = json.dumps(public_entry(entry), ensure_ascii=False)
        yield ("\n" if first else ",\n") + text
        first = False
    yield "\n]}\n"


def ledger_json(request, hall_id: int):
    """Every entry of the hall in seq order with the chain head (format: docs/ledger.md)."""
    hall = Hall.objects.filter(pk=hall_id).first()
    if hall is None:
        raise Http404
    response = StreamingHttpResponse(_stream(hall), content_type="application/json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"  # public data, re-verifiable from anywhere
    response["Cache-Control"] = "no-cache"
    return response
