"""Texts longer than their fields are refused by the services with the field named (no 500 on
PostgreSQL, no 300,000-character title on SQLite), and nothing is stored."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from community.roles import Role
from deliberation.meetings import services as ms
from deliberation.models import Ballot, Meeting, Resolution
from deliberation.votes import services as sv
from tests.community.factories import member
from tests.deliberation.meetings.factories import meeting_people
from tests.deliberation.votes.factories import make_ballot, proposal_in, voters

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "会" * 81), ("venue", "室" * 201), ("notice", "请" * 5001)],
)
def test_meeting_texts_over_their_limit_are_refused(hall, field, value):
    people = meeting_people(hall)
    fields = {"title": "十月议事会", "venue": "活动室", "notice": "", field: value}
    with pytest.raises(ValidationError) as refused:
        ms.meeting_schedule(
            actor=people["head"],
            hall=hall,
            starts_at=timezone.now() + timedelta(days=1),
            moderator=people["moderator"],
            recorder=people["recorder"],
            **fields,
        )
    assert field in refused.value.message_dict and "不能超过" in str(refused.value)
    assert not Meeting.objects.exists()


def test_ballot_texts_and_options_over_their_limit_are_refused(hall):
    mod = member(hall, Role.MODERATOR)
    with pytest.raises(ValidationError) as refused:
        sv.ballot_create(actor=mod, hall=hall, title="表" * 121, description="说" * 5001)
    assert {"title", "description"} <= set(refused.value.message_dict)
    with pytest.raises(ValidationError) as refused:
        sv.ballot_create(
            actor=mod, hall=hall, title="选址", kind="single_choice", options=["甲" * 81, "乙"]
        )
    assert "options" in refused.value.message_dict
    assert not Ballot.objects.exists()


def test_a_resolution_text_over_its_limit_is_refused(hall):
    head, mod = member(hall, Role.HEAD), member(hall, Role.MODERATOR)
    people = voters(hall, 3)  # electors before the ballot opens (its electorate is fixed then)
    ballot = make_ballot(hall, mod, proposal=proposal_in(hall), quorum_fraction="0.01")
    for person in people:
        sv.ballot_cast(voter=person, ballot=ballot, choices=["for"])
    sv.ballot_close(actor=mod, ballot=ballot)
    with pytest.raises(ValidationError, match="不能超过"):
        sv.resolution_publish(actor=head, ballot=ballot, title="决议", text="文" * 20001)
    assert not Resolution.objects.exists()


def test_an_agenda_item_title_over_its_limit_is_refused_and_no_meeting_is_left(hall):
    people = meeting_people(hall)
    with pytest.raises(ValidationError, match="不能超过 80 字"):
        ms.meeting_schedule(
            actor=people["head"],
            hall=hall,
            title="十月议事会",
            starts_at=timezone.now() + timedelta(days=1),
            venue="活动室",
            moderator=people["moderator"],
            recorder=people["recorder"],
            free_items=[("议" * 81, None)],
        )
    assert not Meeting.objects.exists()
