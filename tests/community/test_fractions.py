from decimal import Decimal
from fractions import Fraction

import pytest

from community.fractions import quorum_ratio


@pytest.mark.parametrize(
    ("stored", "meant"),
    [
        (Decimal("0.667"), Fraction(2, 3)),
        (Decimal("0.666"), Fraction(2, 3)),
        (Decimal("0.333"), Fraction(1, 3)),
        (Decimal("0.5"), Fraction(1, 2)),
        (Decimal("0.75"), Fraction(3, 4)),
        (Decimal("0.55"), Fraction(11, 20)),  # not near a small fraction: kept exactly
        (Decimal("0.67"), Fraction(67, 100)),
        ("1", Fraction(1)),
    ],
)
def test_quorum_settings_mean_the_fraction_people_write(stored, meant):
    assert quorum_ratio(stored) == meant


@pytest.mark.django_db
def test_two_of_three_present_is_a_two_thirds_quorum():
    """The hall default 0.667 must not demand 3 of 3."""
    from django.utils import timezone

    from community.roles import Role
    from deliberation.meetings import selectors, services
    from tests.community.factories import HallFactory, member

    hall = HallFactory()  # quorum_fraction defaults to 0.667
    moderator = member(hall, Role.MODERATOR)
    others = [member(hall), member(hall)]
    meeting = services.meeting_schedule(
        actor=moderator, hall=hall, title="月度议事会", starts_at=timezone.now(), venue="活动室",
        moderator=moderator, recorder=moderator,
    )  # fmt: skip
    services.meeting_open(actor=moderator, meeting=meeting)
    for person in [moderator, others[0]]:
        services.meeting_check_in_member(actor=moderator, meeting=meeting, user_id=person.pk)
    section = selectors.attendance_section(meeting)
    assert (section["electorate"], section["present"]) == (3, 2)
    assert section["quorum_needed"] == 2 and section["quorum_met"]
