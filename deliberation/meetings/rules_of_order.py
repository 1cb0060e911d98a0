"""南塘十三条 as pure functions: who speaks next when several hands are up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar


class Hand(Protocol):
    stance: str


H = TypeVar("H", bound=Hand)
FOR, AGAINST, ORDER = "for", "against", "order"


def speaking_order(waiting: Sequence[H], last_stance: str | None) -> list[H]:
    """Order waiting hands (given in queue position) by the rules.

    A point of order jumps the queue; otherwise, when the side opposite to the last
    for/against speech is waiting, it speaks next (opposing sides alternate); otherwise
    the queue position decides.
    """
    remaining = list(waiting)
    out: list[H] = []
    last = last_stance
    while remaining:
        pick = next((h for h in remaining if h.stance == ORDER), None)
        if pick is None and last in (FOR, AGAINST):
            opposite = AGAINST if last == FOR else FOR
            pick = next((h for h in remaining if h.stance == opposite), None)
        if pick is None:
            pick = remaining[0]
        out.append(pick)
        remaining.remove(pick)
        if pick.stance != ORDER:
            last = pick.stance
    return out
