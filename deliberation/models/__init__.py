"""Models of deliberation: one module per part (ledger, meetings, votes, …)."""

from deliberation.models.ledger import LedgerEntry

# --- votes (ballots, resolutions, objections)
from deliberation.models.votes import (
    Ballot,
    BallotOption,
    Elector,
    HandCount,
    Objection,
    Participation,
    ProxyAuthorization,
    Resolution,
    VoteRecord,
)

__all__ = [
    "Ballot",
    "BallotOption",
    "Elector",
    "HandCount",
    "LedgerEntry",
    "Objection",
    "Participation",
    "ProxyAuthorization",
    "Resolution",
    "VoteRecord",
]
