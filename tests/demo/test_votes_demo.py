"""The demo data of votes: a passed ballot, its resolution on notice, an answered objection."""

import pytest

from deliberation.models import Ballot, Objection, Resolution
from demo import votes as demo_votes
from demo.community import seed_organisation

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


def test_seed_demo_shows_the_meeting_the_poll_and_the_notice(client):
    """`make run` seeds: the monthly meeting (upcoming), an open poll, a resolution on notice."""
    from django.core.management import call_command

    from deliberation.models import Meeting
    from demo.deliberation import DEMO_MEETING_TITLE

    call_command("seed_demo", "--quiet")
    call_command("seed_demo", "--quiet")  # idempotent
    meeting = Meeting.objects.get(title=DEMO_MEETING_TITLE)
    assert meeting.state == "scheduled"
    hall = meeting.hall
    assert Ballot.objects.filter(hall=hall, state="open", title=demo_votes.POLL_TITLE).exists()
    # seed_demo also loads a year of resolutions (demo/year.py): this one is today's.
    res = Resolution.objects.get(hall=hall, ballot__title=demo_votes.CLOSED_TITLE)
    assert res.state == "on_notice" and res.objections.get().answered_at is not None
    page = client.get(f"/halls/{hall.slug}/notices/").content.decode()
    assert res.title in page
