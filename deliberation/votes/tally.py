"""Count a ballot and decide its outcome: pure functions, exact integer arithmetic (docs/votes.md).

No database here: the ballots code gathers the counts (online, hand counts, proxies — each kept
as its own source), calls `tally(...)`, stores `Outcome.to_dict()` and appends it to the ledger.
The enums are the models' own TextChoices (deliberation.votes.choices), not copies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError

from community.models import MajorityRule
from deliberation.votes.choices import BallotKind, BallotResult, OptionKey, QuorumBasis, Source

FOR, AGAINST, ABSTAIN = OptionKey.FOR.value, OptionKey.AGAINST.value, OptionKey.ABSTAIN.value
FOR_AGAINST_OPTIONS = (FOR, AGAINST)


class TallyError(ValidationError):
    """The counts or the rule given to `tally` are impossible; the message says why (Chinese)."""


@dataclass(frozen=True)
class BallotSpec:
    """What is voted on: the kind, the options of a poll, and k for multiple choice."""

    kind: BallotKind
    options: tuple[str, ...] = FOR_AGAINST_OPTIONS
    max_choices: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "options": list(self.options),
            "max_choices": self.max_choices,
        }


@dataclass(frozen=True)
class Rule:
    """The rules chosen when the ballot is opened; echoed in the outcome."""

    majority: str  # a community.models.MajorityRule value
    quorum_fraction: Decimal | Fraction
    quorum_basis: QuorumBasis = QuorumBasis.PRESENT
    # Whether abstentions (blank ballots in a poll) are part of "votes cast", the base of
    # half_of_cast and two_thirds. for_gt_against and half_of_electorate never look at them.
    abstentions_count_as_cast: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "majority": str(self.majority),
            "quorum_fraction": str(self.quorum_fraction),
            "quorum_basis": str(self.quorum_basis),
            "abstentions_count_as_cast": self.abstentions_count_as_cast,
        }


@dataclass(frozen=True)
class Counts:
    """The votes from one source: option → count (key "abstain" = abstentions / blank ballots).

    `ballots` (how many people voted through this source) is needed for multiple choice,
    where option counts do not add up to people; elsewhere it is the sum and may be left out.
    """

    source: Source
    votes: Mapping[str, int]
    ballots: int | None = None


@dataclass(frozen=True)
class Outcome:
    """The result with the counts and the rule that produced it (`to_dict()` is stored)."""

    result: BallotResult
    ballot: BallotSpec
    rule: Rule
    electorate: int
    present: int | None
    ballots: int  # people who voted, abstentions / blank ballots included
    abstentions: int
    cast: int  # "votes cast": the base of half_of_cast and two_thirds under the rule
    totals: dict[str, int]  # option → votes, all sources together, plus "abstain"
    by_source: dict[str, dict[str, int]]  # source → its votes and "ballots"
    quorum_met: bool
    quorum_needed: int  # the smallest count that meets the quorum
    winners: tuple[str, ...] = ()  # polls: the chosen options
    tied: tuple[str, ...] = ()  # polls: options tied for the last seat(s), none chosen

    @property
    def passed(self) -> bool:
        return self.result == BallotResult.PASSED

    def to_dict(self) -> dict[str, Any]:
        return {
            "result": str(self.result),
            "ballot": self.ballot.to_dict(),
            "rule": self.rule.to_dict(),
            "electorate": self.electorate,
            "present": self.present,
            "ballots": self.ballots,
            "abstentions": self.abstentions,
            "cast": self.cast,
            "totals": dict(self.totals),
            "by_source": {k: dict(v) for k, v in self.by_source.items()},
            "quorum_met": self.quorum_met,
            "quorum_needed": self.quorum_needed,
            "winners": list(self.winners),
            "tied": list(self.tied),
        }


# --- validation ---------------------------------------------------------------------------


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TallyError(f"{what}必须是整数。")
    if value < 0:
        raise TallyError(f"{what}不能为负数（{value}）。")
    return value


def _fraction(value: Decimal | Fraction) -> Fraction:
    if isinstance(value, float) or not isinstance(value, Decimal | Fraction):
        raise TallyError("法定人数比例必须是 Decimal 或 Fraction（不用浮点数）。")
    exact = Fraction(value)
    if not 0 < exact <= 1:
        raise TallyError(f"法定人数比例必须大于 0 且不超过 1（现为 {value}）。")
    return exact


def _enum(cls, value, what: str):
    try:
        return cls(value)
    except ValueError:
        raise TallyError(f"未知的{what}：{value}。") from None


def _check_spec(spec: BallotSpec) -> None:
    kind = _enum(BallotKind, spec.kind, "表决类型")
    if kind == BallotKind.FOR_AGAINST:
        if tuple(spec.options) != FOR_AGAINST_OPTIONS or spec.max_choices != 1:
            raise TallyError("赞成/反对/弃权表决的选项固定为 for、against。")
        return
    options = list(spec.options)
    if len(options) < 2 or len(set(options)) != len(options):
        raise TallyError("选项至少两个且不能重复。")
    if any(not isinstance(o, str) or not o or o == ABSTAIN for o in options):
        raise TallyError("选项必须是非空文字，且不能叫 abstain。")
    if kind == BallotKind.SINGLE_CHOICE and spec.max_choices != 1:
        raise TallyError("单选只能选 1 项。")
    if not 1 <= _count(spec.max_choices, "最多可选项数") <= len(options):
        raise TallyError("最多可选项数必须在 1 和选项数之间。")


def _source_ballots(spec: BallotSpec, counts: Counts) -> tuple[dict[str, int], int]:
    name = Source(counts.source).label
    allowed = set(spec.options) | {ABSTAIN}
    unknown = sorted(set(counts.votes) - allowed)
    if unknown:
        raise TallyError(f"来源 {name} 有未知选项：{', '.join(map(str, unknown))}。")
    votes = {o: _count(counts.votes.get(o, 0), f"{name} 的「{o}」票数") for o in sorted(allowed)}
    total = sum(votes.values())
    if spec.kind != BallotKind.MULTIPLE_CHOICE:
        if counts.ballots is not None and _count(counts.ballots, "投票人数") != total:
            raise TallyError(f"来源 {name} 的投票人数 {counts.ballots} 与票数合计 {total} 不符。")
        return votes, total
    if counts.ballots is None:
        raise TallyError(f"多选表决须给出来源 {name} 的投票人数。")
    ballots = _count(counts.ballots, f"{name} 的投票人数")
    if votes[ABSTAIN] > ballots:
        raise TallyError(f"来源 {name} 的弃权票多于投票人数。")
    marked = ballots - votes[ABSTAIN]  # ballots that chose at least one option
    chosen = total - votes[ABSTAIN]
    if any(votes[o] > marked for o in spec.options):
        raise TallyError(f"来源 {name} 某选项的票数多于有效选票数 {marked}。")
    if not marked <= chosen <= marked * spec.max_choices:
        raise TallyError(
            f"来源 {name}：{marked} 张有效选票每张选 1 至 {spec.max_choices} 项，"
            f"选项票数合计应在 {marked} 和 {marked * spec.max_choices} 之间（现为 {chosen}）。"
        )
    return votes, ballots


def merge_counts(
    spec: BallotSpec, sources: Sequence[Counts]
) -> tuple[dict[str, int], int, dict[str, dict[str, int]]]:
    """Validate each source and add them up: (totals, ballots, by_source)."""
    seen: set[str] = set()
    totals = {o: 0 for o in (*spec.options, ABSTAIN)}
    ballots = 0
    by_source: dict[str, dict[str, int]] = {}
    for counts in sources:
        source = str(_enum(Source, counts.source, "计票来源"))
        if source in seen:
            raise TallyError(f"计票来源 {source} 重复；同一来源请先合并。")
        seen.add(source)
        votes, n = _source_ballots(spec, counts)
        for option, c in votes.items():
            totals[option] += c
        ballots += n
        by_source[source] = {**{o: votes[o] for o in totals}, "ballots": n}
    return totals, ballots, by_source


# --- the rules ----------------------------------------------------------------------------


def meets_majority(rule: str, *, votes: int, against: int, cast: int, electorate: int) -> bool:
    """Whether `votes` (for a motion, or for one option) meet the majority rule."""
    if votes <= 0:  # nothing passes without a single vote (and 3*0 >= 2*0 must not)
        return False
    match MajorityRule(rule):
        case MajorityRule.FOR_GT_AGAINST:
            return votes > against
        case MajorityRule.HALF_OF_CAST:
            return 2 * votes > cast
        case MajorityRule.HALF_OF_ELECTORATE:
            return 2 * votes > electorate
        case MajorityRule.TWO_THIRDS:
            return 3 * votes >= 2 * cast
    raise TallyError(f"未知的表决规则：{rule}")  # pragma: no cover


def quorum_needed(electorate: int, fraction: Decimal | Fraction) -> int:
    """The smallest n with n / electorate >= fraction (n * den >= electorate * num)."""
    exact = _fraction(fraction)
    return -(-electorate * exact.numerator // exact.denominator)


def _winners(
    options: Sequence[str], totals: Mapping[str, int], qualifying: set[str], seats: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Qualifying options ranked by votes: those clearly within `seats` win; a tie across the
    last seat leaves the tied options unchosen (listed as tied)."""
    winners, tied = [], []
    for o in options:
        if o not in qualifying:
            continue
        at_least = sum(1 for p in qualifying if totals[p] >= totals[o])
        above = sum(1 for p in qualifying if totals[p] > totals[o])
        if at_least <= seats:
            winners.append(o)
        elif above < seats:
            tied.append(o)
    return tuple(winners), tuple(tied)


def tally(
    *,
    ballot: BallotSpec,
    rule: Rule,
    electorate: int,
    present: int | None,
    sources: Sequence[Counts],
) -> Outcome:
    """Merge the sources, check the quorum, apply the majority rule; raise TallyError if impossible."""
    _check_spec(ballot)
    _enum(MajorityRule, rule.majority, "过半数规则")
    basis = _enum(QuorumBasis, rule.quorum_basis, "法定人数计算基数")
    if not isinstance(rule.abstentions_count_as_cast, bool):
        raise TallyError("abstentions_count_as_cast 必须是真或假。")
    fraction = _fraction(rule.quorum_fraction)
    if _count(electorate, "应到人数") < 1:
        raise TallyError("应到人数至少为 1。")
    if present is not None and _count(present, "到会人数") > electorate:
        raise TallyError(f"到会人数 {present} 超过应到人数 {electorate}。")
    if basis == QuorumBasis.PRESENT and present is None:
        raise TallyError("按到会人数计算法定人数时须给出到会人数。")

    totals, ballots, by_source = merge_counts(ballot, sources)
    if ballots > electorate:
        raise TallyError(f"投票人数 {ballots} 超过应到人数 {electorate}。")
    abstentions = totals[ABSTAIN]
    cast = ballots if rule.abstentions_count_as_cast else ballots - abstentions

    turnout = ballots if basis == QuorumBasis.VOTED else (present or 0)
    quorum_met = turnout * fraction.denominator >= electorate * fraction.numerator
    winners: tuple[str, ...] = ()
    tied: tuple[str, ...] = ()
    if not quorum_met:
        result = BallotResult.NO_QUORUM
    elif ballot.kind == BallotKind.FOR_AGAINST:
        ok = meets_majority(
            rule.majority,
            votes=totals[FOR],
            against=totals[AGAINST],
            cast=cast,
            electorate=electorate,
        )
        result = BallotResult.PASSED if ok else BallotResult.FAILED
    else:
        # In a poll "more for than against" is a plurality: ranking alone decides.
        plurality = MajorityRule(rule.majority) == MajorityRule.FOR_GT_AGAINST
        qualifying = {
            o
            for o in ballot.options
            if totals[o] > 0
            and (
                plurality
                or meets_majority(
                    rule.majority, votes=totals[o], against=0, cast=cast, electorate=electorate
                )
            )
        }
        winners, tied = _winners(ballot.options, totals, qualifying, ballot.max_choices)
        result = BallotResult.PASSED if winners else BallotResult.FAILED
    return Outcome(
        result=result,
        ballot=ballot,
        rule=rule,
        electorate=electorate,
        present=present,
        ballots=ballots,
        abstentions=abstentions,
        cast=cast,
        totals=totals,
        by_source=by_source,
        quorum_met=quorum_met,
        quorum_needed=quorum_needed(electorate, fraction),
        winners=winners,
        tied=tied,
    )
