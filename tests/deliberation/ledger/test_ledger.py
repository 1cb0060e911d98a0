"""The tamper-evident ledger: appending, chaining, verifying, and catching every kind of tampering."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import close_old_connections, transaction

from deliberation.ledger import services as ledger
from deliberation.ledger.chain import GENESIS_HASH
from deliberation.ledger.selectors import chain_head, ledger_verify
from deliberation.ledger.services import ledger_append, ledger_append_secret_ballots
from deliberation.models import LedgerEntry
from tests.community.factories import HallFactory


def independent_hash(prev: str, entry: LedgerEntry) -> str:
    """The hash as docs/ledger.md defines it, written without our helpers."""
    body = {
        "hall": entry.hall_id,
        "seq": entry.seq,
        "kind": entry.kind,
        "at": entry.at.astimezone(__import__("datetime").UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "payload": entry.payload,
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev + text).encode("utf-8")).hexdigest()


def fill(hall, n=5):
    kinds = [ledger.BALLOT_OPENED, ledger.HAND_COUNT_ENTERED, ledger.PROXY_CAST]
    return [
        ledger_append(
            hall=hall,
            kind=kinds[i % len(kinds)],
            payload={"ballot": 7, "n": i, "note": f"第{i}条 · 王阿姨的意见"},
        )
        for i in range(n)
    ]


def verify_fails_at(hall, seq: int, code: str | None = None):
    result = ledger_verify()
    assert not result.ok
    assert result.first.hall == hall.pk
    assert result.first.seq == seq, str(result.first)
    if code:
        assert result.first.code == code, str(result.first)
    with pytest.raises(CommandError) as exc:
        call_command("verify_ledger")
    assert exc.value.returncode != 0
    assert f"seq {seq}" in str(exc.value)
    assert hall.slug in str(exc.value)
    return result.first


def test_entries_chain_from_genesis_and_hash_as_documented(hall):
    entries = fill(hall, 4)
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert entries[0].prev_hash == GENESIS_HASH
    prev = GENESIS_HASH
    for e in LedgerEntry.objects.filter(hall=hall).order_by("seq"):
        assert e.prev_hash == prev
        assert e.hash == independent_hash(prev, e)
        prev = e.hash
    head = chain_head(hall)
    assert (head.seq, head.hash) == (4, entries[-1].hash)


def test_empty_chain_head_is_genesis_and_verifies(hall):
    head = chain_head(hall)
    assert (head.seq, head.hash) == (0, GENESIS_HASH)
    assert ledger_verify(hall).ok
    call_command("verify_ledger", hall=hall.slug)


def test_each_hall_has_its_own_chain(hall):
    other = HallFactory()
    fill(hall, 2)
    e = ledger_append(hall=other, kind=ledger.OUTCOME_RECORDED, payload={"result": "passed"})
    assert (e.seq, e.prev_hash) == (1, GENESIS_HASH)
    result = ledger_verify()
    assert result.ok and result.entries == 3 and result.halls == 2


def test_verify_command_exits_zero_on_intact_chain(hall, capsys):
    fill(hall, 3)
    call_command("verify_ledger")
    assert "OK: 3 entries" in capsys.readouterr().out


def test_unknown_kind_and_unhashable_payloads_are_refused(hall):
    with pytest.raises(ValidationError):
        ledger_append(hall=hall, kind="ballot_rigged", payload={})
    with pytest.raises(ValidationError, match="小数"):
        ledger_append(hall=hall, kind=ledger.OUTCOME_RECORDED, payload={"share": 0.5})
    with pytest.raises(ValidationError):
        ledger_append(hall=hall, kind=ledger.OUTCOME_RECORDED, payload={"x": "a\x00b"})
    assert not LedgerEntry.objects.exists()


def test_rolled_back_append_leaves_no_gap(hall):
    fill(hall, 1)
    with pytest.raises(RuntimeError), transaction.atomic():
        ledger_append(hall=hall, kind=ledger.BALLOT_CLOSED, payload={"ballot": 1})
        raise RuntimeError("the caller's transaction fails")
    e = ledger_append(hall=hall, kind=ledger.BALLOT_CLOSED, payload={"ballot": 1})
    assert e.seq == 2
    assert ledger_verify(hall).ok


# --- tampering ----------------------------------------------------------------------------


def test_edited_payload_is_named(hall):
    fill(hall, 5)
    e = LedgerEntry.objects.get(hall=hall, seq=3)
    LedgerEntry.objects.filter(pk=e.pk).update(payload={**e.payload, "n": 99})
    brk = verify_fails_at(hall, 3, "hash_mismatch")
    assert brk.entry_id == e.pk


def test_edited_kind_or_time_is_named(hall):
    entries = fill(hall, 3)
    LedgerEntry.objects.filter(pk=entries[1].pk).update(kind=ledger.OUTCOME_RECORDED)
    verify_fails_at(hall, 2, "hash_mismatch")


def test_edited_hash_is_named(hall):
    fill(hall, 5)
    LedgerEntry.objects.filter(hall=hall, seq=4).update(hash="f" * 64)
    verify_fails_at(hall, 4, "hash_mismatch")


def test_rehashed_entry_breaks_the_next_link(hall):
    """Editing an entry and recomputing its own hash still breaks the link from the next one."""
    fill(hall, 5)
    e = LedgerEntry.objects.get(hall=hall, seq=2)
    e.payload = {"forged": True}
    e.hash = independent_hash(e.prev_hash, e)
    e.save()
    verify_fails_at(hall, 3, "prev_hash_mismatch")


def test_deleted_entry_is_named(hall):
    fill(hall, 5)
    LedgerEntry.objects.filter(hall=hall, seq=3).delete()
    brk = verify_fails_at(hall, 4, "seq_gap")
    assert "expected seq 3" in brk.message


def test_reordered_entries_are_named(hall):
    fill(hall, 5)
    LedgerEntry.objects.filter(hall=hall, seq=2).update(seq=1000)
    LedgerEntry.objects.filter(hall=hall, seq=3).update(seq=2)
    LedgerEntry.objects.filter(hall=hall, seq=1000).update(seq=3)
    verify_fails_at(hall, 2)


def test_cut_off_tail_is_caught_against_a_published_head(hall):
    fill(hall, 5)
    head = chain_head(hall)
    LedgerEntry.objects.filter(hall=hall, seq=5).delete()
    assert ledger_verify(hall).ok  # a chain alone cannot show that its end was cut off
    result = ledger_verify(hall, expect_head=(head.seq, head.hash))
    assert result.first.code == "head_missing" and result.first.seq == 5
    with pytest.raises(CommandError, match="seq 5"):
        call_command("verify_ledger", hall=hall.slug, head=f"{head.seq}:{head.hash}")
    call_command("verify_ledger", hall=str(hall.pk), head=f"4:{chain_head(hall).hash}")


def test_only_the_broken_hall_is_reported(hall):
    other = HallFactory()
    fill(other, 3)
    fill(hall, 3)
    LedgerEntry.objects.filter(hall=hall, seq=1).update(payload={})
    result = ledger_verify()
    assert [b.hall for b in result.breaks] == [hall.pk]
    call_command("verify_ledger", hall=other.slug)


# --- secret ballots -------------------------------------------------------------------------


def test_secret_ballot_casts_are_only_appended_as_a_sorted_batch(hall):
    with pytest.raises(ValidationError):
        ledger_append(
            hall=hall,
            kind=ledger.BALLOT_CAST,
            payload={"ballot": 1, "secret": True, "receipt": "x", "choice": "for"},
        )
    casts = [
        {"receipt": r, "choice": c} for r, c in [("q7", "for"), ("a2", "against"), ("m5", "for")]
    ]
    entries = ledger_append_secret_ballots(hall=hall, ballot=1, casts=casts)
    assert [e.payload["receipt"] for e in entries] == ["a2", "m5", "q7"]
    assert len({e.at for e in entries}) == 1
    assert entries[0].payload == {"ballot": 1, "secret": True, "receipt": "a2", "choice": "against"}
    # The chain is intact; ballot 1 has no vote rows here, which the records check would name.
    assert ledger_verify(hall, records=False).ok


@pytest.mark.parametrize("extra", ["voter", "user_id", "cast_at", "order"])
def test_secret_ballot_entries_cannot_carry_identity_or_order(hall, extra):
    with pytest.raises(ValidationError):
        ledger_append_secret_ballots(
            hall=hall, ballot=1, casts=[{"receipt": "a", "choice": "for", extra: 1}]
        )
    with pytest.raises(ValidationError):
        ledger_append_secret_ballots(hall=hall, ballot=1, casts=[{"choice": "for"}])
    assert not LedgerEntry.objects.exists()


def test_open_ballot_casts_may_name_the_voter(hall):
    e = ledger_append(
        hall=hall, kind=ledger.BALLOT_CAST, payload={"ballot": 1, "voter": 5, "choice": "for"}
    )
    assert e.seq == 1


def test_every_kind_has_a_chinese_label():
    assert len(ledger.LedgerKind.values) == 12
    for value, label in ledger.LedgerKind.choices:
        assert value.isascii() and not str(label).isascii()


# --- concurrency ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_the_chain():
    """Threads append to one hall at once (each in its own transaction): one chain, no gaps."""
    hall = HallFactory()
    threads_n, per_thread = 6, 5
    errors: list[BaseException] = []
    start = threading.Barrier(threads_n)

    def work(t: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    ledger_append(hall=hall, kind=ledger.PROXY_CAST, payload={"t": t, "i": i})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=work, args=(t,)) for t in range(threads_n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors, errors
    seqs = list(LedgerEntry.objects.filter(hall=hall).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, threads_n * per_thread + 1))
    assert ledger_verify(hall).ok
    assert len({e.prev_hash for e in LedgerEntry.objects.filter(hall=hall)}) == len(seqs)


def test_an_outcome_from_the_tally_goes_on_the_ledger_and_verifies(hall):
    from decimal import Decimal

    from deliberation.votes import tally

    outcome = tally.tally(
        ballot=tally.BallotSpec(kind=tally.BallotKind.FOR_AGAINST),
        rule=tally.Rule(majority="two_thirds", quorum_fraction=Decimal("0.667")),
        electorate=30,
        present=21,
        sources=[
            tally.Counts(source="online", votes={"for": 10, "against": 2}),
            tally.Counts(source="hand", votes={"for": 4, "against": 3, "abstain": 1}),
        ],
    )
    e = ledger_append(
        hall=hall, kind=ledger.OUTCOME_RECORDED, payload={"ballot": 4, **outcome.to_dict()}
    )
    e.refresh_from_db()
    assert e.payload["result"] == "passed" and e.payload["rule"]["quorum_fraction"] == "0.667"
    assert ledger_verify(hall).ok


def test_text_that_cannot_be_encoded_is_refused(hall):
    with pytest.raises(ValidationError):
        ledger_append(hall=hall, kind=ledger.OBJECTION_LODGED, payload={"text": "bad \udc80"})
