"""Models of deliberation: one module per part (ledger, meetings, votes, …)."""

from deliberation.models.ledger import LedgerEntry

__all__ = ["LedgerEntry"]
