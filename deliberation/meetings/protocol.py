"""The meeting room's events and the pure function that applies one to a snapshot.

A snapshot is a dict of sections: meeting, agenda, attendance, floor, minutes, votes, presence.
Every event's data holds the *full new value* of the sections it changes, so applying an event
is replacing those keys; `apply_event` is mirrored by `applyEvent` in static/js/meeting/state.js.
"""

from __future__ import annotations

import copy
from typing import Any

from realtime import presence
from realtime.protocol import event_type

SECTIONS = ("meeting", "agenda", "attendance", "floor", "minutes", "votes")

MEETING_CHANGED = event_type(
    "meeting.changed",
    "Meeting opened/closed or check-in opened/closed. data: {meeting, agenda?, floor?, minutes?}",
)
AGENDA_CHANGED = event_type("agenda.changed", "Agenda items edited. data: {agenda}")
ITEM_OPENED = event_type(
    "item.opened", "An agenda item was opened (e.g. next_item). data: {meeting, agenda, floor}"
)
ATTENDANCE_CHANGED = event_type("attendance.changed", "Someone checked in. data: {attendance}")
FLOOR_CHANGED = event_type(
    "floor.changed",
    "Hands, queue, speaker or timer changed. data: {floor, server_now}",
)
MINUTES_CHANGED = event_type("minutes.changed", "The minutes changed. data: {minutes}")
VOTES_CHANGED = event_type(
    "votes.changed",
    "A vote on the current item opened/closed, or its count changed (coalesced). "
    "data: {votes, agenda?}",
)
PRESENCE = "presence.changed"

# Keys that are not state (the server clock, for countdown offsets); ignored when comparing.
TRANSIENT = ("server_now",)


def apply_event(state: dict[str, Any], type: str, data: dict[str, Any]) -> dict[str, Any]:
    """Return the state after one event (the input is not modified)."""
    new = dict(state)
    if type == PRESENCE:  # a count and a delta, applied to the list held (if any)
        new["presence"] = presence.apply(state.get("presence"), data)
        return new
    for key in SECTIONS:
        if key in data:
            new[key] = copy.deepcopy(data[key])
    return new


def comparable(state: dict[str, Any]) -> dict[str, Any]:
    """The state without transient keys."""
    return {k: v for k, v in state.items() if k not in TRANSIENT}
