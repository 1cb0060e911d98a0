"""The ballot and resolution state machines, each in one table (like forum/workflow.py).

Services move `Ballot.state` and `Resolution.state` only through `ballot_transition` and
`resolution_transition`; selectors show what time has made due (a ballot past its window is
closed, a notice period that ended makes the resolution effective) through
`ballot_effective` / `resolution_effective`, which walk the same table but save nothing.
Objections have no state field: an objection is open until `answered_at` is set, and an
upheld answer moves its resolution to 退回 here. The history of these moves is the ledger
(ballot_opened, ballot_closed, resolution_effective, objection_answered).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from deliberation.models import Ballot, Objection, Resolution
from deliberation.votes.choices import BallotMode, BallotResult, BallotState, ResolutionState
from forum.models import VoteOutcome

B = BallotState
R = ResolutionState

# (from, to) → the name of the move.
BALLOT_TRANSITIONS: dict[tuple[str, str], str] = {
    (B.DRAFT, B.OPEN): "open",
    (B.OPEN, B.CLOSED): "close",  # by whoever runs the vote, or by time (online window ended)
}

RESOLUTION_TRANSITIONS: dict[tuple[str, str], str] = {
    (R.ON_NOTICE, R.EFFECTIVE): "take_effect",  # period over, every objection answered
    (R.ON_NOTICE, R.RETURNED): "return",  # an objection was upheld
}

# A ballot's close moves a proposal being deliberated 议事中 → 已表决 with this outcome.
PROPOSAL_OUTCOME: dict[str, str] = {
    BallotResult.PASSED: VoteOutcome.PASSED,
    BallotResult.FAILED: VoteOutcome.FAILED,
    # Not decided: recorded as shelved; the proposal can go back to the agenda (VOTED → ACCEPTED).
    BallotResult.NO_QUORUM: VoteOutcome.SHELVED,
}


def _move(
    obj: models.Model,
    table: dict[tuple[str, str], str],
    choices: type[models.TextChoices],
    what: str,
    to: str,
    fields: dict[str, Any],
) -> None:
    frm = obj.state
    if (frm, to) not in table:
        raise ValidationError(
            _("%(what)s当前为「%(frm)s」，不能变为「%(to)s」。")
            % {
                "what": what,
                "frm": choices(frm).label if frm in choices.values else frm,
                "to": choices(to).label if to in choices.values else to,
            }
        )
    obj.state = to
    for name, value in fields.items():
        setattr(obj, name, value)


def ballot_transition(*, ballot: Ballot, to: str, **fields: Any) -> None:
    """Move a locked ballot to `to`, set `fields` with it and save; refuse a move not in the table."""
    _move(ballot, BALLOT_TRANSITIONS, B, _("表决"), to, fields)
    ballot.save(update_fields=["state", *fields])


def resolution_transition(*, resolution: Resolution, to: str, **fields: Any) -> None:
    """Move a locked resolution to `to`, set `fields` with it and save (refused if not allowed)."""
    _move(resolution, RESOLUTION_TRANSITIONS, R, _("决议"), to, fields)
    resolution.save(update_fields=["state", *fields])


def ballot_effective(*, ballot: Ballot, to: str, **fields: Any) -> None:
    """Show an unsaved ballot in the state time has made due (same table, nothing written)."""
    _move(ballot, BALLOT_TRANSITIONS, B, _("表决"), to, fields)


def resolution_effective(*, resolution: Resolution, to: str, **fields: Any) -> None:
    """Show an unsaved resolution in the state time has made due (nothing written)."""
    _move(resolution, RESOLUTION_TRANSITIONS, R, _("决议"), to, fields)


# --- what time makes due ----------------------------------------------------------------------


def ballot_due(ballot: Ballot, now: datetime) -> bool:
    """An open online ballot whose window has ended: it is closed, whether or not saved yet."""
    return (
        ballot.state == B.OPEN
        and ballot.mode == BallotMode.ONLINE
        and ballot.ends_at is not None
        and ballot.ends_at <= now
    )


def resolution_effective_at(
    resolution: Resolution, objections: Iterable[Objection], now: datetime
) -> datetime | None:
    """When a resolution on notice took effect by `now`, or None if it has not.

    It takes effect when its period is over and every objection is answered, none upheld: at
    the end of the period, or at the last answer if that came later.
    """
    if resolution.state != R.ON_NOTICE or now < resolution.notice_ends_at:
        return None
    objections = list(objections)
    if any(o.answered_at is None or o.upheld for o in objections):
        return None
    return max([resolution.notice_ends_at, *(o.answered_at for o in objections)])
