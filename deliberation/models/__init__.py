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

__all__ = [
    "AgendaItem",
    "AgendaItemState",
    "CheckIn",
    "CheckInMethod",
    "LedgerEntry",
    "Meeting",
    "MeetingState",
    "MinutesVersion",
    "Speech",
    "SpeechState",
    "Stance",
]
