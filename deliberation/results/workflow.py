"""The state machine of a result round （评议轮次） in one table; only the results part moves it.

`ResultPublication.state` moves through `result_transition` (services of deliberation/results:
closing a round at the end of its period, or ending it early when a head reopens a task);
selectors show a round past its end in the state it closes with through `result_effective`,
which walks the same table and saves nothing. The history of these moves is the ledger
(`evaluation_closed`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from deliberation.models import ResultPublication, ResultState

S = ResultState

# (from, to) → the name of the move.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.EVALUATING, S.ACCEPTED): "accept",  # the period ended within the threshold
    # The period ended over the threshold, or a head reopened a task during the round.
    (S.EVALUATING, S.REOPENED): "reopen",
}


def _move(result: ResultPublication, to: str, fields: dict[str, Any]) -> None:
    frm = result.state
    if (frm, to) not in TRANSITIONS:
        raise ValidationError(
            _("评议轮次当前为「%(frm)s」，不能变为「%(to)s」。")
            % {
                "frm": S(frm).label if frm in S.values else frm,
                "to": S(to).label if to in S.values else to,
            }
        )
    result.state = to
    for name, value in fields.items():
        setattr(result, name, value)


def result_transition(*, result: ResultPublication, to: str, **fields: Any) -> None:
    """Move a locked round to `to`, set `fields` with it and save; refuse a move not in the table."""
    _move(result, to, fields)
    result.save(update_fields=["state", *fields])


def result_effective(*, result: ResultPublication, to: str, **fields: Any) -> None:
    """Show an unsaved round in the state time has made due (same table, nothing written)."""
    _move(result, to, fields)


def round_due(result: ResultPublication, now: datetime) -> bool:
    """A round being evaluated whose period has ended: it is closed, whether or not saved yet."""
    return result.state == S.EVALUATING and now >= result.evaluation_ends_at
