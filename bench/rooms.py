"""The room under test — the one place to change to benchmark another room.

A room factory takes the bench hall, its moderator and how many moderator actions the whole run
will send (warm-up included, for every N), prepares what the
room needs in the database (sync, Django set up) and returns a `RoomUnderTest`: where
participants and the moderator connect, which event the moderator's action publishes, and the
command frame of that action. Pick one with `bench/run.py --room <name>`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RoomUnderTest:
    name: str  # the room, e.g. "hall.3"
    participant_path: str  # websocket URL path every participant connects to
    moderator_path: str  # websocket URL path the moderator connects to
    event_type: str  # the event the moderator's action publishes (one per round)
    action: Callable[[int, str], dict[str, Any]]  # (round, text) → command frame
    # (frame) → the round the event belongs to, or None to count it for the current round
    round_of: Callable[[dict[str, Any]], int | None] = lambda frame: None

    def command(self, round_: int, text: str) -> str:
        return json.dumps(self.action(round_, text), ensure_ascii=False)


def hall_room(*, hall, moderator, rounds: int) -> RoomUnderTest:
    """The hall room; the action is `bench.announce` on the bench-only moderator route."""
    from community.consumers import hall_room as room_name

    return RoomUnderTest(
        name=room_name(hall.pk),
        participant_path=f"/ws/halls/{hall.pk}/",
        moderator_path=f"/ws/bench/halls/{hall.pk}/",
        event_type="bench.announce",
        action=lambda r, text: {
            "id": f"r{r}",
            "type": "bench.announce",
            "data": {"round": r, "text": text},
        },
        round_of=lambda frame: frame["data"]["round"],
    )


def meeting_room(*, hall, moderator, rounds: int) -> RoomUnderTest:
    """A meeting the bench moderator chairs, opened through the meetings services; the action is
    the moderator's `set_checkin` command (open/close check-in alternately), which publishes one
    `meeting.changed` event per round and never runs out (unlike `next_item`, whose frame also
    grows with the agenda)."""
    from django.utils import timezone

    from deliberation.meetings import services
    from deliberation.meetings.protocol import MEETING_CHANGED
    from deliberation.meetings.selectors import meeting_room as room_name

    meeting = services.meeting_schedule(
        actor=moderator,
        hall=hall,
        title="基准测试会议",
        starts_at=timezone.now(),
        venue="基准测试",
        moderator=moderator,
        recorder=moderator,
        free_items=[("基准测试议程", None)],
    )
    services.meeting_open(actor=moderator, meeting=meeting)
    return RoomUnderTest(
        name=room_name(meeting.pk),
        participant_path=f"/ws/meetings/{meeting.pk}/",
        moderator_path=f"/ws/meetings/{meeting.pk}/",
        event_type=MEETING_CHANGED,
        action=lambda r, text: {"id": f"r{r}", "type": "set_checkin", "data": {"open": r % 2 == 0}},
    )


ROOMS: dict[str, Callable[..., RoomUnderTest]] = {"halls": hall_room, "meetings": meeting_room}
