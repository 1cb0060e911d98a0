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


# ---------------------------------------------------------------------------------------------
# THE MEETING ROOM — fill this in when the `meetings` branch has landed (docs/benchmarks.md,
# "Switching to the meeting room"). It must: create a meeting of `hall` that `moderator` chairs
# with at least `rounds` agenda items (through the meetings services, so it is in the state a
# real meeting is in when items are being opened), open it, and return a RoomUnderTest with
#   participant_path=moderator_path=f"/ws/meetings/{meeting.pk}/",
#   event_type=<the event the moderator's command publishes, e.g. "meeting.item_opened">,
#   action=lambda r, text: {"id": f"r{r}", "type": "next_item", "data": {}},
# (round_of may stay the default: exactly one such event is published per round).
# ---------------------------------------------------------------------------------------------
def meeting_room(*, hall, moderator, rounds: int) -> RoomUnderTest:
    raise SystemExit(
        "The meeting room is not in this branch yet: fill in bench/rooms.py:meeting_room "
        "(see docs/benchmarks.md, 'Switching to the meeting room')."
    )


ROOMS: dict[str, Callable[..., RoomUnderTest]] = {"halls": hall_room, "meetings": meeting_room}
