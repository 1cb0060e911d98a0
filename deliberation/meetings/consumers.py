"""The meeting room `/ws/meetings/<id>/`: snapshot, deltas, commands, and the speech timer.

Timers are enforced by the server in two ways (docs/realtime.md, "Meeting room"):
every service first ends a speech whose deadline has passed (at its deadline); and while anyone
is connected, one watcher task per room per process wakes at the current deadline and ends the
speech, so everyone sees it end on time. The snapshot writes nothing: it shows a speech past its
deadline as ended, and the watcher started on connect ends it for real.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.meetings import selectors, services
from deliberation.meetings.commands import COMMANDS
from deliberation.models import Meeting
from realtime.consumers import RoomConsumer
from realtime.db import db_call

log = logging.getLogger(__name__)
WATCH_POLL_SECONDS = 2.0  # how soon a watcher notices a newly given floor
_watchers: dict[tuple[int, str], asyncio.Task] = {}


async def _watch(hub, room: str, meeting_id: int) -> None:
    """End the current speech at its deadline while this process has someone in the room."""
    while hub.local_count(room) > 0:
        try:
            deadline = await db_call(selectors.next_deadline)(meeting_id=meeting_id)
            now = timezone.now()
            if deadline is not None and deadline <= now:
                await db_call(services.floor_expire_overdue)(meeting_id=meeting_id)
                continue
            delay = WATCH_POLL_SECONDS
            if deadline is not None:
                delay = min(delay, (deadline - now).total_seconds() + 0.05)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("meeting timer watcher failed in %s", room)
            delay = WATCH_POLL_SECONDS
        await asyncio.sleep(delay)


class MeetingConsumer(RoomConsumer):
    handlers = {name: f"cmd_{name}" for name in COMMANDS}
    revoked_message = _(
        "您已不再是本议事厅的成员，不能继续留在会议室，连接已关闭。如有疑问，请联系议事厅负责人。"
    )

    def authorize(self, user) -> str | None:
        if user is None or not user.is_authenticated:
            return None
        meeting = (
            Meeting.objects.select_related("hall__compound__community")
            .filter(pk=self.scope["url_route"]["kwargs"]["meeting_id"])
            .first()
        )
        if meeting is None or not user.has_perm("deliberation.join_meeting_room", meeting):
            return None
        self.meeting_id = meeting.pk
        return selectors.meeting_room(meeting.pk)

    def build_snapshot(self) -> dict[str, Any]:
        return selectors.meeting_snapshot(self.meeting_id, viewer=self.user)

    def __getattr__(self, name: str):
        # `handlers` maps each command to "cmd_<name>"; all of them call the one command table.
        if name.startswith("cmd_") and name[4:] in COMMANDS:
            command = COMMANDS[name[4:]]
            return lambda user, data: command(user, self.meeting_id, data)
        raise AttributeError(name)

    async def connect(self) -> None:
        await super().connect()
        if self.room is None:
            return
        key = (id(asyncio.get_running_loop()), self.room)
        task = _watchers.get(key)
        if task is None or task.done():
            _watchers[key] = asyncio.ensure_future(_watch(self.hub, self.room, self.meeting_id))

    async def left_room(self, room: str) -> None:
        if self.hub.local_count(room) > 0:
            return
        task = _watchers.pop((id(asyncio.get_running_loop()), room), None)
        if task is not None:
            task.cancel()
