"""Every role against every meeting permission."""

import pytest
from django.utils import timezone

from community.roles import ALL_ROLES
from deliberation.models import Meeting
from tests.community.factories import member

pytestmark = pytest.mark.django_db

ALLOWED = {
    "deliberation.schedule_meeting": {"head", "moderator", "admin"},
    "deliberation.view_meeting": set(ALL_ROLES),
    "deliberation.join_meeting_room": set(ALL_ROLES),
    "deliberation.check_in": set(ALL_ROLES),
    "deliberation.raise_hand": set(ALL_ROLES),
    # the meeting's own moderator / recorder (p_moderator / p_recorder), or a head or admin
    "deliberation.run_meeting": {"moderator", "head", "admin"},
    "deliberation.write_minutes": {"recorder", "head", "admin"},
}


@pytest.fixture
def meeting(hall, people):
    return Meeting.objects.create(
        hall=hall,
        title="会",
        starts_at=timezone.now(),
        venue="活动室",
        moderator=people["moderator"],
        recorder=people["recorder"],
    )


@pytest.mark.parametrize("perm", sorted(ALLOWED))
@pytest.mark.parametrize("who", [*ALL_ROLES, "outsider", "applicant"])
def test_role_against_permission(hall, people, meeting, perm, who):
    obj = hall if perm == "deliberation.schedule_meeting" else meeting
    assert people[who].has_perm(perm, obj) is (who in ALLOWED[perm])


def test_another_moderator_of_the_hall_does_not_run_this_meeting(hall, meeting):
    other = member(hall, "moderator", "recorder")
    assert not other.has_perm("deliberation.run_meeting", meeting)
    assert not other.has_perm("deliberation.write_minutes", meeting)
    assert other.has_perm("deliberation.schedule_meeting", hall)
