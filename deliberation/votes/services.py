"""Writes of votes: ballots, casting, hand counts, proxies, outcome, resolutions, objections.

See docs/votes.md. Every event that affects a count or a decision is appended to the hall's
ledger (deliberation.ledger.services); counts are decided by deliberation.votes.tally.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.lengths import too_long
from community.models import Building, Hall, MajorityRule, User
from community.selectors import approved_residents
from community.times import bj_format
from deliberation import locks
from deliberation.ledger import services as ledger
from deliberation.models import (
    Ballot,
    BallotOption,
    Elector,
    HandCount,
    Objection,
    Participation,
    ProxyAuthorization,
    Resolution,
    VoteRecord,
)
from deliberation.votes import hooks, notifications, tally, workflow
from deliberation.votes.choices import (
    BallotKind,
    BallotMode,
    BallotResult,
    BallotState,
    ElectorateScope,
    OptionKey,
    ParticipationVia,
    QuorumBasis,
    ResolutionState,
    Source,
)
from deliberation.votes.selectors import (
    ballot_rule,
    ballot_spec,
    closing_outcome,
    hand_full,
    present_voters,
    tally_data,
    text_sha256,
)
from forum.models import Proposal, ProposalState
from forum.workflow import proposal_transition
from realtime import coalesce
from realtime.protocol import event_type
from realtime.publish import publish

ABSTAIN = tally.ABSTAIN
TALLY_WINDOW = 0.25  # seconds: a burst of casts makes a few tally events a second, not one each
MAX_OPTIONS = 20
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or copied by hand

EV_TALLY = event_type(
    "ballot.tally",
    "Live count of a ballot (coalesced). data: {ballot, state, turnout, electorate, "
    "results_visible, totals?: {option key: n, abstain: n}, hand?: {voters, votes}}",
)
EV_STATE = event_type(
    "ballot.state",
    "A ballot opened or closed. data: {ballot, state, result?, outcome?}",
)


def ballot_room(ballot_id: int) -> str:
    return f"ballot.{ballot_id}"


def require(user, perm: str, obj=None, message: str | None = None) -> None:
    if user is None or not user.has_perm(perm, obj):
        raise PermissionDenied(message or _("您没有权限执行此操作。"))


def _publish_meeting(ballot_id: int, *names: str) -> None:
    """Tell the parts above (the ballot's meeting room) that the ballot changed."""
    hooks.ballot_changed(ballot_id, *names)


# --- electorate ---------------------------------------------------------------------------


def electorate_user_ids(*, hall: Hall, scope: str, building: Building | None = None) -> set[int]:
    """Who may vote: people a head approved into the hall — all of them, or one building's.

    Only active memberships count (a head approved each), and a building is the one recorded on
    the membership (shown to the head at approval), never the one an account chose for itself:
    an account registered a minute ago, member of no hall, is on no electorate. The hall is
    the compound's: its approved residents are the compound's residents as the hall knows them
    (docs/votes.md, "Electorates").
    """
    if scope in (ElectorateScope.MEMBERS, ElectorateScope.COMPOUND):
        people = approved_residents(hall=hall)
    elif scope == ElectorateScope.BUILDING:
        if building is None:
            raise ValidationError(_("请选择楼栋/网格。"))
        people = approved_residents(hall=hall, building_ids=[building.pk])
    else:
        raise ValidationError(_("未知的投票范围。"))
    return set(people.values_list("pk", flat=True))


# --- creating and opening -----------------------------------------------------------------


ALLOWED_PROPOSAL_STATES = (
    ProposalState.ACCEPTED,
    ProposalState.ON_AGENDA,
    ProposalState.DELIBERATING,
)


@transaction.atomic
def ballot_create(
    *,
    actor: User,
    hall: Hall,
    title: str,
    kind: str = BallotKind.FOR_AGAINST,
    options: list[str] | None = None,
    max_choices: int = 1,
    mode: str = BallotMode.ONLINE,
    secret: bool = True,
    results_live: bool = False,
    electorate_scope: str = ElectorateScope.MEMBERS,
    electorate_building: Building | None = None,
    majority_rule: str | None = None,
    quorum_fraction: Decimal | str | None = None,
    quorum_basis: str | None = None,
    abstentions_count_as_cast: bool = False,
    proxy_cap: int = 1,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    proposal: Proposal | None = None,
    agenda_item: Any = None,
    description: str = "",
    now: datetime | None = None,
) -> Ballot:
    """Prepare a ballot (not yet open); every setting can still be chosen until it opens.

    A ballot on a meeting's `agenda_item` is live and its proposal is the item's proposal.
    """
    require(
        actor, "deliberation.manage_ballot", hall, _("只有主持人、微家负责人或管理员可以发起表决。")
    )
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("请填写表决事项。")]
    too_long(Ballot, errors, title=title, description=(description or "").strip())
    for option in options or []:
        too_long(BallotOption, errors, label=(option or "").strip())
    if "label" in errors:
        errors["options"] = errors.pop("label")[:1]
    if kind not in BallotKind.values:
        errors["kind"] = [_("未知的表决方式。")]
    labels = [o.strip() for o in (options or []) if o and o.strip()]
    if kind == BallotKind.FOR_AGAINST:
        labels = []
        max_choices = 1
    elif kind in BallotKind.values:
        if not 2 <= len(labels) <= MAX_OPTIONS:
            errors["options"] = [_("请填写 2 至 %(n)d 个选项。") % {"n": MAX_OPTIONS}]
        elif len(set(labels)) != len(labels):
            errors["options"] = [_("选项不能重复。")]
        if kind == BallotKind.SINGLE_CHOICE:
            max_choices = 1
        elif not 1 <= int(max_choices or 0) <= max(len(labels), 1):
            errors["max_choices"] = [_("最多可选项数必须在 1 和选项数之间。")]
    if mode not in BallotMode.values:
        errors["mode"] = [_("未知的表决场合。")]
    if mode == BallotMode.ONLINE:
        if ends_at is None:
            errors["ends_at"] = [_("线上表决请填写截止时间。")]
        elif ends_at <= (starts_at or now):
            errors["ends_at"] = [_("截止时间必须晚于开始时间和现在。")]
    else:
        starts_at = ends_at = None
    if electorate_scope == ElectorateScope.BUILDING:
        if electorate_building is None or electorate_building.compound_id != hall.compound_id:
            errors["electorate_building"] = [_("请选择本小区的楼栋/网格。")]
    elif electorate_scope in ElectorateScope.values:
        electorate_building = None
    else:
        errors["electorate_scope"] = [_("未知的投票范围。")]
    majority_rule = majority_rule or hall.default_majority_rule
    if majority_rule not in MajorityRule.values:
        errors["majority_rule"] = [_("未知的表决规则。")]
    try:
        fraction = Decimal(
            str(quorum_fraction if quorum_fraction is not None else hall.quorum_fraction)
        )
        if not Decimal("0") < fraction <= Decimal("1"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["quorum_fraction"] = [_("法定人数比例必须大于 0 且不超过 1。")]
        fraction = Decimal("0.667")
    quorum_basis = quorum_basis or (
        QuorumBasis.PRESENT if mode == BallotMode.LIVE else QuorumBasis.VOTED
    )
    if quorum_basis not in QuorumBasis.values:
        errors["quorum_basis"] = [_("未知的法定人数基数。")]
    if not 0 <= int(proxy_cap) <= 5:
        errors["proxy_cap"] = [_("每人最多代投 0 至 5 票。")]
    if agenda_item is not None:
        if agenda_item.meeting.hall_id != hall.pk:
            errors["agenda_item"] = [_("议程项不属于本议事厅。")]
        proposal = agenda_item.proposal
        if mode != BallotMode.LIVE:
            errors["mode"] = [_("会议议程上的表决须为现场表决。")]
    if proposal is not None:
        if proposal.hall_id != hall.pk:
            errors["proposal"] = [_("议题不属于本议事厅。")]
        elif proposal.state not in ALLOWED_PROPOSAL_STATES:
            errors["proposal"] = [_("只能对已受理、已列入议程或议事中的议题发起表决。")]
    if errors:
        raise ValidationError(errors)
    ballot = Ballot.objects.create(
        hall=hall,
        proposal=proposal,
        agenda_item=agenda_item,
        title=title,
        description=description.strip(),
        kind=kind,
        max_choices=max_choices,
        mode=mode,
        secret=secret,
        # A live tally of a secret ballot, watched next to who has voted, can reveal a choice.
        results_live=results_live and not secret,
        electorate_scope=electorate_scope,
        electorate_building=electorate_building,
        majority_rule=majority_rule,
        quorum_fraction=fraction,
        quorum_basis=quorum_basis,
        abstentions_count_as_cast=abstentions_count_as_cast,
        proxy_cap=proxy_cap,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=actor,
        created_at=now,
    )
    if kind == BallotKind.FOR_AGAINST:
        BallotOption.objects.bulk_create(
            [
                BallotOption(ballot=ballot, key=tally.FOR, label=OptionKey.FOR.label, order=0),
                BallotOption(
                    ballot=ballot, key=tally.AGAINST, label=OptionKey.AGAINST.label, order=1
                ),
            ]
        )
    else:
        BallotOption.objects.bulk_create(
            [
                BallotOption(ballot=ballot, key=f"o{i}", label=label, order=i)
                for i, label in enumerate(labels, start=1)
            ]
        )
    return ballot


def _locked(ballot: Ballot) -> Ballot:
    # A ballot on an agenda item: its meeting first, in the order of deliberation.locks.
    return locks.lock_ballot(ballot.pk)


def _state_data(ballot: Ballot) -> dict[str, Any]:
    data: dict[str, Any] = {"ballot": ballot.pk, "state": ballot.state}
    if ballot.state == BallotState.CLOSED:
        data["result"] = ballot.result
        data["outcome"] = ballot.outcome
    return data


@transaction.atomic
def ballot_open(*, actor: User, ballot: Ballot, now: datetime | None = None) -> Ballot:
    """Open the ballot: snapshot the electorate and lock its settings; online, electors are told."""
    now = now or timezone.now()
    locked = _locked(ballot)
    require(
        actor,
        "deliberation.manage_ballot",
        locked,
        _("只有主持人、微家负责人或管理员可以开始表决。"),
    )
    if locked.state != BallotState.DRAFT:
        raise ValidationError(_("这项表决已经开始过了。"))
    if locked.proposal_id and locked.proposal.state != ProposalState.DELIBERATING:
        raise ValidationError(
            _("议题须在「议事中」（会议已开始审议该议程项）才能表决；现为「%(state)s」。")
            % {"state": ProposalState(locked.proposal.state).label}
        )
    if locked.mode == BallotMode.ONLINE and locked.ends_at and locked.ends_at <= now:
        raise ValidationError(_("截止时间已过，请修改后重新发起。"))
    ids = electorate_user_ids(
        hall=locked.hall, scope=locked.electorate_scope, building=locked.electorate_building
    )
    if not ids:
        raise ValidationError(_("投票范围内没有人，无法开始表决。"))
    Elector.objects.bulk_create([Elector(ballot=locked, user_id=uid) for uid in sorted(ids)])
    starts_at = locked.starts_at
    if locked.mode == BallotMode.ONLINE and starts_at is None:
        starts_at = now
    workflow.ballot_transition(
        ballot=locked,
        to=BallotState.OPEN,
        electorate_size=len(ids),
        opened_at=now,
        opened_by=actor,
        starts_at=starts_at,
    )
    ledger.ledger_append(
        hall=locked.hall,
        kind=ledger.BALLOT_OPENED,
        payload={
            "ballot": locked.pk,
            "title": locked.title,
            "proposal": locked.proposal_id,
            "kind": locked.kind,
            "options": [{"key": o.key, "label": o.label} for o in locked.options.all()],
            "max_choices": locked.max_choices,
            "mode": locked.mode,
            "secret": locked.secret,
            "results_live": locked.results_live,
            "electorate": {
                "scope": locked.electorate_scope,
                "building": locked.electorate_building_id,
                "size": locked.electorate_size,
            },
            "rule": ballot_rule(locked).to_dict(),
            "starts_at": ledger.format_at(locked.starts_at) if locked.starts_at else None,
            "ends_at": ledger.format_at(locked.ends_at) if locked.ends_at else None,
            "opened_by": actor.pk,
        },
    )
    publish(ballot_room(locked.pk), EV_STATE, _state_data(locked))
    _publish_meeting(locked.pk)
    notifications.ballot_opened_notice(ballot=locked, actor=actor)
    ballot.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


# --- casting ------------------------------------------------------------------------------


def new_receipt() -> str:
    """A random receipt code, e.g. 7KQ4M-PX2RA (50 bits)."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def clean_choices(ballot: Ballot, choices: list[str]) -> list[str]:
    """Check a voter's choices against the ballot; return them in option order."""
    keys = [o.key for o in ballot.options.all()]
    picked = [c for c in dict.fromkeys(choices or []) if c]
    if picked == [ABSTAIN] or (not picked and ballot.kind != BallotKind.FOR_AGAINST):
        return [ABSTAIN]
    if not picked:
        raise ValidationError(_("请选择一项。"))
    unknown = [c for c in picked if c not in keys]
    if unknown or ABSTAIN in picked:
        raise ValidationError(_("所选的选项不在本次表决中。"))
    if ballot.kind in (BallotKind.FOR_AGAINST, BallotKind.SINGLE_CHOICE) and len(picked) != 1:
        raise ValidationError(_("只能选一项。"))
    if len(picked) > ballot.max_choices:
        raise ValidationError(_("最多只能选 %(k)d 项。") % {"k": ballot.max_choices})
    return [k for k in keys if k in picked]


def _schedule_tally(ballot_id: int) -> None:
    transaction.on_commit(
        lambda: coalesce.schedule(
            f"ballot-tally:{ballot_id}", lambda: publish_tally(ballot_id), TALLY_WINDOW
        )
    )


@transaction.atomic
def ballot_cast(
    *,
    voter: User,
    ballot: Ballot,
    choices: list[str],
    on_behalf_of: User | None = None,
    now: datetime | None = None,
) -> str:
    """Record one person's vote (or a proxy's for them); return the receipt code.

    A cast vote cannot be changed: a second cast by or for the same person is refused by the
    database (`one_person_one_vote`).
    """
    now = now or timezone.now()
    locked = _locked(ballot)
    _settle_ballot_locked(locked, now)
    if not locked.is_accepting(now):
        if locked.state == BallotState.DRAFT or (locked.starts_at and now < locked.starts_at):
            raise ValidationError(_("投票尚未开始。"))
        raise ValidationError(_("投票已经结束。"))
    person = on_behalf_of or voter
    proxy = None
    if on_behalf_of is not None and on_behalf_of.pk != voter.pk:
        proxy = ProxyAuthorization.objects.filter(
            ballot=locked, grantor=on_behalf_of, holder=voter
        ).first()
        if proxy is None:
            raise PermissionDenied(_("%(name)s 没有委托您代投。") % {"name": on_behalf_of})
    if not Elector.objects.filter(ballot=locked, user=person).exists():
        raise PermissionDenied(_("不在本次表决的投票人名册中，不能投票。"))
    hand = HandCount.objects.filter(ballot=locked).only("counted_user_ids", "voters").first()
    if hand is not None and person.pk in set(hand.counted_user_ids):
        voted = Participation.objects.filter(
            ballot=locked, user_id__in=hand.counted_user_ids
        ).values_list("user_id", flat=True)
        if hand_full(hand, voted):
            raise ValidationError(
                _("现场举手已计 %(n)d 票，到会者的票已经计满，不能再线上投票。")
                % {"n": hand.voters}
            )
    picked = clean_choices(locked, choices)
    try:
        with transaction.atomic():
            Participation.objects.create(
                ballot=locked,
                user=person,
                via=ParticipationVia.PROXY if proxy else ParticipationVia.ONLINE,
                cast_by=voter if proxy else None,
                at=now,
                named_choices=None if locked.secret else picked,
            )
    except IntegrityError:
        raise ValidationError(_("已经投过票了；投票后不能更改。")) from None
    receipt = new_receipt()
    while VoteRecord.objects.filter(ballot=locked, receipt=receipt).exists():  # 50 bits: rare
        receipt = new_receipt()
    VoteRecord.objects.create(ballot=locked, receipt=receipt, choices=picked)
    if proxy is not None:
        payload: dict[str, Any] = {"ballot": locked.pk, "voter": person.pk, "holder": voter.pk}
        if not locked.secret:
            payload.update(choice=picked, receipt=receipt)
        ledger.ledger_append(hall=locked.hall, kind=ledger.PROXY_CAST, payload=payload)
    elif not locked.secret:
        ledger.ledger_append(
            hall=locked.hall,
            kind=ledger.BALLOT_CAST,
            payload={"ballot": locked.pk, "voter": person.pk, "choice": picked, "receipt": receipt},
        )
    # A secret ballot's casts go to the ledger at close, sorted by receipt (ledger docs).
    _schedule_tally(locked.pk)
    return receipt


@transaction.atomic
def ballot_authorize_proxy(
    *, actor: User, ballot: Ballot, grantor: User, holder: User, note: str = ""
) -> ProxyAuthorization:
    """Record that `grantor` authorised `holder` to vote for them (capped per holder)."""
    locked = _locked(ballot)
    _settle_ballot_locked(locked, timezone.now())
    require(
        actor,
        "deliberation.record_proxy",
        locked,
        _("只有主持人、微家负责人或管理员可以登记委托。"),
    )
    if locked.state == BallotState.CLOSED:
        raise ValidationError(_("表决已结束。"))
    if grantor.pk == holder.pk:
        raise ValidationError(_("不能委托给自己。"))
    if locked.state == BallotState.OPEN:
        electors = set(
            Elector.objects.filter(ballot=locked, user__in=[grantor, holder]).values_list(
                "user_id", flat=True
            )
        )
    else:
        electors = electorate_user_ids(
            hall=locked.hall, scope=locked.electorate_scope, building=locked.electorate_building
        )
    if grantor.pk not in electors:
        raise ValidationError(_("委托人不在投票范围内。"))
    if holder.pk not in electors:
        raise ValidationError(_("受托人须在投票范围内。"))
    if Participation.objects.filter(ballot=locked, user=grantor).exists():
        raise ValidationError(_("委托人已经投过票。"))
    if ProxyAuthorization.objects.filter(ballot=locked, holder=holder).count() >= locked.proxy_cap:
        raise ValidationError(
            _("%(name)s 已代投 %(n)d 人，达到上限。") % {"name": holder, "n": locked.proxy_cap}
        )
    try:
        with transaction.atomic():
            return ProxyAuthorization.objects.create(
                ballot=locked, grantor=grantor, holder=holder, recorded_by=actor, note=note[:200]
            )
    except IntegrityError:
        raise ValidationError(_("该委托人已经委托了别人。")) from None


@transaction.atomic
def ballot_enter_hand_count(
    *,
    actor: User,
    ballot: Ballot,
    voters: int,
    votes: dict[str, int],
    present_user_ids: set[int] | None = None,
    now: datetime | None = None,
) -> HandCount:
    """Enter (or correct) the show-of-hands counts of the people present without a phone.

    The ceiling is the electors present (`present_voters`, or `present_user_ids` when given)
    who have not voted online or by proxy; they can no longer vote online afterwards.
    """
    now = now or timezone.now()
    locked = _locked(ballot)
    require(actor, "deliberation.enter_hand_count", locked, _("只有主持人可以录入举手计票。"))
    if locked.state != BallotState.OPEN:
        raise ValidationError(_("只能在表决进行中录入举手计票。"))
    if locked.mode != BallotMode.LIVE:
        raise ValidationError(_("线上表决没有现场举手计票。"))
    present = set(present_user_ids) if present_user_ids is not None else present_voters(locked)
    electors = set(Elector.objects.filter(ballot=locked).values_list("user_id", flat=True))
    voted = set(Participation.objects.filter(ballot=locked).values_list("user_id", flat=True))
    eligible = (present & electors) - voted
    clean = {str(k): int(v) for k, v in (votes or {}).items() if int(v or 0) != 0}
    if not isinstance(voters, int) or voters < 0:
        raise ValidationError(_("举手表决人数必须是非负整数。"))
    if voters > len(eligible):
        raise ValidationError(
            _("举手表决人数 %(n)d 超过到会且未在线投票的人数 %(max)d（同一人不能重复计票）。")
            % {"n": voters, "max": len(eligible)}
        )
    # The tally checks the shape (unknown options, more votes than voters, …).
    tally.merge_counts(
        ballot_spec(locked), [tally.Counts(source=Source.HAND, votes=clean, ballots=voters)]
    )
    hand, _created = HandCount.objects.update_or_create(
        ballot=locked,
        defaults={
            "voters": voters,
            "votes": clean,
            "counted_user_ids": sorted(eligible),
            "entered_by": actor,
            "entered_at": now,
        },
    )
    ledger.ledger_append(
        hall=locked.hall,
        kind=ledger.HAND_COUNT_ENTERED,
        payload={
            "ballot": locked.pk,
            "voters": voters,
            "votes": clean,
            "ceiling": len(eligible),
            "entered_by": actor.pk,
        },
    )
    _schedule_tally(locked.pk)
    return hand


# --- counting ---------------------------------------------------------------------------


def publish_tally(ballot_id: int) -> None:
    """Publish one `ballot.tally` event with the counts read from the database now.

    A ballot on an agenda item also sends its meeting room the new votes section (coalesced
    the same way: a burst of casts makes a few events a second, not one each).
    """
    with transaction.atomic():
        # Same lock order as every meeting service (meeting row first), so a tally running
        # while the moderator closes the vote waits instead of deadlocking with the close.
        locks.lock_meeting_of_ballot(ballot_id)
        publish(ballot_room(ballot_id), EV_TALLY, tally_data(ballot_id))
        _publish_meeting(ballot_id)


# --- closing ------------------------------------------------------------------------------


def _reshuffle_secret_records(ballot: Ballot) -> list[dict[str, Any]]:
    """Rewrite a secret ballot's records in receipt order with fresh keys.

    The rows' physical order (SQLite rowid, PostgreSQL ctid) follows the order of casting;
    rewriting them at close leaves table order that says nothing (docs/votes.md, residual risk).
    """
    rows = list(VoteRecord.objects.filter(ballot=ballot).values("receipt", "choices"))
    random.SystemRandom().shuffle(rows)
    rows.sort(key=lambda r: r["receipt"])
    VoteRecord.objects.filter(ballot=ballot).delete()
    VoteRecord.objects.bulk_create(
        [VoteRecord(ballot=ballot, receipt=r["receipt"], choices=r["choices"]) for r in rows]
    )
    return rows


@transaction.atomic
def ballot_close(*, actor: User | None, ballot: Ballot, now: datetime | None = None) -> Ballot:
    """Close the ballot, tally it by its rules and store the result with the counts.

    `actor=None` is the system closing an online ballot whose window has ended; a ballot whose
    window has ended is closed by the system even when a person asks (it closed at `ends_at`).
    """
    now = now or timezone.now()
    locked = _locked(ballot)
    if actor is not None:
        require(
            actor,
            "deliberation.manage_ballot",
            locked,
            _("只有主持人、微家负责人或管理员可以结束表决。"),
        )
    elif not workflow.ballot_due(locked, now):
        raise PermissionDenied(_("只有主持人、微家负责人或管理员可以结束表决。"))
    if locked.state != BallotState.OPEN:
        raise ValidationError(_("只有进行中的表决才能结束。"))
    _close_locked(locked, actor=None if workflow.ballot_due(locked, now) else actor, now=now)
    ballot.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


def _close_locked(locked: Ballot, *, actor: User | None, now: datetime) -> None:
    """Close a locked open ballot: store the outcome, append the ledger, move the proposal.

    Closed by time (`actor` None, window ended), it closed at the end of its window: what the
    pages showed from then on (`selectors.effective_ballot`) is what is recorded.
    """
    outcome = closing_outcome(locked)
    by_time = actor is None and workflow.ballot_due(locked, now)
    workflow.ballot_transition(
        ballot=locked,
        to=BallotState.CLOSED,
        closed_at=locked.ends_at if by_time else now,
        closed_by=actor,
        result=outcome["result"],
        outcome=outcome,
    )
    if locked.secret:
        rows = _reshuffle_secret_records(locked)
        ledger.ledger_append_secret_ballots(
            hall=locked.hall,
            ballot=locked.pk,
            casts=[{"receipt": r["receipt"], "choice": r["choices"]} for r in rows],
        )
    ledger.ledger_append(
        hall=locked.hall,
        kind=ledger.BALLOT_CLOSED,
        payload={
            "ballot": locked.pk,
            "closed_by": actor.pk if actor else None,
            "participants": Participation.objects.filter(ballot=locked).count(),
            "records": VoteRecord.objects.filter(ballot=locked).count(),
        },
    )
    ledger.ledger_append(
        hall=locked.hall,
        kind=ledger.OUTCOME_RECORDED,
        payload={"ballot": locked.pk, **outcome},
    )
    proposal = locked.proposal
    if proposal is not None and proposal.state == ProposalState.DELIBERATING:
        proposal_transition(
            proposal=proposal,
            to=ProposalState.VOTED,
            outcome=workflow.PROPOSAL_OUTCOME[locked.result],
            actor=actor,
            note=_("表决「%(title)s」：%(result)s")
            % {"title": locked.title, "result": BallotResult(locked.result).label},
            check_permission=False,
        )
    publish(ballot_room(locked.pk), EV_STATE, _state_data(locked))
    publish(ballot_room(locked.pk), EV_TALLY, tally_data(locked.pk))
    # The meeting room: the result, and the item's proposal now 已表决 in the agenda.
    _publish_meeting(locked.pk, "agenda")


def _settle_ballot_locked(locked: Ballot, now: datetime) -> bool:
    """Record the close of a locked ballot whose window has ended (the next write does this)."""
    if not workflow.ballot_due(locked, now):
        return False
    _close_locked(locked, actor=None, now=now)
    return True


def settle_ballots(*, hall: Hall | None = None, now: datetime | None = None) -> int:
    """Record the close of online ballots whose window has ended (`close_notices`, from cron)."""
    now = now or timezone.now()
    due = Ballot.objects.filter(state=BallotState.OPEN, mode=BallotMode.ONLINE, ends_at__lte=now)
    if hall is not None:
        due = due.filter(hall=hall)
    closed = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            closed += _settle_ballot_locked(locks.lock_ballot(pk), now)
    return closed


# --- resolutions, notice, objections ------------------------------------------------------


@transaction.atomic
def resolution_publish(
    *, actor: User, ballot: Ballot, title: str, text: str, now: datetime | None = None
) -> Resolution:
    """Publish a passed ballot's resolution on the notice board for the hall's notice period."""
    now = now or timezone.now()
    locked = _locked(ballot)
    require(
        actor, "deliberation.publish_resolution", locked, _("只有微家负责人或管理员可以公示决议。")
    )
    _settle_ballot_locked(locked, now)
    if locked.state != BallotState.CLOSED or locked.result != BallotResult.PASSED:
        raise ValidationError(_("只有表决通过的事项才能形成决议。"))
    if Resolution.objects.filter(ballot=locked).exists():
        raise ValidationError(_("这项表决已经公示过决议。"))
    title, text = (title or "").strip(), (text or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_("请填写决议标题。")]
    if not text:
        errors["text"] = [_("请填写决议内容。")]
    too_long(Resolution, errors, title=title, text=text)
    if errors:
        raise ValidationError(errors)
    hall = locked.hall
    resolution = Resolution.objects.create(
        hall=hall,
        ballot=locked,
        proposal=locked.proposal,
        title=title[:120],
        text=text,
        published_at=now,
        published_by=actor,
        notice_ends_at=now + timedelta(days=hall.notice_period_days),
    )
    proposal = locked.proposal
    if proposal is not None and proposal.state == ProposalState.VOTED:
        proposal_transition(
            proposal=proposal,
            to=ProposalState.ON_NOTICE,
            actor=actor,
            note=_("决议公示：%(title)s，公示至 %(date)s")
            % {
                "title": resolution.title,
                "date": bj_format(resolution.notice_ends_at),
            },
            check_permission=False,
        )
    entry = ledger.ledger_append(
        hall=hall,
        kind=ledger.RESOLUTION_PUBLISHED,
        payload={
            "resolution": resolution.pk,
            "ballot": locked.pk,
            "proposal": locked.proposal_id,
            "title": resolution.title,
            "text_sha256": text_sha256(resolution.text),
            "result": locked.result,
            "totals": (locked.outcome or {}).get("totals", {}),
            "notice_ends_at": ledger.format_at(resolution.notice_ends_at),
        },
    )
    # The head right after publication is this entry: printed on the notice.
    resolution.ledger_seq = entry.seq
    resolution.chain_head_seq = entry.seq
    resolution.chain_head_hash = entry.hash
    resolution.save(update_fields=["ledger_seq", "chain_head_seq", "chain_head_hash"])
    return resolution


def _locked_resolution(resolution: Resolution) -> Resolution:
    return locks.lock_resolution(resolution.pk)


def _settle_locked(resolution: Resolution, now: datetime) -> bool:
    """Record that a locked resolution took effect, if its period is over with every objection
    answered and none upheld (the next write to it, or `close_notices`, does this)."""
    objections = list(resolution.objections.all())
    effective_at = workflow.resolution_effective_at(resolution, objections, now)
    if effective_at is None:
        return False
    workflow.resolution_transition(
        resolution=resolution, to=ResolutionState.EFFECTIVE, effective_at=effective_at
    )
    ledger.ledger_append(
        hall=resolution.hall,
        kind=ledger.RESOLUTION_EFFECTIVE,
        payload={
            "resolution": resolution.pk,
            "objections": len(objections),
            "effective_at": ledger.format_at(resolution.effective_at),
        },
    )
    # The proposal stays 公示中 until its governance tasks are created (issue 6 moves it to 落实中).
    return True


@transaction.atomic
def resolution_settle(*, resolution: Resolution, now: datetime | None = None) -> Resolution:
    """Record the end of the notice period if it has passed (idempotent)."""
    locked = _locked_resolution(resolution)
    _settle_locked(locked, now or timezone.now())
    resolution.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


def settle_notices(*, hall: Hall | None = None, now: datetime | None = None) -> int:
    """Record every resolution whose notice period is over (`close_notices`, from cron)."""
    now = now or timezone.now()
    due = Resolution.objects.filter(state=ResolutionState.ON_NOTICE, notice_ends_at__lte=now)
    if hall is not None:
        due = due.filter(hall=hall)
    done = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            done += _settle_locked(locks.lock_resolution(pk), now)
    return done


def settle_due(*, hall: Hall | None = None, now: datetime | None = None) -> tuple[int, int]:
    """Record what time has made due: ended online ballots, finished notice periods (cron)."""
    return settle_ballots(hall=hall, now=now), settle_notices(hall=hall, now=now)


@transaction.atomic
def objection_lodge(
    *, author: User, resolution: Resolution, reason: str, now: datetime | None = None
) -> Objection:
    """Lodge a written objection during the notice period."""
    now = now or timezone.now()
    locked = _locked_resolution(resolution)
    require(author, "deliberation.lodge_objection", locked, _("只有本议事厅的居民可以提出异议。"))
    _settle_locked(locked, now)
    reason = (reason or "").strip()
    if locked.state != ResolutionState.ON_NOTICE or now >= locked.notice_ends_at:
        raise ValidationError(_("公示期已结束，不能再提出异议。"))
    if len(reason) < 5:
        raise ValidationError({"reason": [_("请写明异议理由（至少 5 个字）。")]})
    if len(reason) > 2000:
        raise ValidationError({"reason": [_("异议理由不能超过 2000 字。")]})
    # One per person per notice (the resolution's row is locked, so a double submit waits and
    # finds the first): each objection is a public ledger entry and must be answered.
    if Objection.objects.filter(resolution=locked, author=author).exists():
        raise ValidationError(
            _("您已对这项决议提出过异议，请等待答复；如需补充，请联系微家负责人。")
        )
    objection = Objection.objects.create(
        resolution=locked, author=author, reason=reason, lodged_at=now
    )
    ledger.ledger_append(
        hall=locked.hall,
        kind=ledger.OBJECTION_LODGED,
        payload={
            "resolution": locked.pk,
            "objection": objection.pk,
            "reason_sha256": text_sha256(reason),
        },
    )
    return objection


@transaction.atomic
def objection_answer(
    *,
    actor: User,
    objection: Objection,
    answer: str,
    upheld: bool,
    now: datetime | None = None,
) -> Objection:
    """Answer an objection; an upheld one sends the resolution back to the agenda."""
    now = now or timezone.now()
    locked = _locked_resolution(objection.resolution)
    require(
        actor, "deliberation.answer_objection", locked, _("只有微家负责人或管理员可以答复异议。")
    )
    obj = Objection.objects.select_for_update().get(pk=objection.pk)
    if obj.answered_at is not None:
        raise ValidationError(_("这条异议已经答复过了。"))
    if locked.state != ResolutionState.ON_NOTICE:
        raise ValidationError(_("决议已不在公示中。"))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": [_("请填写答复内容。")]})
    obj.resolution = locked
    late = obj.is_overdue(now)
    obj.answer = answer[:2000]
    obj.upheld = bool(upheld)
    obj.answered_by = actor
    obj.answered_at = now
    obj.save(update_fields=["answer", "upheld", "answered_by", "answered_at"])
    ledger.ledger_append(
        hall=locked.hall,
        kind=ledger.OBJECTION_ANSWERED,
        payload={
            "resolution": locked.pk,
            "objection": obj.pk,
            "upheld": obj.upheld,
            "answer_sha256": text_sha256(obj.answer),
            "late": late,
        },
    )
    if obj.upheld:
        workflow.resolution_transition(
            resolution=locked, to=ResolutionState.RETURNED, returned_at=now
        )
        proposal = locked.proposal
        if proposal is not None and proposal.state == ProposalState.ON_NOTICE:
            proposal_transition(
                proposal=proposal,
                to=ProposalState.ACCEPTED,
                actor=actor,
                note=_("异议成立，退回重新列入议程：%(answer)s") % {"answer": obj.answer[:200]},
                check_permission=False,
            )
    else:
        _settle_locked(locked, now)
    objection.__dict__.update({k: v for k, v in obj.__dict__.items() if not k.startswith("_")})
    return obj
