"""Writes of the tamper-evident ledger （台账链）：append one entry, or a secret ballot's batch.

Each entry of a hall holds the SHA-256 of the previous one (the format: deliberation.ledger.chain,
docs/ledger.md). Reads — the chain head, the entries, verifying — are in ledger/selectors.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Hall
from deliberation import locks
from deliberation.ledger.chain import GENESIS_HASH, entry_hash, format_at
from deliberation.ledger.choices import (
    BALLOT_CAST,
    BALLOT_CLOSED,
    BALLOT_OPENED,
    EVALUATION_CLOSED,
    HAND_COUNT_ENTERED,
    OBJECTION_ANSWERED,
    OBJECTION_LODGED,
    OUTCOME_RECORDED,
    PROXY_CAST,
    RESOLUTION_EFFECTIVE,
    RESOLUTION_PUBLISHED,
    RESULT_PUBLISHED,
    LedgerKind,
)
from deliberation.models.ledger import LedgerEntry

# The kinds and the time format, for callers: `ledger.ledger_append(kind=ledger.BALLOT_OPENED,
# payload={..., "at": ledger.format_at(t)})`.
__all__ = [
    "BALLOT_CAST",
    "BALLOT_CLOSED",
    "BALLOT_OPENED",
    "EVALUATION_CLOSED",
    "HAND_COUNT_ENTERED",
    "OBJECTION_ANSWERED",
    "OBJECTION_LODGED",
    "OUTCOME_RECORDED",
    "PROXY_CAST",
    "RESOLUTION_EFFECTIVE",
    "RESOLUTION_PUBLISHED",
    "RESULT_PUBLISHED",
    "LedgerKind",
    "format_at",
    "ledger_append",
    "ledger_append_secret_ballots",
]

# A secret ballot_cast payload may hold only these keys: nothing that names the voter or
# orders the ballot against the participation record (docs/ledger.md, "Secret ballots").
SECRET_BALLOT_KEYS = frozenset({"ballot", "secret", "receipt", "choice"})


def _check_payload(value: Any, path: str = "payload") -> None:
    """Refuse what JSON or a database could not give back byte for byte (floats, NUL, …)."""
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationError(_("台账内容不能包含空字符（%(path)s）。") % {"path": path})
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(
                _("台账内容含有无效字符（%(path)s）。") % {"path": path}
            ) from None
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_payload(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(_("台账内容的键必须是文字（%(path)s）。") % {"path": path})
            _check_payload(item, f"{path}.{key}")
        return
    raise ValidationError(
        _("台账内容只能是文字、整数、真假值、列表和字典（%(path)s 是 %(type)s）；小数请写成文字。")
        % {"path": path, "type": type(value).__name__}
    )


def _check_secret_ballot(payload: Mapping[str, Any]) -> None:
    extra = sorted(set(payload) - SECRET_BALLOT_KEYS)
    if extra:
        raise ValidationError(
            _("无记名投票的台账条目不能包含 %(keys)s（只允许 ballot、secret、receipt、choice）。")
            % {"keys": ", ".join(extra)}
        )
    if not isinstance(payload.get("receipt"), str) or not payload["receipt"]:
        raise ValidationError(_("无记名投票的台账条目必须有回执码（receipt）。"))


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
        raise ValidationError(_("未知的台账事件类型：%(kind)s。") % {"kind": kind})
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
            _(
                "无记名投票只能在表决结束时按回执码排序整批写入台账（ledger_append_secret_ballots）。"
            )
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
