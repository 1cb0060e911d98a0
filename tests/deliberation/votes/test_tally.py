"""The tally: every ballot kind × majority rule × quorum case, against a naive reference."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from community.models import MajorityRule
from deliberation.votes.choices import BallotKind, QuorumBasis, Source
from deliberation.votes.choices import BallotResult as Result
from deliberation.votes.tally import (
    ABSTAIN,
    BallotSpec,
    Counts,
    Rule,
    TallyError,
    quorum_needed,
    tally,
)

YES_NO = BallotSpec(kind=BallotKind.FOR_AGAINST)


def motion(
    majority,
    *,
    f=0,
    a=0,
    ab=0,
    electorate=100,
    present=100,
    fraction=Decimal("0.5"),
    abstentions_count_as_cast=False,
    basis=QuorumBasis.PRESENT,
):
    rule = Rule(
        majority=majority,
        quorum_fraction=fraction,
        quorum_basis=basis,
        abstentions_count_as_cast=abstentions_count_as_cast,
    )
    votes = {"for": f, "against": a, "abstain": ab}
    return tally(
        ballot=YES_NO,
        rule=rule,
        electorate=electorate,
        present=present,
        sources=[Counts(source=Source.ONLINE, votes=votes)],
    )


# --- explicit edges of each rule --------------------------------------------------------------


def test_for_gt_against_tie_fails_and_abstentions_do_not_matter():
    assert motion(MajorityRule.FOR_GT_AGAINST, f=5, a=5).result == Result.FAILED
    assert motion(MajorityRule.FOR_GT_AGAINST, f=6, a=5).result == Result.PASSED
    out = motion(MajorityRule.FOR_GT_AGAINST, f=3, a=2, ab=40, abstentions_count_as_cast=True)
    assert out.result == Result.PASSED


def test_half_of_cast_exactly_half_fails_and_abstention_handling_decides():
    assert motion(MajorityRule.HALF_OF_CAST, f=5, a=5).result == Result.FAILED
    assert motion(MajorityRule.HALF_OF_CAST, f=6, a=5).result == Result.PASSED
    # 5 for, 4 against, 1 abstain: 5 of 9 is more than half, 5 of 10 is not.
    assert motion(MajorityRule.HALF_OF_CAST, f=5, a=4, ab=1).result == Result.PASSED
    out = motion(MajorityRule.HALF_OF_CAST, f=5, a=4, ab=1, abstentions_count_as_cast=True)
    assert (out.result, out.cast) == (Result.FAILED, 10)


def test_half_of_electorate_counts_against_everyone_entitled():
    assert motion(MajorityRule.HALF_OF_ELECTORATE, f=50, a=0, electorate=100).result == "failed"
    assert motion(MajorityRule.HALF_OF_ELECTORATE, f=51, a=40, electorate=100).result == "passed"


def test_two_thirds_is_at_least_two_thirds_of_votes_cast():
    assert motion(MajorityRule.TWO_THIRDS, f=6, a=3).result == Result.PASSED  # exactly 2/3
    assert motion(MajorityRule.TWO_THIRDS, f=5, a=3).result == Result.FAILED
    assert motion(MajorityRule.TWO_THIRDS, f=6, a=2, ab=2).result == Result.PASSED
    out = motion(MajorityRule.TWO_THIRDS, f=6, a=2, ab=2, abstentions_count_as_cast=True)
    assert out.result == Result.FAILED  # 6 of 10


@pytest.mark.parametrize("majority", MajorityRule.values)
def test_zero_votes_never_pass(majority):
    assert motion(majority, f=0, a=0).result == Result.FAILED
    assert motion(majority, f=0, a=0, ab=3).result == Result.FAILED


def test_quorum_exactly_at_the_fraction_is_met():
    assert motion(
        MajorityRule.FOR_GT_AGAINST, f=2, electorate=3, present=2, fraction=Fraction(2, 3)
    ).quorum_met
    out = motion(MajorityRule.FOR_GT_AGAINST, f=1, electorate=3, present=1, fraction=Fraction(2, 3))
    assert out.result == Result.NO_QUORUM
    # The hall default 0.667 is exact: 667 of 1000 is enough, 2 of 3 (0.6666…) is not.
    assert motion(
        "for_gt_against", f=1, electorate=1000, present=667, fraction=Decimal("0.667")
    ).quorum_met
    out = motion("for_gt_against", f=1, electorate=1000, present=666, fraction=Decimal("0.667"))
    assert (out.result, out.quorum_needed) == (Result.NO_QUORUM, 667)
    assert not motion(
        "for_gt_against", f=2, electorate=3, present=2, fraction=Decimal("0.667")
    ).quorum_met
    assert quorum_needed(3, Fraction(2, 3)) == 2 and quorum_needed(3, Decimal("0.667")) == 3


def test_quorum_on_votes_cast_counts_abstentions_as_participation():
    out = motion(
        MajorityRule.FOR_GT_AGAINST,
        f=3,
        a=1,
        ab=2,
        electorate=10,
        present=None,
        fraction=Decimal("0.6"),
        basis=QuorumBasis.VOTED,
    )
    assert (out.quorum_met, out.result) == (True, Result.PASSED)
    out = motion(
        MajorityRule.FOR_GT_AGAINST,
        f=3,
        a=1,
        ab=1,
        electorate=10,
        present=10,
        fraction=Decimal("0.6"),
        basis=QuorumBasis.VOTED,
    )
    assert out.result == Result.NO_QUORUM


def test_sources_are_merged_and_each_kept():
    out = tally(
        ballot=YES_NO,
        rule=Rule(majority="for_gt_against", quorum_fraction=Decimal("0.5")),
        electorate=20,
        present=12,
        sources=[
            Counts(source=Source.ONLINE, votes={"for": 3}),
            Counts(source=Source.HAND, votes={"for": 2, "against": 1, "abstain": 1}),
            Counts(source=Source.PROXY, votes={"against": 1}),
        ],
    )
    assert out.totals == {"for": 5, "against": 2, "abstain": 1}
    assert out.by_source["hand"] == {"for": 2, "against": 1, "abstain": 1, "ballots": 4}
    assert out.ballots == 8 and out.result == Result.PASSED
    stored = json.loads(json.dumps(out.to_dict()))
    assert stored["rule"] == {
        "majority": "for_gt_against",
        "quorum_fraction": "0.5",
        "quorum_basis": "present",
        "abstentions_count_as_cast": False,
    }
    assert stored["result"] == "passed" and stored["by_source"]["proxy"]["against"] == 1


def poll(options, votes, *, k=1, majority="for_gt_against", ballots=None, electorate=50):
    kind = BallotKind.SINGLE_CHOICE if k == 1 and ballots is None else BallotKind.MULTIPLE_CHOICE
    return tally(
        ballot=BallotSpec(kind=kind, options=tuple(options), max_choices=k),
        rule=Rule(majority=majority, quorum_fraction=Decimal("0.1")),
        electorate=electorate,
        present=electorate,
        sources=[Counts(source=Source.ONLINE, votes=votes, ballots=ballots)],
    )


def test_single_choice_plurality_and_ties():
    out = poll(["红", "绿", "蓝"], {"红": 4, "绿": 3, "蓝": 3})
    assert (out.result, out.winners, out.tied) == (Result.PASSED, ("红",), ())
    out = poll(["红", "绿", "蓝"], {"红": 4, "绿": 4, "蓝": 3})
    assert (out.result, out.winners, out.tied) == (Result.FAILED, (), ("红", "绿"))
    out = poll(["红", "绿", "蓝"], {"红": 4, "绿": 3, "蓝": 3}, majority="half_of_cast")
    assert out.result == Result.FAILED  # 4 of 10 is a plurality, not a majority


def test_multiple_choice_up_to_k_with_a_tie_on_the_last_seat():
    votes = {"a": 5, "b": 4, "c": 4, "d": 1}
    out = poll("abcd", votes, k=2, ballots=7)
    assert (out.winners, out.tied, out.result) == (("a",), ("b", "c"), Result.PASSED)
    out = poll("abcd", {"a": 5, "b": 4, "c": 3, "d": 1}, k=2, ballots=7)
    assert (out.winners, out.tied) == (("a", "b"), ())
    out = poll(
        "abcd",
        {"a": 5, "b": 3, "c": 3, "d": 2, ABSTAIN: 2},
        k=2,
        ballots=9,
        majority="half_of_cast",
    )
    assert out.winners == ("a",) and out.cast == 7


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"votes": {"for": -1}}, "负数"),
        ({"votes": {"for": 8, "against": 3}}, "超过应到人数"),
        ({"votes": {"maybe": 1}}, "未知选项"),
        ({"votes": {"for": 1}, "present": 11}, "到会人数"),
        ({"votes": {"for": 1}, "present": None}, "到会人数"),
        ({"votes": {"for": 1}, "fraction": 0.5}, "浮点"),
        ({"votes": {"for": 1}, "fraction": Decimal("0")}, "大于 0"),
        ({"votes": {"for": 1}, "ballots": 3}, "不符"),
    ],
)
def test_impossible_inputs_are_refused_clearly(kwargs, message):
    present = kwargs.get("present", 10)
    with pytest.raises(TallyError, match=message):
        tally(
            ballot=YES_NO,
            rule=Rule(
                majority="half_of_cast", quorum_fraction=kwargs.get("fraction", Decimal("0.5"))
            ),
            electorate=10,
            present=present,
            sources=[
                Counts(source=Source.HAND, votes=kwargs["votes"], ballots=kwargs.get("ballots"))
            ],
        )


def test_multiple_choice_counts_must_fit_the_ballots():
    with pytest.raises(TallyError, match="投票人数"):
        tally(
            ballot=BallotSpec(
                kind=BallotKind.MULTIPLE_CHOICE, options=("a", "b", "c"), max_choices=2
            ),
            rule=Rule(majority="half_of_cast", quorum_fraction=Decimal("0.5")),
            electorate=10,
            present=10,
            sources=[Counts(source=Source.ONLINE, votes={"a": 1})],
        )
    with pytest.raises(TallyError, match="之间"):
        poll("abc", {"a": 3, "b": 3, "c": 3}, k=2, ballots=3)  # 9 marks on 3 ballots of ≤ 2
    with pytest.raises(TallyError, match="多于"):
        poll("abc", {"a": 4}, k=2, ballots=3)
    with pytest.raises(TallyError, match="重复"):
        tally(
            ballot=YES_NO,
            rule=Rule(majority="half_of_cast", quorum_fraction=Decimal("0.5")),
            electorate=10,
            present=10,
            sources=[Counts(source="hand", votes={"for": 1})] * 2,
        )


# --- property: equals a naive reference -------------------------------------------------------


def reference(kind, options, k, rule, electorate, present, ballots_by_source):
    """Deliberately plain: look at each ballot, compare exact fractions, sort and cut."""
    everything = [b for bs in ballots_by_source.values() for b in bs]
    voted = len(everything)
    blank = len([b for b in everything if len(b) == 0])
    if rule.quorum_basis == "present":
        turnout = present
    else:
        turnout = voted
    if Fraction(turnout, electorate) < Fraction(rule.quorum_fraction):
        return "no_quorum", [], []
    if rule.abstentions_count_as_cast:
        base = voted
    else:
        base = voted - blank

    def enough(v):
        if v == 0:
            return False
        if rule.majority == "half_of_cast":
            return Fraction(v, base) > Fraction(1, 2)
        if rule.majority == "half_of_electorate":
            return Fraction(v, electorate) > Fraction(1, 2)
        if rule.majority == "two_thirds":
            return Fraction(v, base) >= Fraction(2, 3)
        return True

    votes = {o: len([b for b in everything if o in b]) for o in options}
    if kind == "for_against":
        if rule.majority == "for_gt_against":
            ok = votes["for"] > votes["against"]
        else:
            ok = enough(votes["for"])
        return ("passed" if ok else "failed"), [], []
    candidates = [o for o in options if votes[o] > 0 and enough(votes[o])]
    ranked = sorted(candidates, key=lambda o: votes[o], reverse=True)
    if len(ranked) <= k:
        winners, tied = ranked, []
    elif votes[ranked[k - 1]] > votes[ranked[k]]:
        winners, tied = ranked[:k], []
    else:
        cut = votes[ranked[k - 1]]
        winners = [o for o in ranked if votes[o] > cut]
        tied = [o for o in ranked if votes[o] == cut]
    return ("passed" if winners else "failed"), sorted(winners), sorted(tied)


FRACTIONS = [
    Decimal("0.5"),
    Decimal("0.667"),
    Decimal("0.6"),
    Decimal("1"),
    Decimal("0.01"),
    Fraction(2, 3),
]


@st.composite
def scenarios(draw):
    kind = draw(st.sampled_from(list(BallotKind)))
    if kind == BallotKind.FOR_AGAINST:
        options, k = ("for", "against"), 1
        one = st.sampled_from([("for",), ("against",), ()])
    else:
        n = draw(st.integers(2, 5))
        options = tuple(f"选项{i}" for i in range(n))
        k = 1 if kind == BallotKind.SINGLE_CHOICE else draw(st.integers(1, n))
        one = st.one_of(
            st.just(()),
            st.lists(st.sampled_from(options), min_size=1, max_size=k, unique=True).map(tuple),
        )
    sources = draw(st.lists(st.sampled_from(list(Source)), unique=True, max_size=3))
    ballots_by_source = {s: draw(st.lists(one, max_size=12)) for s in sources}
    voted = sum(len(b) for b in ballots_by_source.values())
    electorate = max(1, voted + draw(st.integers(0, 8)))
    present = draw(st.integers(0, electorate))
    rule = Rule(
        majority=draw(st.sampled_from(MajorityRule.values)),
        quorum_fraction=draw(st.sampled_from(FRACTIONS)),
        quorum_basis=draw(st.sampled_from(list(QuorumBasis))),
        abstentions_count_as_cast=draw(st.booleans()),
    )
    give_ballots = kind == BallotKind.MULTIPLE_CHOICE or draw(st.booleans())
    return kind, options, k, rule, electorate, present, ballots_by_source, give_ballots


@settings(max_examples=600, deadline=None)
@given(scenarios())
def test_outcome_equals_the_naive_reference(case):
    kind, options, k, rule, electorate, present, ballots_by_source, give_ballots = case
    sources = []
    for source, ballots in ballots_by_source.items():
        votes = {o: sum(1 for b in ballots if o in b) for o in options}
        votes[ABSTAIN] = sum(1 for b in ballots if not b)
        sources.append(
            Counts(source=source, votes=votes, ballots=len(ballots) if give_ballots else None)
        )
    out = tally(
        ballot=BallotSpec(kind=kind, options=options, max_choices=k),
        rule=rule,
        electorate=electorate,
        present=present,
        sources=sources,
    )
    expected = reference(kind, options, k, rule, electorate, present, ballots_by_source)
    assert (out.result, sorted(out.winners), sorted(out.tied)) == expected
    assert out.ballots == sum(len(b) for b in ballots_by_source.values())
    for option in options:
        assert out.totals[option] == sum(
            1 for bs in ballots_by_source.values() for b in bs if option in b
        )
    assert set(out.by_source) == {str(s) for s in ballots_by_source}
    assert json.loads(json.dumps(out.to_dict()))["result"] == str(out.result)
