"""The ballot and resolution state tables: every pair of states, allowed or refused.

A refused move raises a ValidationError with a Chinese message and changes nothing.
"""

from __future__ import annotations

from itertools import product

import pytest
from django.core.exceptions import ValidationError

from community.roles import Role
from deliberation.models import Ballot, Resolution
from deliberation.votes import services as sv
from deliberation.votes import workflow
from deliberation.votes.choices import BallotState, ResolutionState
from tests.community.factories import member
from tests.deliberation.votes.factories import make_ballot, voters

pytestmark = pytest.mark.django_db

BALLOT_PAIRS = list(product(BallotState.values, repeat=2))
RESOLUTION_PAIRS = list(product(ResolutionState.values, repeat=2))


def test_the_tables_name_exactly_the_documented_moves():
    assert workflow.BALLOT_TRANSITIONS == {
        (BallotState.DRAFT, BallotState.OPEN): "open",
        (BallotState.OPEN, BallotState.CLOSED): "close",
    }
    assert workflow.RESOLUTION_TRANSITIONS == {
        (ResolutionState.ON_NOTICE, ResolutionState.EFFECTIVE): "take_effect",
        (ResolutionState.ON_NOTICE, ResolutionState.RETURNED): "return",
    }


@pytest.mark.parametrize(("frm", "to"), BALLOT_PAIRS)
def test_every_ballot_move(hall, frm, to):
    ballot = make_ballot(hall, member(hall, Role.MODERATOR), open_=False)
    Ballot.objects.filter(pk=ballot.pk).update(state=frm)
    locked = Ballot.objects.get(pk=ballot.pk)
    if (frm, to) in workflow.BALLOT_TRANSITIONS:
        workflow.ballot_transition(ballot=locked, to=to, electorate_size=7)
        ballot.refresh_from_db()
        assert (ballot.state, ballot.electorate_size) == (to, 7)
    else:
        with pytest.raises(ValidationError, match=r"表决当前为「.+」，不能变为「.+」"):
            workflow.ballot_transition(ballot=locked, to=to, electorate_size=7)
        assert (locked.state, locked.electorate_size) == (frm, 0)  # not even in memory
        ballot.refresh_from_db()
        assert (ballot.state, ballot.electorate_size) == (frm, 0)


@pytest.fixture
def resolution(hall):
    mod, head = member(hall, Role.MODERATOR), member(hall, Role.HEAD)
    people = voters(hall, 2)
    ballot = make_ballot(hall, mod, quorum_fraction="0.1")
    for person in people:
        sv.ballot_cast(voter=person, ballot=ballot, choices=["for"])
    sv.ballot_close(actor=mod, ballot=ballot)
    return sv.resolution_publish(actor=head, ballot=ballot, title="决议", text="内容。")


@pytest.mark.parametrize(("frm", "to"), RESOLUTION_PAIRS)
def test_every_resolution_move(resolution, frm, to):
    Resolution.objects.filter(pk=resolution.pk).update(state=frm)
    locked = Resolution.objects.get(pk=resolution.pk)
    moment = resolution.notice_ends_at
    if (frm, to) in workflow.RESOLUTION_TRANSITIONS:
        workflow.resolution_transition(resolution=locked, to=to, effective_at=moment)
        resolution.refresh_from_db()
        assert (resolution.state, resolution.effective_at) == (to, moment)
    else:
        with pytest.raises(ValidationError, match=r"决议当前为「.+」，不能变为「.+」"):
            workflow.resolution_transition(resolution=locked, to=to, effective_at=moment)
        resolution.refresh_from_db()
        assert (resolution.state, resolution.effective_at) == (frm, None)


def test_a_move_shown_on_read_walks_the_same_table_and_saves_nothing(resolution):
    with pytest.raises(ValidationError):
        workflow.resolution_effective(resolution=resolution, to=ResolutionState.ON_NOTICE)
    workflow.resolution_effective(resolution=resolution, to=ResolutionState.EFFECTIVE)
    assert resolution.state == ResolutionState.EFFECTIVE
    resolution.refresh_from_db()
    assert resolution.state == ResolutionState.ON_NOTICE
