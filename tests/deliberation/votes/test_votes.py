"""Ballots: casting, one person one vote, secrecy, outcome by the rules, hand counts, proxies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from community.models import MajorityRule, Membership, MembershipStatus
from community.roles import Role
from deliberation.ledger import selectors as ledger_selectors
from deliberation.ledger import services as ledger
from deliberation.models import (
    Ballot,
    Elector,
    HandCount,
    LedgerEntry,
    Participation,
    VoteRecord,
)
from deliberation.models.votes import BallotKind, BallotMode, BallotResult, ElectorateScope
from deliberation.votes import services as sv
from deliberation.votes import tally
from forum.models import ProposalState, VoteOutcome
from tests.community.factories import BuildingFactory, HallFactory, UserFactory, member
from tests.deliberation.votes.factories import make_ballot, proposal_in, voters

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod(hall):
    return member(hall, Role.MODERATOR)


def kinds(hall) -> list[str]:
    return list(
        LedgerEntry.objects.filter(hall=hall).order_by("seq").values_list("kind", flat=True)
    )


# --- secrecy --------------------------------------------------------------------------------


def test_the_vote_table_has_no_voter_and_no_time():
    fields = {f.name: f for f in VoteRecord._meta.get_fields()}
    assert set(fields) == {"id", "ballot", "receipt", "choices"}
    assert isinstance(fields["id"], models.UUIDField)
    assert not any(isinstance(f, models.DateField | models.DateTimeField) for f in fields.values())
    related = {f.related_model for f in fields.values() if f.is_relation}
    assert related == {Ballot}
    # and nothing points at a vote record from the participation side
    assert not any(
        f.is_relation and f.related_model is VoteRecord for f in Participation._meta.get_fields()
    )


def test_secret_ballot_stores_who_and_what_apart(hall, mod):
    a, b = voters(hall, 2)
    ballot = make_ballot(hall, mod, secret=True)
    r1 = sv.ballot_cast(voter=a, ballot=ballot, choices=["for"])
    r2 = sv.ballot_cast(voter=b, ballot=ballot, choices=["against"])
    assert set(
        Participation.objects.filter(ballot=ballot).values_list("named_choices", flat=True)
    ) == {None}
    assert sorted(
        VoteRecord.objects.filter(ballot=ballot).values_list("receipt", flat=True)
    ) == sorted([r1, r2])
    # no cast is in the ledger while the ballot is open (it would order the casts)
    assert ledger.BALLOT_CAST not in kinds(hall)
    sv.ballot_close(actor=mod, ballot=ballot)
    casts = LedgerEntry.objects.filter(hall=hall, kind=ledger.BALLOT_CAST).order_by("seq")
    payloads = [e.payload for e in casts]
    assert [p["receipt"] for p in payloads] == sorted([r1, r2])
    assert all(set(p) == {"ballot", "secret", "receipt", "choice"} for p in payloads)
    assert len({e.at for e in casts}) == 1  # one time for the batch
    assert ledger_selectors.ledger_verify(hall).ok


def test_named_ballot_shows_each_persons_choice(hall, mod):
    a = member(hall)
    ballot = make_ballot(hall, mod, secret=False)
    receipt = sv.ballot_cast(voter=a, ballot=ballot, choices=["against"])
    p = Participation.objects.get(ballot=ballot, user=a)
    assert p.named_choices == ["against"]
    entry = LedgerEntry.objects.get(hall=hall, kind=ledger.BALLOT_CAST)
    assert entry.payload == {
        "ballot": ballot.pk,
        "voter": a.pk,
        "choice": ["against"],
        "receipt": receipt,
    }


def test_secret_ballot_never_shows_results_live(hall, mod):
    ballot = make_ballot(hall, mod, secret=True, results_live=True)
    assert ballot.results_live is False
    assert "totals" not in sv.tally_data(ballot.pk)


# --- one person, one vote -------------------------------------------------------------------


def test_a_cast_vote_cannot_be_cast_again_or_changed(hall, mod):
    a = member(hall)
    ballot = make_ballot(hall, mod)
    sv.ballot_cast(voter=a, ballot=ballot, choices=["for"])
    with pytest.raises(ValidationError, match="不能更改"):
        sv.ballot_cast(voter=a, ballot=ballot, choices=["against"])
    assert VoteRecord.objects.filter(ballot=ballot).count() == 1
    assert VoteRecord.objects.get(ballot=ballot).choices == ["for"]


def test_the_database_refuses_a_second_participation(hall, mod):
    a = member(hall)
    ballot = make_ballot(hall, mod)
    Participation.objects.create(ballot=ballot, user=a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(ballot=ballot, user=a)


def test_electorate_is_snapshotted_when_the_ballot_opens(hall, mod):
    ballot = make_ballot(hall, mod)
    late = member(hall)
    with pytest.raises(PermissionDenied):
        sv.ballot_cast(voter=late, ballot=ballot, choices=["for"])
    assert ballot.electorate_size == Elector.objects.filter(ballot=ballot).count()


def test_building_electorate_only_lets_that_buildings_approved_members_vote(hall, mod):
    b1 = BuildingFactory(compound=hall.compound)
    inside = member(hall, building=b1)
    says_b1 = UserFactory(building=b1)  # chose 1栋 at registration, no hall approved her
    outside = member(hall)
    ballot = make_ballot(
        hall, mod, electorate_scope=ElectorateScope.BUILDING, electorate_building=b1
    )
    assert set(Elector.objects.filter(ballot=ballot).values_list("user_id", flat=True)) == {
        inside.pk
    }
    sv.ballot_cast(voter=inside, ballot=ballot, choices=["for"])
    for refused in (says_b1, outside):
        with pytest.raises(PermissionDenied, match="不在本次表决的投票人名册中"):
            sv.ballot_cast(voter=refused, ballot=ballot, choices=["for"])
    assert Participation.objects.filter(ballot=ballot).count() == 1


def test_the_building_is_the_one_the_head_approved_not_the_accounts(hall, mod):
    """A member who moves her account to 1栋 after approval is still 2栋's elector, not 1栋's."""
    b1, b2 = BuildingFactory(compound=hall.compound), BuildingFactory(compound=hall.compound)
    member(hall, building=b1)
    mover = member(hall, building=b2)
    mover.building = b1
    mover.save(update_fields=["building"])
    in_b1 = make_ballot(
        hall, mod, electorate_scope=ElectorateScope.BUILDING, electorate_building=b1
    )
    in_b2 = make_ballot(
        hall, mod, electorate_scope=ElectorateScope.BUILDING, electorate_building=b2
    )
    with pytest.raises(PermissionDenied):
        sv.ballot_cast(voter=mover, ballot=in_b1, choices=["for"])
    assert sv.ballot_cast(voter=mover, ballot=in_b2, choices=["for"])


@pytest.mark.parametrize("scope", [ElectorateScope.COMPOUND, ElectorateScope.BUILDING])
def test_sock_puppets_are_on_no_electorate_and_cannot_vote(hall, mod, scope):
    """Issue 11 #2: accounts registered seconds ago, members of no hall (or only applicants)."""
    from community import services as community_services

    b1 = BuildingFactory(compound=hall.compound)
    real = member(hall, building=b1)
    puppets = [
        community_services.user_register(
            username=f"puppet{i}", display_name=f"马甲{i}", password="sTr0ng-pass-9", building=b1
        )
        for i in range(5)
    ]
    community_services.membership_request(user=puppets[0], hall=hall)  # asked, not approved
    ballot = make_ballot(
        hall,
        mod,
        electorate_scope=scope,
        electorate_building=b1 if scope == ElectorateScope.BUILDING else None,
    )
    ids = set(Elector.objects.filter(ballot=ballot).values_list("user_id", flat=True))
    assert real.pk in ids and not ids & {p.pk for p in puppets}
    assert ballot.electorate_size == len(ids)
    for puppet in puppets:
        assert not puppet.has_perm("deliberation.cast_vote", ballot)
        with pytest.raises(PermissionDenied, match="不在本次表决的投票人名册中"):
            sv.ballot_cast(voter=puppet, ballot=ballot, choices=["for"])
    assert not Participation.objects.filter(ballot=ballot).exists()


def test_compound_electorate_is_the_halls_approved_residents(hall, mod):
    b1 = BuildingFactory(compound=hall.compound)
    neighbour = member(hall, building=b1)
    unapproved = UserFactory(building=b1)
    left = member(hall, building=b1)
    Membership.objects.filter(user=left, hall=hall).update(status=MembershipStatus.LEFT)
    elsewhere = member(HallFactory(), building=BuildingFactory())
    ballot = make_ballot(hall, mod, electorate_scope=ElectorateScope.COMPOUND)
    ids = set(Elector.objects.filter(ballot=ballot).values_list("user_id", flat=True))
    assert neighbour.pk in ids and mod.pk in ids
    assert not ids & {unapproved.pk, left.pk, elsewhere.pk}


def test_choices_are_checked(hall, mod):
    a = member(hall)
    poll = make_ballot(
        hall, mod, kind=BallotKind.MULTIPLE_CHOICE, options=["种花", "修椅", "装灯"], max_choices=2
    )
    with pytest.raises(ValidationError, match="最多只能选 2 项"):
        sv.ballot_cast(voter=a, ballot=poll, choices=["o1", "o2", "o3"])
    with pytest.raises(ValidationError):
        sv.ballot_cast(voter=a, ballot=poll, choices=["o9"])
    assert sv.ballot_cast(voter=a, ballot=poll, choices=["o3", "o1"])
    assert VoteRecord.objects.get(ballot=poll).choices == ["o1", "o3"]


def test_online_window_is_enforced_and_ended_ballots_close_on_read(hall, mod):
    a, b = voters(hall, 2)
    now = timezone.now()
    ballot = make_ballot(hall, mod, ends_at=now + timedelta(hours=2), quorum_fraction="0.1")
    sv.ballot_cast(voter=a, ballot=ballot, choices=["for"], now=now + timedelta(hours=1))
    with pytest.raises(ValidationError, match="已经结束"):
        sv.ballot_cast(voter=b, ballot=ballot, choices=["for"], now=now + timedelta(hours=3))
    assert sv.settle_ballots(hall=hall, now=now + timedelta(hours=1)) == 0
    assert sv.settle_ballots(hall=hall, now=now + timedelta(hours=3)) == 1
    ballot.refresh_from_db()
    assert ballot.state == "closed" and ballot.result == BallotResult.PASSED
    assert ballot.closed_by is None


# --- outcome: the stored result is the tally of the database counts --------------------------


CASES = [
    # kind, rule, electorate voters, casts, quorum, expected
    (
        BallotKind.FOR_AGAINST,
        MajorityRule.FOR_GT_AGAINST,
        ["for", "for", "against"],
        "0.5",
        "passed",
    ),
    (
        BallotKind.FOR_AGAINST,
        MajorityRule.FOR_GT_AGAINST,
        ["for", "against", "abstain"],
        "0.5",
        "failed",
    ),
    (
        BallotKind.FOR_AGAINST,
        MajorityRule.HALF_OF_CAST,
        ["for", "for", "against", "abstain"],
        "0.5",
        "passed",
    ),
    (
        BallotKind.FOR_AGAINST,
        MajorityRule.HALF_OF_ELECTORATE,
        ["for", "for", "abstain", "abstain"],
        "0.5",
        "failed",
    ),
    (BallotKind.FOR_AGAINST, MajorityRule.TWO_THIRDS, ["for", "for", "against"], "0.5", "passed"),
    (
        BallotKind.FOR_AGAINST,
        MajorityRule.TWO_THIRDS,
        ["for", "against", "for", "against", "for"],
        "0.5",
        "failed",
    ),
    (BallotKind.FOR_AGAINST, MajorityRule.FOR_GT_AGAINST, ["for"], "0.667", "no_quorum"),
]


@pytest.mark.parametrize(("kind", "rule", "casts", "quorum", "expected"), CASES)
def test_stored_result_is_the_tally_of_the_db_counts(
    kind, rule, casts, quorum, expected, hall, mod
):
    people = voters(hall, 5)  # electorate: 5 + the moderator = 6
    ballot = make_ballot(hall, mod, kind=kind, majority_rule=rule, quorum_fraction=quorum)
    for person, choice in zip(people, casts, strict=False):
        sv.ballot_cast(voter=person, ballot=ballot, choices=[choice])
    sv.ballot_close(actor=mod, ballot=ballot)
    ballot.refresh_from_db()
    assert ballot.result == expected
    again = tally.tally(
        ballot=tally.BallotSpec(kind=tally.BallotKind.FOR_AGAINST),
        rule=tally.Rule(
            majority=rule, quorum_fraction=tally.Fraction(quorum), quorum_basis="voted"
        ),
        electorate=6,
        present=len(casts),
        sources=[
            tally.Counts(
                tally.Source.ONLINE,
                {c: casts.count(c) for c in set(casts)},
                len(casts),
            )
        ],
    )
    assert ballot.outcome["result"] == str(again.result)
    assert ballot.outcome["totals"] == again.totals
    assert ballot.outcome["rule"]["majority"] == rule
    db_for = sum(
        "for" in c
        for c in VoteRecord.objects.filter(ballot=ballot).values_list("choices", flat=True)
    )
    assert ballot.outcome["totals"]["for"] == db_for == casts.count("for")


def test_multiple_choice_picks_the_top_k(hall, mod):
    people = voters(hall, 5)
    poll = make_ballot(
        hall,
        mod,
        kind=BallotKind.MULTIPLE_CHOICE,
        options=["种花", "修椅", "装灯"],
        max_choices=2,
        quorum_fraction="0.5",
    )
    for person, picks in zip(
        people, [["o1", "o2"], ["o1"], ["o2", "o3"], ["o1", "o2"], []], strict=True
    ):
        sv.ballot_cast(voter=person, ballot=poll, choices=picks)
    sv.ballot_close(actor=mod, ballot=poll)
    assert poll.outcome["totals"] == {"o1": 3, "o2": 3, "o3": 1, "abstain": 1}
    assert poll.outcome["winners"] == ["o1", "o2"]
    assert poll.result == "passed"


def test_closing_moves_the_deliberating_proposal_to_voted(hall, mod):
    a, b = voters(hall, 2)
    proposal = proposal_in(hall)
    ballot = make_ballot(hall, mod, proposal=proposal, quorum_fraction="0.1")
    sv.ballot_cast(voter=a, ballot=ballot, choices=["for"])
    sv.ballot_cast(voter=b, ballot=ballot, choices=["against"])
    sv.ballot_close(actor=mod, ballot=ballot)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.VOTED
    assert proposal.outcome == VoteOutcome.FAILED  # a tie fails
    assert proposal.events.last().note.startswith("表决")


def test_a_proposal_must_be_deliberating_to_be_voted_on(hall, mod):
    proposal = proposal_in(hall, ProposalState.ACCEPTED)
    ballot = make_ballot(hall, mod, proposal=proposal, open_=False)
    with pytest.raises(ValidationError, match="议事中"):
        sv.ballot_open(actor=mod, ballot=ballot)
    with pytest.raises(ValidationError):
        make_ballot(hall, mod, proposal=proposal_in(hall, ProposalState.COLLECTING))


def test_ledger_gets_open_close_and_outcome(hall, mod):
    a = member(hall)
    ballot = make_ballot(hall, mod, secret=False)
    sv.ballot_cast(voter=a, ballot=ballot, choices=["for"])
    sv.ballot_close(actor=mod, ballot=ballot)
    assert kinds(hall) == [
        ledger.BALLOT_OPENED,
        ledger.BALLOT_CAST,
        ledger.BALLOT_CLOSED,
        ledger.OUTCOME_RECORDED,
    ]
    outcome = LedgerEntry.objects.get(hall=hall, kind=ledger.OUTCOME_RECORDED).payload
    assert outcome["result"] == ballot.result and outcome["totals"]["for"] == 1
    assert ledger_selectors.ledger_verify(hall).ok


def test_settings_are_locked_once_open(hall, mod):
    ballot = make_ballot(hall, mod)
    with pytest.raises(ValidationError):
        sv.ballot_open(actor=mod, ballot=ballot)


# --- hand counts ------------------------------------------------------------------------------


def test_hand_count_ceiling_excludes_people_who_voted_online(hall, mod):
    people = voters(hall, 4)
    ballot = make_ballot(hall, mod, mode=BallotMode.LIVE, quorum_basis="present")
    sv.ballot_cast(voter=people[0], ballot=ballot, choices=["for"])
    present = {p.pk for p in people}  # 4 checked in, one of them voted online
    with pytest.raises(ValidationError, match="超过"):
        sv.ballot_enter_hand_count(
            actor=mod, ballot=ballot, voters=4, votes={"for": 4}, present_user_ids=present
        )
    sv.ballot_enter_hand_count(
        actor=mod, ballot=ballot, voters=3, votes={"for": 2, "against": 1}, present_user_ids=present
    )
    # counted by hand: cannot vote online afterwards
    with pytest.raises(ValidationError, match="举手"):
        sv.ballot_cast(voter=people[1], ballot=ballot, choices=["against"])
    sv.ballot_close(actor=mod, ballot=ballot)
    assert ballot.outcome["by_source"]["hand"]["ballots"] == 3
    assert ballot.outcome["totals"]["for"] == 3
    assert ballot.outcome["present"] == 4
    assert ledger.HAND_COUNT_ENTERED in kinds(hall)


def test_a_hand_count_holds_back_only_as_many_as_it_counted(hall, mod):
    """voters: 0 blocks nobody; voters: 1 of 3 present leaves two online votes, not three."""
    people = voters(hall, 3)
    present = {p.pk for p in people}
    ballot = make_ballot(hall, mod, mode=BallotMode.LIVE, quorum_basis="present")
    sv.ballot_enter_hand_count(
        actor=mod, ballot=ballot, voters=0, votes={}, present_user_ids=present
    )
    sv.ballot_cast(voter=people[0], ballot=ballot, choices=["for"])
    other = make_ballot(hall, mod, mode=BallotMode.LIVE, quorum_basis="present")
    sv.ballot_enter_hand_count(
        actor=mod, ballot=other, voters=1, votes={"for": 1}, present_user_ids=present
    )
    sv.ballot_cast(voter=people[0], ballot=other, choices=["against"])
    sv.ballot_cast(voter=people[1], ballot=other, choices=["against"])
    with pytest.raises(ValidationError, match="计满"):
        sv.ballot_cast(voter=people[2], ballot=other, choices=["for"])
    sv.ballot_close(actor=mod, ballot=other)
    assert other.outcome["totals"]["for"] == 1 and other.outcome["totals"]["against"] == 2


def test_hand_counts_must_add_up(hall, mod):
    people = voters(hall, 3)
    ballot = make_ballot(hall, mod, mode=BallotMode.LIVE)
    with pytest.raises(ValidationError):
        sv.ballot_enter_hand_count(
            actor=mod,
            ballot=ballot,
            voters=2,
            votes={"for": 3},
            present_user_ids={p.pk for p in people},
        )
    assert not HandCount.objects.exists()


def test_only_the_moderator_enters_hand_counts(hall, mod):
    people = voters(hall, 2)
    ballot = make_ballot(hall, mod, mode=BallotMode.LIVE)
    with pytest.raises(PermissionDenied):
        sv.ballot_enter_hand_count(
            actor=people[0],
            ballot=ballot,
            voters=1,
            votes={"for": 1},
            present_user_ids={people[1].pk},
        )


# --- proxies ------------------------------------------------------------------------------------


def test_proxy_vote_is_recorded_with_who_cast_it_and_capped(hall, mod):
    holder, g1, g2 = voters(hall, 3)
    ballot = make_ballot(hall, mod, secret=False, proxy_cap=1)
    sv.ballot_authorize_proxy(actor=mod, ballot=ballot, grantor=g1, holder=holder, note="书面委托")
    with pytest.raises(ValidationError, match="上限"):
        sv.ballot_authorize_proxy(actor=mod, ballot=ballot, grantor=g2, holder=holder)
    with pytest.raises(PermissionDenied):
        sv.ballot_cast(voter=holder, ballot=ballot, choices=["for"], on_behalf_of=g2)
    sv.ballot_cast(voter=holder, ballot=ballot, choices=["for"], on_behalf_of=g1)
    sv.ballot_cast(voter=holder, ballot=ballot, choices=["against"])
    p = Participation.objects.get(ballot=ballot, user=g1)
    assert p.via == "proxy" and p.cast_by == holder
    with pytest.raises(ValidationError):
        sv.ballot_cast(voter=g1, ballot=ballot, choices=["against"])
    entry = LedgerEntry.objects.get(hall=hall, kind=ledger.PROXY_CAST)
    assert entry.payload["voter"] == g1.pk and entry.payload["holder"] == holder.pk
    sv.ballot_close(actor=mod, ballot=ballot)
    assert ballot.outcome["by_source"]["proxy"]["for"] == 1
    assert ballot.outcome["by_source"]["online"]["against"] == 1


@pytest.mark.parametrize("open_", [False, True])
def test_a_proxy_to_or_from_an_unapproved_account_is_refused(hall, mod, open_):
    """Proxies follow the electorate's rule, before the snapshot (draft) and after (open)."""
    b1 = BuildingFactory(compound=hall.compound)
    real = member(hall, building=b1)
    puppet = UserFactory(building=b1)
    ballot = make_ballot(hall, mod, open_=open_, electorate_scope=ElectorateScope.COMPOUND)
    with pytest.raises(ValidationError, match="委托人不在投票范围内"):
        sv.ballot_authorize_proxy(actor=mod, ballot=ballot, grantor=puppet, holder=real)
    with pytest.raises(ValidationError, match="受托人须在投票范围内"):
        sv.ballot_authorize_proxy(actor=mod, ballot=ballot, grantor=real, holder=puppet)


def test_only_moderators_record_proxies(hall, mod):
    a, b = voters(hall, 2)
    ballot = make_ballot(hall, mod)
    with pytest.raises(PermissionDenied):
        sv.ballot_authorize_proxy(actor=a, ballot=ballot, grantor=b, holder=a)
