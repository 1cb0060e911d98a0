"""Models of deliberation: one module per part (ledger, meetings, votes, …)."""

from deliberation.models.ledger import LedgerEntry
from deliberation.models.meetings import (
    AgendaItem,
    AgendaItemState,
    CheckIn,
    CheckInMethod,
    Meeting,
    MeetingState,
    MinutesVersion,
    Speech,
    SpeechState,
    Stance,
)
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
    "AgendaItem",
    "AgendaItemState",
    "Ballot",
    "BallotOption",
    "CheckIn",
    "CheckInMethod",
    "Elector",
    "HandCount",
    "LedgerEntry",
    "Meeting",
    "MeetingState",
    "MinutesVersion",
    "Objection",
    "Participation",
    "ProxyAuthorization",
    "Resolution",
    "Speech",
    "SpeechState",
    "Stance",
    "VoteRecord",
]
