"""The demo data of votes: a passed ballot, its resolution on notice, an answered objection."""

import pytest

from community.demo import seed_organisation
from deliberation import demo_votes
from deliberation.models import Ballot, Objection, Resolution
from tests.deliberation.factories_votes import fast_hashing  # noqa: F401

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_shows_the_whole_flow():
    hall, users = seed_organisation()
    demo_votes.seed(hall=hall, users=users)
    demo_votes.seed(hall=hall, users=users)
    closed = Ballot.objects.get(title=demo_votes.CLOSED_TITLE)
    assert closed.state == "closed" and closed.result == "passed"
    res = Resolution.objects.get()
    assert res.state == "on_notice" and res.proposal.state == "on_notice"
    assert Objection.objects.get().upheld is False
    assert Ballot.objects.get(title=demo_votes.POLL_TITLE).state == "open"
    assert Ballot.objects.count() == 2
