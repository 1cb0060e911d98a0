"""Reads of the ledger （台账链）：the chain head, the entries, verifying every chain, and checking
that the records still say what the entries certified.

Verifying re-hashes each entry as docs/ledger.md defines (deliberation.ledger.chain) and names
the first broken entry of each hall; then it recomputes what each entry certifies from the live
rows and names the first record that differs. The parts that own the records (votes, results)
register a certifier for their kinds (`on_certify`, in deliberation/apps.py): the ledger imports
no part. `verify_ledger` and the pages of a resolution and a result use these.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from community.models import Hall
from deliberation.ledger.chain import GENESIS_HASH, HASHED_FIELDS, entry_hash, format_at
from deliberation.ledger.choices import BALLOT_CLOSED, OUTCOME_RECORDED, LedgerKind
from deliberation.models.ledger import LedgerEntry

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
logger = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Difference:
    """A live record that no longer says what a ledger entry certified.

    `record` is the kind of row (ballot, vote, participation, hand_count, resolution, objection,
    result), `record_id` its id (a receipt code for a vote), `field` what differs; `live` is
    `DELETED` when the row is gone. Values are ids, counts, codes and SHA-256 digests: no names.
    """

    hall: int
    seq: int
    entry_id: int
    kind: str
    record: str
    record_id: Any
    field: str
    certified: Any
    live: Any
    hall_slug: str = ""

    def __str__(self) -> str:
        where = f"hall {self.hall_slug or self.hall} (id {self.hall})"
        return (
            f"{where}, seq {self.seq} ({self.kind}), entry id {self.entry_id}: "
            f"{self.record} {self.record_id} field {self.field}: "
            f"certified {_short(self.certified)}, live {_short(self.live)} （记录与台账登记不符）"
        )

    @property
    def record_label(self) -> str:
        return str(RECORD_LABELS.get(self.record, self.record))

    @property
    def deleted(self) -> bool:
        return self.live == DELETED

    @property
    def field_label(self) -> str:
        """The field in words for a page ("the totals", "the text"), else its name."""
        name = self.field
        for prefix, label in (("recount.", _("重新计票的")), ("outcome.", _("保存的"))):
            if name.startswith(prefix):
                rest = name.removeprefix(prefix)
                return f"{label}{FIELD_LABELS.get(rest, rest)}"
        return str(FIELD_LABELS.get(name, name))

    @property
    def kind_label(self) -> str:
        return str(LedgerKind(self.kind).label) if self.kind in LedgerKind.values else self.kind


DELETED = "<deleted>"
# The rows the entries certify, in words (the warning on a page names which one differs).
RECORD_LABELS = {
    "ballot": _("表决"),
    "vote": _("选票"),
    "participation": _("投票记录"),
    "hand_count": _("现场举手计票"),
    "resolution": _("决议"),
    "objection": _("异议"),
    "result": _("实施结果"),
    "ledger": _("相关记录"),
}
FIELD_LABELS = {
    "row": _("记录"),
    "result": _("结果"),
    "state": _("状态"),
    "title": _("标题"),
    "text_sha256": _("正文"),
    "totals": _("各选项票数"),
    "present": _("到会人数"),
    "ballots": _("投票人数"),
    "choices": _("所投选项"),
    "named_choices": _("所投选项"),
    "participants": _("投票人数"),
    "records": _("选票张数"),
    "voters": _("举手表决人数"),
    "votes": _("各选项票数"),
    "reason_sha256": _("异议理由"),
    "answer_sha256": _("答复"),
    "upheld": _("是否成立"),
    "ratings": _("评议人数"),
    "satisfied": _("满意人数"),
    "basically": _("基本满意人数"),
    "dissatisfied": _("不满意人数"),
    "check": _("内容（已无法读取）"),
}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "…"


@dataclass
class VerifyResult:
    """What `ledger_verify` found: one Break per broken hall (its first broken entry), and one
    Difference per hall whose records no longer match their entries (the first one)."""

    halls: int = 0
    entries: int = 0
    breaks: list[Break] = field(default_factory=list)
    heads: dict[int, str] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)
    certified: int = 0  # entries whose records were recomputed
    uncertifiable: int = 0  # entries in an older format that carries too little to recompute

    @property
    def ok(self) -> bool:
        return not self.breaks and not self.differences

    @property
    def first(self) -> Break | None:
        return self.breaks[0] if self.breaks else None

    @property
    def first_difference(self) -> Difference | None:
        return self.differences[0] if self.differences else None


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
                    f"（应为第 {count} 条，实为第 {seq} 条：有条目被删除或调换）",
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
                    f"({prev[:12]}…) （前一条哈希不符）",
                ),
            )
        if stored != computed:
            return (
                count,
                prev,
                broken(
                    "hash_mismatch",
                    f"stored hash {str(stored)[:12]}… but the content hashes to {computed[:12]}…: "
                    f"the entry was edited （内容或哈希被改动）",
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
    hall: Hall | None = None,
    *,
    expect_head: tuple[int, str] | None = None,
    records: bool = True,
) -> VerifyResult:
    """Re-hash every chain (or one hall's) and name the first broken entry of each; then, for
    each intact chain, recompute what its entries certify and name the first record that differs.

    `expect_head=(seq, hash)` (one hall only) also checks that a head printed earlier, e.g. on
    a notice, is still in the chain — the one thing a chain alone cannot show is its last
    entries being cut off. `records=False` checks the chains only.
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
            continue  # a broken chain certifies nothing
        if records and count:
            found = certify_entries(entries_of(hall=h).iterator(chunk_size=2000), hall_slug=h.slug)
            result.certified += found.certified
            result.uncertifiable += found.uncertifiable
            if found.first is not None:
                result.differences.append(found.first)
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
            f"（公示时的链头已不在台账中）",
            hall.slug,
        )
    if row["hash"] != digest:
        return Break(
            hall.pk,
            seq,
            row["id"],
            "head_mismatch",
            f"seq {seq} now has hash {row['hash'][:12]}…, the published head was {digest[:12]}… "
            f"（与公示时的链头不符）",
            hall.slug,
        )
    return None


def is_hash(value: str) -> bool:
    return bool(_HEX64.match(value))


# --- what the entries certify ---------------------------------------------------------------


class Checker:
    """What a part's certifier compares, entry by entry: `same(...)` for each certified field.

    An entry the certifier never compares (its payload is of an older format, or its kind has
    no certifier) counts as not certifiable, never as a difference.
    """

    def __init__(self, hall_slug: str = "") -> None:
        self.hall_slug = hall_slug
        self.differences: list[Difference] = []
        self.checked: set[int] = set()
        self.current: LedgerEntry | None = None  # the entry compared last

    def seen(self, entry: LedgerEntry) -> None:
        """Count `entry` as checked with nothing to compare (e.g. superseded by a later one)."""
        self.checked.add(entry.pk)

    def same(
        self, entry: LedgerEntry, record: str, record_id: Any, field: str, certified: Any, live: Any
    ) -> bool:
        """Compare one certified value with the live one; record a Difference if they differ."""
        self.checked.add(entry.pk)
        self.current = entry
        if certified == live:
            return True
        self.differences.append(
            Difference(
                hall=entry.hall_id,
                seq=entry.seq,
                entry_id=entry.pk,
                kind=entry.kind,
                record=record,
                record_id=record_id,
                field=field,
                certified=certified,
                live=live,
                hall_slug=self.hall_slug,
            )
        )
        return False

    def exists(self, entry: LedgerEntry, record: str, record_id: Any, row: Any) -> bool:
        """Check that the certified row is still there (False, with a Difference, if deleted)."""
        return self.same(entry, record, record_id, "row", "exists", "exists" if row else DELETED)


# A certifier gets the entries of its kinds (in seq order) and compares them through the Checker.
Certifier = Callable[[Sequence[LedgerEntry], Checker], None]
_certifiers: list[tuple[frozenset[str], Certifier]] = []


def on_certify(kinds: Iterable[str], certifier: Certifier) -> None:
    """Register the part that owns the records of these kinds (deliberation/apps.py does this)."""
    entry = (frozenset(kinds), certifier)
    if entry not in _certifiers:
        _certifiers.append(entry)


@dataclass
class Certified:
    """What checking the records of some entries found (differences in seq order)."""

    differences: list[Difference] = field(default_factory=list)
    certified: int = 0
    uncertifiable: int = 0

    @property
    def ok(self) -> bool:
        return not self.differences

    @property
    def first(self) -> Difference | None:
        return self.differences[0] if self.differences else None


def certify_entries(entries: Iterable[LedgerEntry], *, hall_slug: str = "") -> Certified:
    """Recompute what each entry certifies from the live rows (read-only); list what differs."""
    entries = sorted(entries, key=lambda e: (e.hall_id, e.seq))
    checker = Checker(hall_slug)
    for kinds, certify in _certifiers:
        mine = [e for e in entries if e.kind in kinds]
        if not mine:
            continue
        try:
            certify(mine, checker)
        except Exception as exc:
            # Fail closed: rows edited into a shape the check cannot read (a hand count that is
            # not a mapping, …) fail verification and warn on the page; they neither pass nor
            # break the page. Named at the entry being compared when it failed.
            logger.exception("ledger: checking the records of %s entries failed", len(mine))
            at = checker.current or mine[0]
            checker.same(at, "ledger", at.pk, "check", "readable", f"cannot check: {exc!r}")
    checked = sum(1 for e in entries if e.pk in checker.checked)
    # Stable: within an entry, the order the certifier compared in (the row before its fields).
    differences = sorted(checker.differences, key=lambda d: (d.hall, d.seq))
    return Certified(
        differences=differences, certified=checked, uncertifiable=len(entries) - checked
    )


def entries_about(
    *,
    hall_id: int,
    ballot: int | None = None,
    resolution: int | None = None,
    result: int | None = None,
) -> list[LedgerEntry]:
    """The entries of a hall that certify a ballot, a resolution or a result (two queries).

    `outcome_recorded` spreads the outcome over its payload, whose "ballot" is then the ballot's
    settings rather than its id: it is the entry right after the ballot's `ballot_closed`.
    """
    cond = Q()
    for key, value in (("ballot", ballot), ("resolution", resolution), ("result", result)):
        if value is not None:
            cond |= Q(**{f"payload__{key}": value})
    if not cond:
        return []
    found = list(LedgerEntry.objects.filter(cond, hall_id=hall_id).order_by("seq"))
    after_close = [e.seq + 1 for e in found if e.kind == BALLOT_CLOSED]
    if after_close:
        have = {e.seq for e in found}
        found += [
            e
            for e in LedgerEntry.objects.filter(
                hall_id=hall_id, kind=OUTCOME_RECORDED, seq__in=after_close
            )
            if e.seq not in have
        ]
        found.sort(key=lambda e: e.seq)
    return found


def records_differ(
    *,
    hall_id: int,
    ballot: int | None = None,
    resolution: int | None = None,
    result: int | None = None,
) -> Certified:
    """Whether a ballot, resolution or result still matches what its entries certify (pages)."""
    return certify_entries(
        entries_about(hall_id=hall_id, ballot=ballot, resolution=resolution, result=result)
    )
