"""What time has made due is shown on read without a write, and recorded once by cron or the next write.

Every read below runs with the database refusing INSERT, UPDATE and DELETE (`no_writes`).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from community.roles import Role
from deliberation.ledger import services as ledger
from deliberation.models import Ballot, LedgerEntry, Resolution
from deliberation.votes import selectors as sel
from deliberation.votes import services as sv
from deliberation.votes.choices import BallotResult, BallotState, ResolutionState
from forum.models import ProposalState, VoteOutcome
from tests.community.factories import BrowserClient, member
from tests.deliberation.votes.factories import make_ballot, no_writes, proposal_in, voters

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = BrowserClient()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def entries(kind: str) -> int:
    return LedgerEntry.objects.filter(kind=kind).count()


@pytest.fixture
def ended(hall):
    """An online secret ballot on a proposal being deliberated, 3 for 1 against, window over."""
    mod = member(hall, Role.MODERATOR)
    proposal = proposal_in(hall)
    people = voters(hall, 4)
    ballot = make_ballot(hall, mod, proposal=proposal, ends_at=timezone.now() + timedelta(hours=1))
    for person, choice in zip(people, ["for", "for", "for", "against"], strict=True):
        sv.ballot_cast(voter=person, ballot=ballot, choices=[choice])
    # The window ends: nothing runs at that moment (no cron yet, nobody writes).
    Ballot.objects.filter(pk=ballot.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    ballot.refresh_from_db()
    return ballot, mod, people


def test_a_ballot_past_its_window_is_shown_closed_everywhere_without_a_write(hall, ended):
    ballot, _, people = ended
    resident = logged_in(people[0])
    anonymous = BrowserClient()
    with no_writes():
        page = resident.get(f"/ballots/{ballot.pk}/").content.decode()
        results = resident.get(f"/ballots/{ballot.pk}/results/")
        listing = resident.get(f"/halls/{hall.slug}/ballots/").content.decode()
        api = resident.get(f"/api/v1/ballots/{ballot.pk}").json()
        api_results = resident.get(f"/api/v1/ballots/{ballot.pk}/results").json()
        api_list = resident.get(f"/api/v1/halls/{hall.pk}/ballots").json()
        story = anonymous.get(f"/proposals/{ballot.proposal_id}/story/").content.decode()
        story_api = anonymous.get(f"/api/v1/proposals/{ballot.proposal_id}/story").json()
    closed, passed = str(BallotState.CLOSED.label), str(BallotResult.PASSED.label)
    assert f"{closed} · {passed}" in page and f"{closed} · {passed}" in listing
    assert results.status_code == 200  # the results page (not a redirect back to the ballot)
    assert len(sel.published_receipts(ballot=sel.ballot_detail(pk=ballot.pk))) == 4
    assert (api["state"], api["result"]) == (BallotState.CLOSED, BallotResult.PASSED)
    assert api["closed_at"] is not None
    assert api_results["outcome"]["result"] == BallotResult.PASSED
    assert api_results["outcome"]["totals"] == {"for": 3, "against": 1, "abstain": 0}
    assert [b["state"] for b in api_list] == [BallotState.CLOSED]
    vote = next(s for s in story_api["steps"] if s["key"] == "vote")
    assert vote["state"] == "done" and vote["data"]["ballots"][0]["result"] == "passed"
    assert story_api["proposal"]["state"] == ProposalState.VOTED
    assert passed in story
    # Nothing was recorded by reading.
    ballot.refresh_from_db()
    assert ballot.state == BallotState.OPEN and ballot.result == ""
    assert entries(ledger.BALLOT_CLOSED) == entries(ledger.OUTCOME_RECORDED) == 0
    shown = api_results["outcome"]

    # Cron records it, once, with the outcome the pages showed.
    call_command("close_notices", verbosity=0)
    call_command("close_notices", verbosity=0)
    ballot.refresh_from_db()
    assert (ballot.state, ballot.result, ballot.closed_by) == (
        BallotState.CLOSED,
        BallotResult.PASSED,
        None,
    )
    assert ballot.closed_at == ballot.ends_at
    assert ballot.outcome == shown
    assert entries(ledger.BALLOT_CLOSED) == entries(ledger.OUTCOME_RECORDED) == 1
    assert entries(ledger.BALLOT_CAST) == 4  # the secret batch, once
    ballot.proposal.refresh_from_db()
    assert ballot.proposal.state == ProposalState.VOTED
    assert ballot.proposal.outcome == VoteOutcome.PASSED


def test_the_next_write_records_the_close_first(hall, ended):
    ballot, _, _ = ended
    head = member(hall, Role.HEAD)
    late = member(hall)
    # A refused write changes nothing, not even the settling.
    with pytest.raises(ValidationError, match="已经结束"):
        sv.ballot_cast(voter=late, ballot=ballot, choices=["for"])
    ballot.refresh_from_db()
    assert ballot.state == BallotState.OPEN and entries(ledger.BALLOT_CLOSED) == 0
    # Publishing the resolution is a write to the ballot: it records the close, then publishes.
    res = sv.resolution_publish(actor=head, ballot=ballot, title="加装扶手", text="决定加装。")
    ballot.refresh_from_db()
    assert ballot.state == BallotState.CLOSED and ballot.closed_at == ballot.ends_at
    assert res.state == ResolutionState.ON_NOTICE
    call_command("close_notices", verbosity=0)
    assert entries(ledger.BALLOT_CLOSED) == entries(ledger.OUTCOME_RECORDED) == 1
    kinds = list(LedgerEntry.objects.order_by("seq").values_list("kind", flat=True))
    assert kinds.index(ledger.OUTCOME_RECORDED) < kinds.index(ledger.RESOLUTION_PUBLISHED)


def test_a_moderator_closing_a_ballot_past_its_window_gets_the_close_by_time(hall, ended):
    ballot, mod, _ = ended
    closed = sv.ballot_close(actor=mod, ballot=ballot)
    assert closed.state == BallotState.CLOSED and closed.closed_at == ballot.ends_at
    assert closed.closed_by is None
    assert entries(ledger.BALLOT_CLOSED) == 1


@pytest.fixture
def on_notice(hall, ended):
    """A published resolution whose notice period has ended (nothing has recorded it)."""
    ballot, _, _ = ended
    head = member(hall, Role.HEAD)
    sv.settle_ballots()
    res = sv.resolution_publish(actor=head, ballot=ballot, title="加装扶手", text="决定加装。")
    Resolution.objects.filter(pk=res.pk).update(
        notice_ends_at=timezone.now() - timedelta(minutes=1)
    )
    res.refresh_from_db()
    return res, head


def test_a_resolution_past_its_notice_is_shown_effective_without_a_write(hall, on_notice):
    res, _ = on_notice
    anonymous = BrowserClient()
    with no_writes():
        board = anonymous.get(f"/halls/{hall.slug}/notices/").content.decode()
        page = anonymous.get(f"/resolutions/{res.pk}/").content.decode()
        printed = anonymous.get(f"/resolutions/{res.pk}/print/")
        api = anonymous.get(f"/api/v1/resolutions/{res.pk}").json()
        api_list = anonymous.get(f"/api/v1/halls/{hall.pk}/resolutions").json()
        story_api = anonymous.get(f"/api/v1/proposals/{res.proposal_id}/story").json()
    effective = str(ResolutionState.EFFECTIVE.label)
    on_notice_part, decided_part = board.split("已公示</h2>")
    assert f"/resolutions/{res.pk}/" in decided_part and effective in decided_part
    assert f"/resolutions/{res.pk}/" not in on_notice_part
    assert effective in page and printed.status_code == 200
    assert api["state"] == ResolutionState.EFFECTIVE
    assert api["effective_at"] is not None
    assert [r["state"] for r in api_list] == [ResolutionState.EFFECTIVE]
    notice = next(s for s in story_api["steps"] if s["key"] == "notice")
    assert notice["state"] == "done"
    res.refresh_from_db()
    assert res.state == ResolutionState.ON_NOTICE
    assert entries(ledger.RESOLUTION_EFFECTIVE) == 0

    call_command("close_notices", verbosity=0)
    call_command("close_notices", verbosity=0)
    res.refresh_from_db()
    assert res.state == ResolutionState.EFFECTIVE and res.effective_at == res.notice_ends_at
    assert entries(ledger.RESOLUTION_EFFECTIVE) == 1


def test_an_unanswered_objection_keeps_it_on_notice_on_read(hall, on_notice):
    res, head = on_notice
    Resolution.objects.filter(pk=res.pk).update(notice_ends_at=timezone.now() + timedelta(days=1))
    objection = sv.objection_lodge(author=member(hall), resolution=res, reason="扶手会挡住通道。")
    Resolution.objects.filter(pk=res.pk).update(
        notice_ends_at=timezone.now() - timedelta(minutes=1)
    )
    with no_writes():
        assert sel.resolution_detail(pk=res.pk).state == ResolutionState.ON_NOTICE
    # Answering it (not upheld) is the write that makes it effective, at the answer.
    sv.objection_answer(actor=head, objection=objection, answer="扶手贴墙安装。", upheld=False)
    res.refresh_from_db()
    assert res.state == ResolutionState.EFFECTIVE
    assert res.effective_at == objection.answered_at
    call_command("close_notices", verbosity=0)
    assert entries(ledger.RESOLUTION_EFFECTIVE) == 1
