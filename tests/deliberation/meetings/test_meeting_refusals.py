"""Issue 13: the room's snapshot says which commands the server would refuse a person, so the
room shows those buttons disabled with the reason (static/js/meeting/speakers.js, votes.js).
The server still refuses them: these tests check both."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community.roles import Role
from deliberation.meetings import selectors, services
from deliberation.meetings.commands import COMMANDS
from tests.community.factories import member
from tests.deliberation.meetings.factories import (
    accepted_proposal,
    meeting_people,
    scheduled_meeting,
)

pytestmark = pytest.mark.django_db


def live_meeting(hall, *checked_in: str):
    people = meeting_people(hall)
    proposal = accepted_proposal(hall, people["wang"])
    meeting = scheduled_meeting(hall, people, proposals=[proposal])
    services.meeting_open(actor=people["moderator"], meeting=meeting)
    for name in checked_in:
        services.meeting_check_in(user=people[name], meeting=meeting, token=meeting.checkin_token)
    services.meeting_open_item(actor=people["moderator"], meeting=meeting)
    meeting.refresh_from_db()
    return people, meeting


def snapshot(meeting) -> dict:
    return selectors.meeting_snapshot(meeting.pk)


def speak(people, meeting, who: str, stance: str = "for") -> None:
    services.hand_raise(user=people[who], meeting=meeting, stance=stance)
    services.floor_give(actor=people["moderator"], meeting=meeting)
    services.floor_end(actor=people["moderator"], meeting=meeting)


def test_the_floor_says_who_has_used_up_the_items_speeches(hall):
    people, meeting = live_meeting(hall, "wang", "zhang")
    wang = str(people["wang"].pk)
    floor = snapshot(meeting)["floor"]
    assert floor["hand_needs_checkin"] is True  # whose: the attendance section's check-ins
    assert floor["hand_refused"] == {}
    speak(people, meeting, "wang")
    speak(people, meeting, "wang", "order")  # a point of order is not a speech on the item
    assert snapshot(meeting)["floor"]["hand_refused"] == {}
    speak(people, meeting, "wang", "against")
    assert snapshot(meeting)["floor"]["hand_refused"] == {wang: "speech_limit"}
    # The server refuses what the snapshot says, and allows what it does not.
    with pytest.raises(ValidationError, match="最多发言 2 次"):
        services.hand_raise(user=people["wang"], meeting=meeting, stance="for")
    services.hand_raise(user=people["wang"], meeting=meeting, stance="order")
    services.hand_raise(user=people["zhang"], meeting=meeting, stance="for")
    # The next item starts afresh.
    services.hand_lower(user=people["wang"], meeting=meeting)
    services.meeting_open_item(actor=people["moderator"], meeting=meeting)
    assert snapshot(meeting)["floor"]["hand_refused"] == {}


def test_the_limit_is_the_halls_setting(hall):
    hall.speeches_per_item = 1
    hall.save()
    people, meeting = live_meeting(hall, "wang")
    speak(people, meeting, "wang")
    assert snapshot(meeting)["floor"]["hand_refused"] == {str(people["wang"].pk): "speech_limit"}


def test_a_hand_before_check_in_is_refused_as_the_snapshot_says(hall):
    people, meeting = live_meeting(hall, "wang")
    snap = snapshot(meeting)
    checked = {c["user"]["id"] for c in snap["attendance"]["checkins"]}
    assert snap["floor"]["hand_needs_checkin"] and people["zhang"].pk not in checked
    with pytest.raises(ValidationError, match="请先签到"):
        services.hand_raise(user=people["zhang"], meeting=meeting, stance="for")


def test_the_vote_says_who_may_vote_and_that_the_room_needs_a_check_in(hall):
    people, meeting = live_meeting(hall, "wang")
    COMMANDS["ballot_open"](people["moderator"], meeting.pk, {})
    late = member(hall, Role.MEMBER, display_name="新来的")  # joined after the vote opened
    services.meeting_check_in(user=late, meeting=meeting, token=meeting.checkin_token)
    ballot = snapshot(meeting)["votes"]["ballot"]
    assert ballot["cast_needs_checkin"] is True
    assert people["wang"].pk in ballot["electors"] and people["zhang"].pk in ballot["electors"]
    assert late.pk not in ballot["electors"]
    assert len(ballot["electors"]) == ballot["electorate"]
    # The server refuses both, as the room now shows before anyone taps.
    with pytest.raises(PermissionDenied, match="投票人名册"):
        COMMANDS["ballot_cast"](late, meeting.pk, {"choice": "for"})
    with pytest.raises(PermissionDenied, match="请先签到"):
        COMMANDS["ballot_cast"](people["zhang"], meeting.pk, {"choice": "for"})
    COMMANDS["ballot_cast"](people["wang"], meeting.pk, {"choice": "for"})
