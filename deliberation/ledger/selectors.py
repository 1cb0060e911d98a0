"""Reads of the ledger (台账链): the chain head, the entries, and verifying every chain.

Verifying re-hashes each entry as docs/ledger.md defines (deliberation.ledger.chain) and names
the first broken entry of each hall; `verify_ledger` and the public page use these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from community.models import Hall
from deliberation.ledger.chain import GENESIS_HASH, HASHED_FIELDS, entry_hash, format_at
from deliberation.models.ledger import LedgerEntry

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class ChainHead:
    """The last entry of a hall's chain (seq 0 and the genesis hash when it is empty)."""

    hall: int
    seq: int
    hash: str
    at: datetime | None

    @property
    def short(self) -> str:
        return self.hash[:12]

    def as_dict(self) -> dict[str, Any]:
        return {
            "hall": self.hall,
            "seq": self.seq,
            "hash": self.hash,
            "at": format_at(self.at) if self.at else None,
        }


def chain_head(hall: Hall) -> ChainHead:
    """Return the head of the hall's chain now (print it on notices)."""
    last = LedgerEntry.objects.filter(hall_id=hall.pk).order_by("-seq").values("seq", "hash", "at")
    row = last.first()
    if row is None:
        return ChainHead(hall=hall.pk, seq=0, hash=GENESIS_HASH, at=None)
    return ChainHead(hall=hall.pk, seq=row["seq"], hash=row["hash"], at=row["at"])


def chain_head_at(*, hall_id: int, seq: int, hash: str) -> ChainHead:
    """The head a hall's chain had at entry `seq` (as printed on a notice), with its time."""
    at = LedgerEntry.objects.filter(hall_id=hall_id, seq=seq).values_list("at", flat=True).first()
    return ChainHead(hall=hall_id, seq=seq, hash=hash, at=at)


def entries_of(*, hall: Hall, newest_first: bool = False, up_to_seq: int | None = None):
    """The hall's entries (a queryset), in seq order or newest first."""
    qs = LedgerEntry.objects.filter(hall_id=hall.pk)
    if up_to_seq is not None:
        qs = qs.filter(seq__lte=up_to_seq)
    return qs.order_by("-seq" if newest_first else "seq")


# --- verifying ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first broken entry of a hall's chain and what is wrong with it."""

    hall: int
    seq: int | None
    entry_id: int | None
    code: str  # seq_gap | hash_mismatch | prev_hash_mismatch | bad_field | head_missing
    message: str
    hall_slug: str = ""

    def __str__(self) -> str:
        where = f"hall {self.hall_slug or self.hall} (id {self.hall})"
        entry = f"seq {self.seq}" if self.seq is not None else "end of chain"
        ident = f", entry id {self.entry_id}" if self.entry_id is not None else ""
        return f"{where}, {entry}{ident}: {self.code}: {self.message}"


@dataclass
class VerifyResult:
    """What `ledger_verify` found: one Break per broken hall (its first broken entry)."""

    halls: int = 0
    entries: int = 0
    breaks: list[Break] = field(default_factory=list)
    heads: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first(self) -> Break | None:
        return self.breaks[0] if self.breaks else None


def verify_chain(
    entries: Iterable[Mapping[str, Any]], *, hall: int, hall_slug: str = ""
) -> tuple[int, str, Break | None]:
    """Check public-form entries of one hall in seq order; return (count, head hash, break)."""
    prev = GENESIS_HASH
    count = 0
    for count, entry in enumerate(entries, start=1):
        seq = entry.get("seq")
        entry_id = entry.get("id")

        def broken(code: str, message: str, seq=seq, entry_id=entry_id) -> Break:
            return Break(hall, seq, entry_id, code, message, hall_slug)

        if seq != count:
            return (
                count,
                prev,
                broken(
                    "seq_gap",
                    f"expected seq {count}, found seq {seq}: an entry was removed or reordered "
                    f"(应为第 {count} 条,实为第 {seq} 条:有条目被删除或调换)",
                ),
            )
        if entry.get("hall") != hall:
            return count, prev, broken("bad_field", f"entry belongs to hall {entry.get('hall')}")
        stored = entry.get("hash")
        try:
            computed = entry_hash(prev, {k: entry[k] for k in HASHED_FIELDS})
        except (KeyError, TypeError, ValueError) as exc:
            return count, prev, broken("bad_field", f"cannot hash the entry: {exc}")
        if entry.get("prev_hash") != prev:
            return (
                count,
                prev,
                broken(
                    "prev_hash_mismatch",
                    f"prev_hash {str(entry.get('prev_hash'))[:12]}… is not the hash of seq {count - 1} "
                    f"({prev[:12]}…) (前一条哈希不符)",
                ),
            )
        if stored != computed:
            return (
                count,
                prev,
                broken(
                    "hash_mismatch",
                    f"stored hash {str(stored)[:12]}… but the content hashes to {computed[:12]}…: "
                    f"the entry was edited (内容或哈希被改动)",
                ),
            )
        prev = computed
    return count, prev, None


def _db_entries(hall: Hall) -> Iterator[dict[str, Any]]:
    qs = entries_of(hall=hall).values_list(
        "id", "hall_id", "seq", "kind", "at", "payload", "prev_hash", "hash"
    )
    for pk, hall_id, seq, kind, at, payload, prev_hash, digest in qs.iterator(chunk_size=2000):
        yield {
            "id": pk,
            "hall": hall_id,
            "seq": seq,
            "kind": kind,
            "at": format_at(at),
            "payload": payload,
            "prev_hash": prev_hash,
            "hash": digest,
        }


def ledger_verify(
    hall: Hall | None = None, *, expect_head: tuple[int, str] | None = None
) -> VerifyResult:
    """Re-hash every chain (or one hall's) and name the first broken entry of each.

    `expect_head=(seq, hash)` (one hall only) also checks that a head printed earlier, e.g. on
    a notice, is still in the chain — the one thing a chain alone cannot show is its last
    entries being cut off.
    """
    halls = [hall] if hall is not None else list(Hall.objects.order_by("pk"))
    result = VerifyResult()
    for h in halls:
        count, head, brk = verify_chain(_db_entries(h), hall=h.pk, hall_slug=h.slug)
        result.halls += 1
        result.entries += count
        result.heads[h.pk] = head
        if brk is None and expect_head is not None:
            brk = _check_expected_head(h, *expect_head)
        if brk is not None:
            result.breaks.append(brk)
    return result


def _check_expected_head(hall: Hall, seq: int, digest: str) -> Break | None:
    if seq == 0 and digest == GENESIS_HASH:
        return None
    row = LedgerEntry.objects.filter(hall_id=hall.pk, seq=seq).values("id", "hash").first()
    if row is None:
        return Break(
            hall.pk,
            seq,
            None,
            "head_missing",
            f"the published head seq {seq} is no longer in the chain: entries were cut off "
            f"(公示时的链头已不在台账中)",
            hall.slug,
        )
    if row["hash"] != digest:
        return Break(
            hall.pk,
            seq,
            row["id"],
            "head_mismatch",
            f"seq {seq} now has hash {row['hash'][:12]}…, the published head was {digest[:12]}… "
            f"(与公示时的链头不符)",
            hall.slug,
        )
    return None


def is_hash(value: str) -> bool:
    return bool(_HEX64.match(value))
