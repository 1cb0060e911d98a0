"""The public ledger: the page, the JSON, and the standalone verifier of docs/ledger.md run on it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.urls import reverse

from community.times import bj_format
from deliberation.ledger import selectors as ledger_selectors
from deliberation.ledger import services as ledger
from deliberation.ledger.chain import PUBLIC_FIELDS
from deliberation.ledger.selectors import chain_head
from deliberation.ledger.services import ledger_append, ledger_append_secret_ballots
from deliberation.models import LedgerEntry
from tests.community.factories import HallFactory

DOC = Path(__file__).resolve().parents[3] / "docs" / "ledger.md"


def doc_verifier() -> str:
    """The python block under "Verify it yourself" in docs/ledger.md, exactly as published."""
    section = DOC.read_text(encoding="utf-8").split("## Verify it yourself", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def doc_verify(entries):
    namespace = {"__name__": "verify_from_doc"}
    exec(doc_verifier(), namespace)
    return namespace["verify"](entries)


def fetch(client, hall):
    response = client.get(f"/api/v1/halls/{hall.pk}/ledger")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(b"".join(response.streaming_content))


def fill(hall, n):
    for i in range(n):
        ledger_append(
            hall=hall,
            kind=ledger.OBJECTION_LODGED if i % 2 else ledger.BALLOT_OPENED,
            payload={"ballot": i, "title": f"楼道堆物清理 {i}", "options": ["for", "against"]},
        )


def test_json_has_every_entry_in_seq_order_with_exactly_the_documented_fields(client, hall):
    fill(hall, 3)
    ledger_append_secret_ballots(
        hall=hall,
        ballot=9,
        casts=[{"receipt": "K2", "choice": "for"}, {"receipt": "A1", "choice": "against"}],
    )
    data = fetch(client, hall)
    assert [e["seq"] for e in data["entries"]] == [1, 2, 3, 4, 5]
    assert all(tuple(sorted(e)) == tuple(sorted(PUBLIC_FIELDS)) for e in data["entries"])
    assert data["head"]["hash"] == chain_head(hall).hash == data["entries"][-1]["hash"]
    assert data["count"] == 5 and data["hall"]["slug"] == hall.slug
    assert data["entries"][0]["payload"]["title"] == "楼道堆物清理 0"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", data["entries"][0]["at"])
    assert doc_verify(data["entries"]) is None


def test_json_of_an_empty_or_unknown_hall(client, hall):
    data = fetch(client, hall)
    assert data["entries"] == [] and data["head"]["seq"] == 0 and doc_verify([]) is None
    assert client.get("/api/v1/halls/999999/ledger").status_code == 404


def tamper_payload(hall):
    LedgerEntry.objects.filter(hall=hall, seq=3).update(payload={"ballot": 2, "title": "改过"})
    return 3


def tamper_hash(hall):
    LedgerEntry.objects.filter(hall=hall, seq=4).update(hash="0" * 63 + "1")
    return 4


def tamper_delete(hall):
    LedgerEntry.objects.filter(hall=hall, seq=2).delete()
    return 3  # the first entry after the gap is named


def tamper_reorder(hall):
    LedgerEntry.objects.filter(hall=hall, seq=3).update(seq=99)
    LedgerEntry.objects.filter(hall=hall, seq=4).update(seq=3)
    LedgerEntry.objects.filter(hall=hall, seq=99).update(seq=4)
    return 3


@pytest.mark.parametrize("tamper", [tamper_payload, tamper_hash, tamper_delete, tamper_reorder])
def test_doc_verifier_names_the_first_broken_entry(client, hall, tamper):
    fill(hall, 5)
    assert doc_verify(fetch(client, hall)["entries"]) is None
    seq = tamper(hall)
    problem = doc_verify(fetch(client, hall)["entries"])
    assert problem is not None and f"seq {seq} " in problem
    assert ledger_selectors.ledger_verify(hall).first.seq == seq


@pytest.mark.django_db(transaction=True)
def test_doc_verifier_runs_as_a_script_against_the_live_site(live_server, tmp_path):
    hall = HallFactory()
    fill(hall, 4)
    script = tmp_path / "verify.py"
    script.write_text(doc_verifier(), encoding="utf-8")
    url = f"{live_server.url}/api/v1/halls/{hall.pk}/ledger"

    def run():
        return subprocess.run(
            [sys.executable, "-I", str(script), url], capture_output=True, text=True, timeout=30
        )

    ok = run()
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK: 4 entries") and chain_head(hall).hash in ok.stdout
    LedgerEntry.objects.filter(hall=hall, seq=2).update(payload={"forged": True})
    broken = run()
    assert broken.returncode == 1 and "seq 2 " in broken.stdout


# --- the page -------------------------------------------------------------------------------


def test_page_shows_entries_newest_first_with_labels_local_time_and_hashes(client, hall):
    fill(hall, 2)
    e1_at = datetime(2026, 11, 29, 2, 5, tzinfo=UTC)
    LedgerEntry.objects.filter(hall=hall, seq=1).update(at=e1_at)
    # (editing `at` breaks the chain, which the page does not judge; the JSON and command do)
    response = client.get(reverse("hall_ledger", args=[hall.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index('id="seq-2"') < html.index('id="seq-1"')
    assert "提出异议" in html and "表决开始" in html
    # 02:05 UTC shown in Asia/Shanghai, in the site's one format (11月29日 10:05)
    assert f'<time datetime="2026-11-29T10:05:00+08:00">{bj_format(e1_at)}</time>' in html
    e = LedgerEntry.objects.get(hall=hall, seq=2)
    assert f'title="{e.hash}"' in html and f"{e.hash[:12]}…" in html
    assert "楼道堆物清理 1" in html
    assert f"/api/v1/halls/{hall.pk}/ledger" in html
    assert "def verify(entries)" in html  # the verifier from docs/ledger.md, for anyone to copy
    assert chain_head(hall).hash in html


def test_page_is_paginated_and_has_an_empty_state(client, hall):
    assert "还没有条目" in client.get(reverse("hall_ledger", args=[hall.slug])).content.decode()
    fill(hall, 55)
    first = client.get(reverse("hall_ledger", args=[hall.slug])).content.decode()
    assert 'id="seq-55"' in first and 'id="seq-6"' in first and 'id="seq-5"' not in first
    second = client.get(reverse("hall_ledger", args=[hall.slug]) + "?page=2").content.decode()
    assert 'id="seq-5"' in second and 'id="seq-1"' in second and 'id="seq-6"' not in second
    assert client.get("/halls/no-such-hall/ledger/").status_code == 404


def test_seq_link_from_a_printed_notice_opens_the_page_holding_that_entry(client, hall):
    fill(hall, 120)  # newest first, 50 a page: 120–71, 70–21, 20–1
    url = reverse("hall_ledger", args=[hall.slug])
    for seq, holds, lacks in [
        (3, "seq-1", "seq-21"),
        (50, "seq-21", "seq-71"),
        (120, "seq-71", ""),
    ]:
        html = client.get(f"{url}?seq={seq}").content.decode()
        assert f'id="seq-{seq}" aria-current="true"' in html
        assert f'id="{holds}"' in html
        if lacks:
            assert f'id="{lacks}"' not in html
    # an explicit page wins; nonsense is ignored
    assert 'id="seq-120"' in client.get(f"{url}?seq=3&page=1").content.decode()
    assert 'id="seq-120"' in client.get(f"{url}?seq=abc").content.decode()
    assert 'id="seq-120"' in client.get(f"{url}?seq=999999").content.decode()


def test_page_escapes_payload_text(client, hall):
    ledger_append(
        hall=hall, kind=ledger.OBJECTION_LODGED, payload={"text": "<script>alert(1)</script>"}
    )
    html = client.get(reverse("hall_ledger", args=[hall.slug])).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_page_summarises_an_outcome_with_its_result_first(client, hall):
    payload = {
        "ballot": 3,
        "result": "failed",
        "abstentions": 1,
        "totals": {"for": 4, "against": 4},
    }
    ledger_append(hall=hall, kind=ledger.OUTCOME_RECORDED, payload=payload)
    html = client.get(reverse("hall_ledger", args=[hall.slug])).content.decode()
    assert "表决结果" in html
    assert html.index("未通过") < html.index("abstentions")
