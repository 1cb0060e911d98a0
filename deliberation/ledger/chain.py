"""The ledger's format (docs/ledger.md): the hashed fields, the canonical bytes, the hash.

    hash = sha256_hex( prev_hash + canonical({"hall", "seq", "kind", "at", "payload"}) )

where `canonical` is JSON with sorted keys, no spaces, non-ASCII kept as is, UTF-8 encoded, and
`at` is an ISO-8601 UTC string with microseconds (`2026-11-29T13:50:00.123456Z`). The first
entry of a hall has seq 1 and prev_hash = 64 zeros. Appending (services) and verifying
(selectors) both use these functions; the standalone verifier in docs/ledger.md re-implements them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from deliberation.models.ledger import LedgerEntry

GENESIS_HASH = "0" * 64
HASHED_FIELDS = ("hall", "seq", "kind", "at", "payload")
PUBLIC_FIELDS = ("hall", "seq", "kind", "at", "payload", "prev_hash", "hash")


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
