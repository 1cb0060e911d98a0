"""Resolutions on public notice: the notice period, objections and answers, with time travel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from community.roles import Role
from deliberation.ledger import selectors as ledger_selectors
from deliberation.ledger import services as ledger
from deliberation.models import LedgerEntry, Resolution
from deliberation.models.votes import ResolutionState
from deliberation.votes import services as sv
from forum.models import ProposalState
from tests.community.factories import UserFactory, member
from tests.deliberation.votes.factories import make_ballot, proposal_in, voters

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(hall):
    return member(hall, Role.HEAD)


@pytest.fixture
def passed(hall, head):
    """A proposal voted through (3 for, 1 against) and its closed ballot."""
    mod = member(hall, Role.MODERATOR)
    proposal = proposal_in(hall)
    people = voters(hall, 4)
    ballot = make_ballot(hall, mod, proposal=proposal, quorum_fraction="0.5")
    for person, choice in zip(people, ["for", "for", "for", "against"], strict=True):
        sv.ballot_cast(voter=person, ballot=ballot, choices=[choice])
    sv.ballot_close(actor=mod, ballot=ballot)
    assert ballot.result == "passed"
    return ballot


def publish(ballot, head, now=None):
    return sv.resolution_publish(
        actor=head, ballot=ballot, title="加装楼道扶手", text="**决定**:在 3 栋加装扶手。", now=now
    )


def test_publishing_puts_the_proposal_on_notice_and_records_the_chain_head(hall, head, passed):
    res = publish(passed, head)
    passed.proposal.refresh_from_db()
    assert passed.proposal.state == ProposalState.ON_NOTICE
    assert res.state == ResolutionState.ON_NOTICE
    assert res.notice_ends_at == res.published_at + timedelta(days=hall.notice_period_days)
    entry = LedgerEntry.objects.get(hall=hall, kind=ledger.RESOLUTION_PUBLISHED)
    assert res.ledger_seq == entry.seq
    assert (res.chain_head_seq, res.chain_head_hash) == (entry.seq, entry.hash)
    assert ledger_selectors.ledger_verify(
        hall, expect_head=(res.chain_head_seq, res.chain_head_hash)
    ).ok


def test_only_passed_ballots_become_resolutions(hall, head):
    mod = member(hall, Role.MODERATOR)
    voter = member(hall)
    ballot = make_ballot(hall, mod, quorum_fraction="0.1")
    sv.ballot_cast(voter=voter, ballot=ballot, choices=["against"])
    sv.ballot_close(actor=mod, ballot=ballot)
    with pytest.raises(ValidationError, match="通过"):
        publish(ballot, head)


def test_only_the_head_publishes(hall, passed):
    with pytest.raises(PermissionDenied):
        publish(passed, member(hall, Role.MODERATOR))


def test_without_objections_it_takes_effect_when_the_period_ends(hall, head, passed):
    t0 = timezone.now()
    res = publish(passed, head, now=t0)
    assert sv.settle_notices(hall=hall, now=t0 + timedelta(days=4)) == 0
    res.refresh_from_db()
    assert res.state == ResolutionState.ON_NOTICE
    assert sv.settle_notices(hall=hall, now=t0 + timedelta(days=5, seconds=1)) == 1
    res.refresh_from_db()
    assert res.state == ResolutionState.EFFECTIVE
    assert res.effective_at == res.notice_ends_at
    passed.proposal.refresh_from_db()
    assert passed.proposal.state == ProposalState.ON_NOTICE  # until tasks exist (issue 6)
    assert LedgerEntry.objects.filter(hall=hall, kind=ledger.RESOLUTION_EFFECTIVE).count() == 1
    # idempotent
    assert sv.settle_notices(hall=hall, now=t0 + timedelta(days=9)) == 0


def test_close_notices_command_settles_due_resolutions(hall, head, passed, monkeypatch):
    t0 = timezone.now()
    res = publish(passed, head, now=t0)
    monkeypatch.setattr(timezone, "now", lambda: t0 + timedelta(days=6))
    call_command("close_notices")
    res.refresh_from_db()
    assert res.state == ResolutionState.EFFECTIVE


def test_objection_flow_rejected_then_effective(hall, head, passed):
    t0 = timezone.now()
    res = publish(passed, head, now=t0)
    resident = member(hall)
    obj = sv.objection_lodge(
        author=resident, resolution=res, reason="扶手会占用楼道通道。", now=t0 + timedelta(days=1)
    )
    assert not obj.is_overdue(t0 + timedelta(days=3))
    assert obj.is_overdue(t0 + timedelta(days=4, seconds=1))  # 3 days to answer
    # the period ends with the objection unanswered: not effective yet
    assert sv.settle_notices(hall=hall, now=t0 + timedelta(days=6)) == 0
    sv.objection_answer(
        actor=head,
        objection=obj,
        answer="扶手宽 5 厘米，不影响通行。",
        upheld=False,
        now=t0 + timedelta(days=6),
    )
    res.refresh_from_db()
    assert res.state == ResolutionState.EFFECTIVE
    assert res.effective_at == t0 + timedelta(days=6)
    answered = LedgerEntry.objects.get(hall=hall, kind=ledger.OBJECTION_ANSWERED).payload
    assert answered["late"] is True and answered["upheld"] is False
    assert ledger.OBJECTION_LODGED in set(
        LedgerEntry.objects.filter(hall=hall).values_list("kind", flat=True)
    )


def test_upheld_objection_sends_it_back_to_the_agenda(hall, head, passed):
    res = publish(passed, head)
    obj = sv.objection_lodge(
        author=member(hall), resolution=res, reason="没有征求 3 栋一楼住户意见。"
    )
    sv.objection_answer(actor=head, objection=obj, answer="异议成立，重新议事。", upheld=True)
    res.refresh_from_db()
    assert res.state == ResolutionState.RETURNED
    passed.proposal.refresh_from_db()
    assert passed.proposal.state == ProposalState.ACCEPTED
    with pytest.raises(ValidationError):
        sv.objection_lodge(author=member(hall), resolution=res, reason="还有一个意见要说。")


def test_objections_only_during_the_period_and_from_residents(hall, head, passed):
    t0 = timezone.now()
    res = publish(passed, head, now=t0)
    with pytest.raises(PermissionDenied):
        sv.objection_lodge(author=UserFactory(), resolution=res, reason="我不是本厅的居民。")
    with pytest.raises(ValidationError, match="公示期已结束"):
        sv.objection_lodge(
            author=member(hall), resolution=res, reason="太晚了的意见。", now=t0 + timedelta(days=5)
        )
    with pytest.raises(ValidationError):
        sv.objection_lodge(author=member(hall), resolution=res, reason="短")


def test_an_objection_is_answered_once_by_the_head(hall, head, passed):
    res = publish(passed, head)
    obj = sv.objection_lodge(author=member(hall), resolution=res, reason="请说明经费来源。")
    with pytest.raises(PermissionDenied):
        sv.objection_answer(
            actor=member(hall, Role.MODERATOR), objection=obj, answer="好", upheld=False
        )
    sv.objection_answer(actor=head, objection=obj, answer="经费来自民生微实事。", upheld=False)
    with pytest.raises(ValidationError):
        sv.objection_answer(actor=head, objection=obj, answer="再答一次", upheld=True)


def test_a_ballot_has_one_resolution(hall, head, passed):
    publish(passed, head)
    with pytest.raises(ValidationError):
        publish(passed, head)
    assert Resolution.objects.count() == 1


def test_one_objection_per_person_per_notice(hall, head, passed):
    """A double submit (or a second objection) is refused: one ledger entry, one to answer."""
    res = publish(passed, head)
    resident = member(hall)
    sv.objection_lodge(author=resident, resolution=res, reason="扶手会占用楼道通道。")
    with pytest.raises(ValidationError, match="已对这项决议提出过异议"):
        sv.objection_lodge(author=resident, resolution=res, reason="扶手会占用楼道通道。")
    assert res.objections.count() == 1
    lodged = LedgerEntry.objects.filter(hall=hall, kind=ledger.OBJECTION_LODGED).count()
    assert lodged == 1
    sv.objection_lodge(author=member(hall), resolution=res, reason="另一位居民的意见。")
    assert res.objections.count() == 2
