"""The tamper-evident ledger (台账链): append, verify, chain head; the format is in docs/ledger.md.

Each entry of a hall holds the SHA-256 of the previous one:

    hash = sha256_hex( prev_hash + canonical({"hall", "seq", "kind", "at", "payload"}) )

where `canonical` is JSON with sorted keys, no spaces, non-ASCII kept as is, UTF-8 encoded, and
`at` is an ISO-8601 UTC string with microseconds (`2026-11-29T13:50:00.123456Z`). The first
entry of a hall has seq 1 and prev_hash = 64 zeros. Anyone can re-check the public JSON with the
standalone verifier in docs/ledger.md; `verify_ledger` checks the database the same way.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Hall
from deliberation import locks
from deliberation.models.ledger import LedgerEntry

GENESIS_HASH = "0" * 64
HASHED_FIELDS = ("hall", "seq", "kind", "at", "payload")
PUBLIC_FIELDS = ("hall", "seq", "kind", "at", "payload", "prev_hash", "hash")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class LedgerKind(models.TextChoices):
    """Every kind of entry the ledger accepts (services append only these)."""

    BALLOT_OPENED = "ballot_opened", _("表决开始")
    BALLOT_CLOSED = "ballot_closed", _("表决结束")
    BALLOT_CAST = "ballot_cast", _("投票")
    HAND_COUNT_ENTERED = "hand_count_entered", _("录入现场举手计票")
    PROXY_CAST = "proxy_cast", _("委托投票")
    OUTCOME_RECORDED = "outcome_recorded", _("表决结果")
    RESOLUTION_PUBLISHED = "resolution_published", _("决议公示")
    OBJECTION_LODGED = "objection_lodged", _("提出异议")
    OBJECTION_ANSWERED = "objection_answered", _("答复异议")
    RESOLUTION_EFFECTIVE = "resolution_effective", _("决议生效")
    RESULT_PUBLISHED = "result_published", _("实施结果公开")
    EVALUATION_CLOSED = "evaluation_closed", _("评议结果")


# Module-level names for callers: `ledger_append(hall=h, kind=ledger.BALLOT_OPENED, payload=…)`.
BALLOT_OPENED = LedgerKind.BALLOT_OPENED.value
BALLOT_CLOSED = LedgerKind.BALLOT_CLOSED.value
BALLOT_CAST = LedgerKind.BALLOT_CAST.value
HAND_COUNT_ENTERED = LedgerKind.HAND_COUNT_ENTERED.value
PROXY_CAST = LedgerKind.PROXY_CAST.value
OUTCOME_RECORDED = LedgerKind.OUTCOME_RECORDED.value
RESOLUTION_PUBLISHED = LedgerKind.RESOLUTION_PUBLISHED.value
OBJECTION_LODGED = LedgerKind.OBJECTION_LODGED.value
OBJECTION_ANSWERED = LedgerKind.OBJECTION_ANSWERED.value
RESOLUTION_EFFECTIVE = LedgerKind.RESOLUTION_EFFECTIVE.value
RESULT_PUBLISHED = LedgerKind.RESULT_PUBLISHED.value
EVALUATION_CLOSED = LedgerKind.EVALUATION_CLOSED.value

# A secret ballot_cast payload may hold only these keys: nothing that names the voter or
# orders the ballot against the participation record (docs/ledger.md, "Secret ballots").
SECRET_BALLOT_KEYS = frozenset({"ballot", "secret", "receipt", "choice"})


# --- the format ---------------------------------------------------------------------------


def format_at(moment: datetime) -> str:
    """Return the hashed form of a time: ISO-8601 UTC with microseconds and a Z."""
    if timezone.is_naive(moment):
        raise ValueError("ledger times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: Mapping[str, Any]) -> bytes:
    """Return the canonical bytes of the hashed fields (sorted keys, no spaces, UTF-8)."""
    return json.dumps(
        dict(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """Return sha256(prev_hash + canonical(fields)) as 64 lowercase hex digits."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(fields)).hexdigest()


def public_entry(entry: LedgerEntry) -> dict[str, Any]:
    """Return an entry as published in the JSON (exactly the fields docs/ledger.md lists)."""
    return {
        "hall": entry.hall_id,
        "seq": entry.seq,
        "kind": entry.kind,
        "at": format_at(entry.at),
        "payload": entry.payload,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _check_payload(value: Any, path: str = "payload") -> None:
    """Refuse what JSON or a database could not give back byte for byte (floats, NUL, …)."""
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationError(_("台账内容不能包含空字符(%(path)s)。") % {"path": path})
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(_("台账内容含有无效字符(%(path)s)。") % {"path": path}) from None
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_payload(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(_("台账内容的键必须是文字(%(path)s)。") % {"path": path})
            _check_payload(item, f"{path}.{key}")
        return
    raise ValidationError(
        _("台账内容只能是文字、整数、真假值、列表和字典(%(path)s 是 %(type)s);小数请写成文字。")
        % {"path": path, "type": type(value).__name__}
    )


def _check_secret_ballot(payload: Mapping[str, Any]) -> None:
    extra = sorted(set(payload) - SECRET_BALLOT_KEYS)
    if extra:
        raise ValidationError(
            _("无记名投票的台账条目不能包含 %(keys)s(只允许 ballot、secret、receipt、choice)。")
            % {"keys": ", ".join(extra)}
        )
    if not isinstance(payload.get("receipt"), str) or not payload["receipt"]:
        raise ValidationError(_("无记名投票的台账条目必须有回执码(receipt)。"))


# --- writing ------------------------------------------------------------------------------


def _append(*, hall_id: int, kind: str, payloads: Sequence[Mapping[str, Any]]) -> list[LedgerEntry]:
    locks.lock_ledger(hall_id)
    last = (
        LedgerEntry.objects.filter(hall_id=hall_id).order_by("-seq").values("seq", "hash").first()
    )
    seq, prev = (last["seq"], last["hash"]) if last else (0, GENESIS_HASH)
    # One time for the whole batch (a secret ballot's casts must not be ordered by time).
    now = timezone.now()
    created = []
    for payload in payloads:
        seq += 1
        fields = {
            "hall": hall_id,
            "seq": seq,
            "kind": kind,
            "at": format_at(now),
            "payload": dict(payload),
        }
        digest = entry_hash(prev, fields)
        created.append(
            LedgerEntry(
                hall_id=hall_id,
                seq=seq,
                kind=kind,
                payload=fields["payload"],
                at=now,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    LedgerEntry.objects.bulk_create(created)
    return created


def _validated(kind: str, payload: Mapping[str, Any]) -> None:
    if kind not in LedgerKind.values:
        raise ValidationError(_("未知的台账事件类型:%(kind)s。") % {"kind": kind})
    if not isinstance(payload, Mapping):
        raise ValidationError(_("台账内容必须是字典。"))
    _check_payload(dict(payload))


@transaction.atomic
def ledger_append(*, hall: Hall, kind: str, payload: Mapping[str, Any]) -> LedgerEntry:
    """Append one entry to the hall's chain, inside the caller's transaction.

    The hall row stays locked until the caller's transaction ends, so call this last.
    A secret ballot's casts go through `ledger_append_secret_ballots` instead.
    """
    _validated(kind, payload)
    if kind == BALLOT_CAST and payload.get("secret"):
        raise ValidationError(
            _("无记名投票只能在表决结束时按回执码排序整批写入台账(ledger_append_secret_ballots)。")
        )
    return _append(hall_id=hall.pk, kind=kind, payloads=[payload])[0]


@transaction.atomic
def ledger_append_secret_ballots(
    *, hall: Hall, ballot: int | str, casts: Iterable[Mapping[str, Any]]
) -> list[LedgerEntry]:
    """Append a secret ballot's casts at close, as one batch sorted by receipt code.

    Each cast is `{"receipt": str, "choice": …}`; the entry payload is
    `{"ballot": ballot, "secret": true, "receipt": …, "choice": …}`. Sorting by the random
    receipt code and giving the batch one time leaves nothing that orders a ballot against
    the record of who voted.
    """
    payloads = [{"ballot": ballot, "secret": True, **dict(c)} for c in casts]
    for payload in payloads:
        _validated(BALLOT_CAST, payload)
        _check_secret_ballot(payload)
    receipts = [p["receipt"] for p in payloads]
    if len(set(receipts)) != len(receipts):
        raise ValidationError(_("回执码重复。"))
    payloads.sort(key=lambda p: p["receipt"])
    if not payloads:
        return []
    return _append(hall_id=hall.pk, kind=BALLOT_CAST, payloads=payloads)


# --- reading ------------------------------------------------------------------------------


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
