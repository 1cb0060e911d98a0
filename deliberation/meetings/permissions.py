"""Named permissions of meetings (see community.permissions for the predicates).

The object is a Meeting (which has `.hall`) or, for scheduling, a Hall.
"""

import rules

from community.permissions import is_admin, is_head, is_moderator, is_resident


@rules.predicate
def is_meeting_moderator(user, meeting) -> bool:
    return getattr(meeting, "moderator_id", None) == user.pk


@rules.predicate
def is_meeting_recorder(user, meeting) -> bool:
    return getattr(meeting, "recorder_id", None) == user.pk


PERMISSIONS = {
    # A head or a moderator of the hall schedules meetings (the object is the hall).
    "deliberation.schedule_meeting": is_head | is_moderator | is_admin,
    "deliberation.view_meeting": is_resident,
    "deliberation.join_meeting_room": is_resident,
    "deliberation.check_in": is_resident,
    "deliberation.raise_hand": is_resident,
    # The meeting's own moderator runs it; a head or an admin can stand in.
    "deliberation.run_meeting": (is_meeting_moderator & is_resident) | is_head | is_admin,
    "deliberation.write_minutes": (is_meeting_recorder & is_resident) | is_head | is_admin,
    # The whole list of who is online, page by page (the attendance view of those who run the
    # meeting or take its minutes); everyone in the room sees the count.
    "deliberation.view_presence_list": (
        ((is_meeting_moderator | is_meeting_recorder) & is_resident) | is_head | is_admin
    ),
}

for _name, _pred in PERMISSIONS.items():
    rules.add_perm(_name, _pred)
