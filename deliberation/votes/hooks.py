"""What the votes part announces to the parts above it, through hooks they register.

Votes sit below meetings (a meeting holds ballots, not the other way round), so when a ballot
changes, votes do not call into meetings: they call `ballot_changed(ballot_id, *sections)`, and
the meetings part registers a receiver at start-up (`deliberation.apps`) that re-sends the room.
"""

from __future__ import annotations

from collections.abc import Callable

BallotChanged = Callable[..., object]

_ballot_changed: list[BallotChanged] = []


def on_ballot_changed(receiver: BallotChanged) -> BallotChanged:
    """Register `receiver(ballot_id, *sections)`; registering the same function twice is a no-op."""
    if receiver not in _ballot_changed:
        _ballot_changed.append(receiver)
    return receiver


def ballot_changed(ballot_id: int, *sections: str) -> None:
    """Tell every registered part that a ballot changed (`sections`: extra room sections)."""
    for receiver in _ballot_changed:
        receiver(ballot_id, *sections)
