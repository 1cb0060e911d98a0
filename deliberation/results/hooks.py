"""What the results part announces to the part above it (tasks), through hooks it registers.

Tasks sit above results (a task's completion publishes the result: tasks call results), so
when residents find a result unsatisfactory, results do not call into tasks: they call
`round_reopened(...)`, and the tasks part registers a receiver at start-up (`deliberation.apps`)
that reopens the resolution's done tasks and tells their owners.
"""

from __future__ import annotations

from collections.abc import Callable

RoundReopened = Callable[..., object]

_round_reopened: list[RoundReopened] = []


def on_round_reopened(receiver: RoundReopened) -> RoundReopened:
    """Register `receiver(*, result, note, text, now)`; registering twice is a no-op."""
    if receiver not in _round_reopened:
        _round_reopened.append(receiver)
    return receiver


def round_reopened(*, result, note: str, text: str, now) -> None:
    """Tell every registered part that a round closed as unsatisfactory (`note`: why, `text`: the
    notification's wording)."""
    for receiver in _round_reopened:
        receiver(result=result, note=note, text=text, now=now)
