"""The state machines of meetings, agenda items and speeches: one table each.

Services move `Meeting.state`, `AgendaItem.state` and `Speech.state` only through `transition`
(one row they hold, e.g. the meeting they locked) or `bulk_transition` (the rows of a queryset
in one `UPDATE`, e.g. the hands still up when an item closes). A move not in the table raises a
`ValidationError` and changes nothing.

No history table: these rows carry their own (`opened_at`/`closed_at` of meetings and items,
`started_at`/`ended_at`/`end_reason` of speeches), and the moves that matter beyond the room —
the proposal's — are recorded by `forum.workflow`. Adding one would cost a write per hand raised.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from deliberation.models import (
    AgendaItem,
    AgendaItemState,
    Meeting,
    MeetingState,
    Speech,
    SpeechState,
)

M, A, S = MeetingState, AgendaItemState, SpeechState

# (from, to) → the name of the move.
MEETING_TRANSITIONS: dict[tuple[str, str], str] = {
    (M.SCHEDULED, M.OPEN): "open",
    (M.OPEN, M.CLOSED): "close",
    (M.SCHEDULED, M.CANCELLED): "cancel",  # before it opens, with a reason (MeetingChange)
}
ITEM_TRANSITIONS: dict[tuple[str, str], str] = {
    (A.PENDING, A.OPEN): "open",
    (A.OPEN, A.DONE): "close",
}
SPEECH_TRANSITIONS: dict[tuple[str, str], str] = {
    (S.WAITING, S.SPEAKING): "give_floor",
    (S.WAITING, S.WITHDRAWN): "lower",  # by the person, or because the item closed
    (S.WAITING, S.REMOVED): "remove",
    (S.SPEAKING, S.DONE): "end",  # end_reason: timer, moderator, speaker or item
}

# model → (its table, its state choices, what the message calls it)
TABLES: dict[type[models.Model], tuple[dict[tuple[str, str], str], type, Any]] = {
    Meeting: (MEETING_TRANSITIONS, MeetingState, gettext_lazy("会议")),
    AgendaItem: (ITEM_TRANSITIONS, AgendaItemState, gettext_lazy("议程项")),
    Speech: (SPEECH_TRANSITIONS, SpeechState, gettext_lazy("发言")),
}


def allowed_targets(model: type[models.Model], state: str) -> list[str]:
    """States a row of `model` in `state` may move to."""
    table = TABLES[model][0]
    return [to for (frm, to) in table if frm == state]


def check(model: type[models.Model], frm: str, to: str) -> str:
    """Return the name of the move, or raise a ValidationError if the table does not allow it."""
    table, choices, what = TABLES[model]
    name = table.get((frm, to))
    if name is None:
        raise ValidationError(
            _("%(what)s当前为「%(frm)s」，不能变为「%(to)s」。")
            % {
                "what": what,
                "frm": choices(frm).label if frm in choices.values else frm,
                "to": choices(to).label if to in choices.values else to,
            }
        )
    return name


def transition(obj: Meeting | AgendaItem | Speech, to: str, **changes: Any) -> str:
    """Move one row to `to` if its table allows it; save `state` and `changes` in one UPDATE.

    The caller holds the row (it locked the meeting, which serialises every change of a
    meeting's items and speeches), so the state it sees is the one in the database.
    """
    name = check(type(obj), obj.state, to)
    obj.state = to
    for field, value in changes.items():
        setattr(obj, field, value)
    obj.save(update_fields=["state", *changes])
    return name


def bulk_transition(queryset: QuerySet, frm: str, to: str, **changes: Any) -> int:
    """Move the rows of `queryset` that are in `frm` to `to` in one UPDATE; return how many."""
    check(queryset.model, frm, to)
    return queryset.filter(state=frm).update(state=to, **changes)
