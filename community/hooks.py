"""What community announces to the apps above it, through receivers they register.

Community sits below forum (where notifications live), so a membership service does not call
into forum: it calls `membership_changed(...)`, and forum registers its receiver at start-up
(`forum.apps`) that tells the heads of an application and the applicant of the decision.
"""

from __future__ import annotations

from collections.abc import Callable

MembershipChanged = Callable[..., object]

_membership_changed: list[MembershipChanged] = []


def on_membership_changed(receiver: MembershipChanged) -> MembershipChanged:
    """Register `receiver(membership=, change=, actor=, note=)`; twice is a no-op."""
    if receiver not in _membership_changed:
        _membership_changed.append(receiver)
    return receiver


def membership_changed(*, membership, change: str, actor=None, note: str = "") -> None:
    """Announce "requested", "approved" or "declined" to every registered receiver."""
    for receiver in _membership_changed:
        receiver(membership=membership, change=change, actor=actor, note=note)
