"""Reads of votes: ballots a person may see, counts, results, receipts, the notice board.

Selectors never write. What time has made due is shown as it is in effect (`effective_*`):
an online ballot past its window is shown closed, its outcome tallied from the stored casts;
a resolution whose notice period ended with every objection answered is shown effective.
`close_notices` (cron) and the next write to the ballot or resolution persist it
(`services.settle_ballots`, `services.settle_notices`), with their ledger entries, once.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.fractions import quorum_ratio
from community.models import Hall, Membership, MembershipStatus
from community.needs import NeedItem
from community.selectors import approved_residents
from deliberation.ledger import choices as K
from deliberation.ledger.chain import format_at
from deliberation.ledger.selectors import DELETED, Checker
from deliberation.models import (
    Ballot,
    CheckIn,
    Elector,
    HandCount,
    LedgerEntry,
    Objection,
    Participation,
    ProxyAuthorization,
    Resolution,
    VoteRecord,
)
from deliberation.votes import tally, workflow
from deliberation.votes.choices import (
    BLANK_LABEL,
    BallotKind,
    BallotMode,
    BallotState,
    ElectorateScope,
    OptionKey,
    ParticipationVia,
    ResolutionState,
    Source,
)

ABSTAIN = tally.ABSTAIN


# --- counting (reads the database, decides nothing by itself: tally does) ---------------------


def present_voters(ballot: Ballot) -> set[int]:
    """User ids of the electors present (checked in，签到) at the ballot's meeting.

    Follows `Ballot.agenda_item` to its meeting; empty for a ballot outside a meeting.
    """
    if ballot.agenda_item_id is None:
        return set()
    checked_in = CheckIn.objects.filter(meeting__items=ballot.agenda_item_id)
    if ballot.closed_at is not None:
        # Recounting a closed ballot (the ledger's check): who was there when it closed.
        checked_in = checked_in.filter(at__lte=ballot.closed_at)
    checked_in = checked_in.values("user_id")
    return set(
        Elector.objects.filter(ballot=ballot, user_id__in=checked_in).values_list(
            "user_id", flat=True
        )
    )


def hand_full(hand: HandCount | None, voted: Iterable[int]) -> bool:
    """Whether a show of hands leaves no online vote to the people present it may have counted.

    A show of hands counts a number, not names: of the people present who had not voted when it
    was entered, only as many as it did not count may still vote online (`voted`: who has).
    """
    if hand is None:
        return False
    counted = set(hand.counted_user_ids)
    return len(counted & set(voted)) >= len(counted) - hand.voters


def ballot_spec(ballot: Ballot) -> tally.BallotSpec:
    """What the tally needs to know of the ballot's kind and options."""
    if ballot.kind == BallotKind.FOR_AGAINST:
        return tally.BallotSpec(kind=BallotKind.FOR_AGAINST)
    keys = tuple(o.key for o in ballot.options.all())
    return tally.BallotSpec(
        kind=BallotKind(ballot.kind), options=keys, max_choices=ballot.max_choices
    )


def ballot_rule(ballot: Ballot) -> tally.Rule:
    """The ballot's rules as the tally takes them."""
    return tally.Rule(
        majority=ballot.majority_rule,
        quorum_fraction=quorum_ratio(ballot.quorum_fraction),
        quorum_basis=ballot.quorum_basis,
        abstentions_count_as_cast=ballot.abstentions_count_as_cast,
    )


def _add(counter: Counter, choices: list[str]) -> None:
    for c in choices:
        counter[c] += 1


def count_sources(ballot: Ballot) -> list[tally.Counts]:
    """The counts of each source, read from the database (online, proxy, hand)."""
    records: Counter = Counter()
    n_records = 0
    for choices in VoteRecord.objects.filter(ballot=ballot).values_list("choices", flat=True):
        _add(records, choices)
        n_records += 1
    sources = []
    if not ballot.secret:
        # Named ballots: the proxies' choices are public on the participation rows.
        proxy: Counter = Counter()
        n_proxy = 0
        for choices in Participation.objects.filter(
            ballot=ballot, via=ParticipationVia.PROXY
        ).values_list("named_choices", flat=True):
            _add(proxy, choices or [])
            n_proxy += 1
        records.subtract(proxy)
        n_records -= n_proxy
        if n_proxy:
            sources.append(tally.Counts(Source.PROXY, dict(+proxy), n_proxy))
    # Secret ballots: proxies are counted with the online votes (marking them would show
    # the grantor's choice to everyone); their number is shown beside the result.
    sources.insert(0, tally.Counts(Source.ONLINE, dict(+records), n_records))
    hand = HandCount.objects.filter(ballot=ballot).first()
    if hand is not None and hand.voters:
        sources.append(tally.Counts(Source.HAND, dict(hand.votes), hand.voters))
    return sources


def present_count(ballot: Ballot) -> int:
    """Electors present: checked in, or voted online or by proxy, or counted by hand."""
    electors = set(Elector.objects.filter(ballot=ballot).values_list("user_id", flat=True))
    voted = set(Participation.objects.filter(ballot=ballot).values_list("user_id", flat=True))
    hand = (
        HandCount.objects.filter(ballot=ballot).values_list("counted_user_ids", flat=True).first()
    )
    return len(electors & (present_voters(ballot) | voted | set(hand or [])))


def compute_outcome(ballot: Ballot) -> tally.Outcome:
    """Tally the ballot's counts in the database under its rules."""
    return tally.tally(
        ballot=ballot_spec(ballot),
        rule=ballot_rule(ballot),
        electorate=max(ballot.electorate_size, 1),
        present=present_count(ballot),
        sources=count_sources(ballot),
    )


def closing_outcome(ballot: Ballot) -> dict[str, Any]:
    """What a close stores as `Ballot.outcome`: the tally, plus the number of proxy votes."""
    result = compute_outcome(ballot).to_dict()
    result["proxies"] = Participation.objects.filter(
        ballot=ballot, via=ParticipationVia.PROXY
    ).count()
    return result


# --- effective state ----------------------------------------------------------------------------


def effective_ballot(ballot: Ballot, now: datetime | None = None) -> Ballot:
    """Show `ballot` closed (in memory) if its window has ended, with the outcome it closes with.

    Closing by time tallies the same stored casts as `close_notices` will, so the page shows
    now the result that will be recorded; `ballot.closed_by_time_pending` marks it unrecorded.
    """
    now = now or timezone.now()
    if workflow.ballot_due(ballot, now):
        outcome = closing_outcome(ballot)
        workflow.ballot_effective(
            ballot=ballot,
            to=BallotState.CLOSED,
            closed_at=ballot.ends_at,
            closed_by=None,
            result=outcome["result"],
            outcome=outcome,
        )
        ballot.closed_by_time_pending = True
    return ballot


def effective_resolution(
    resolution: Resolution, now: datetime | None = None, objections: list | None = None
) -> Resolution:
    """Show `resolution` effective (in memory) if its notice period ended without objection."""
    now = now or timezone.now()
    if resolution.state != ResolutionState.ON_NOTICE or now < resolution.notice_ends_at:
        return resolution
    if objections is None:
        objections = list(resolution.objections.all())
    effective_at = workflow.resolution_effective_at(resolution, objections, now)
    if effective_at is not None:
        workflow.resolution_effective(
            resolution=resolution, to=ResolutionState.EFFECTIVE, effective_at=effective_at
        )
    return resolution


# --- ballots ------------------------------------------------------------------------------------


def effective_ballots(ballots: Iterable[Ballot], now: datetime | None = None) -> list[Ballot]:
    """The ballots of a list or page, each in its effective state."""
    now = now or timezone.now()
    return [effective_ballot(b, now) for b in ballots]


def ballots_visible_to(*, user, hall: Hall) -> QuerySet[Ballot]:
    """The hall's ballots for its residents; for others, the ballots they are electors of.

    Rows come in their stored state: show them through `effective_ballots`.
    """
    qs = Ballot.objects.filter(hall=hall).select_related("proposal", "hall")
    if user.has_perm("deliberation.manage_ballot", hall):
        return qs
    if user.has_perm("deliberation.view_ballot", hall):
        return qs.exclude(state=BallotState.DRAFT)
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(electors__user=user).exclude(state=BallotState.DRAFT)


def ballot_detail(*, pk: int, now: datetime | None = None) -> Ballot:
    """One ballot with what its pages show, in its effective state."""
    ballot = Ballot.objects.select_related(
        "hall__compound__community", "proposal", "agenda_item__meeting"
    ).get(pk=pk)
    return effective_ballot(ballot, now)


def resolution_of(*, ballot: Ballot) -> Resolution | None:
    """The resolution published from a ballot, if any."""
    return Resolution.objects.filter(ballot=ballot).first()


def participation_of(*, user, ballot: Ballot) -> Participation | None:
    if not user.is_authenticated:
        return None
    return Participation.objects.filter(ballot=ballot, user=user).first()


def proxies_held_by(*, user, ballot: Ballot) -> list[dict[str, Any]]:
    """The people who authorised `user` to vote for them, and whether that vote is cast."""
    if not user.is_authenticated:
        return []
    rows = ProxyAuthorization.objects.filter(ballot=ballot, holder=user).select_related("grantor")
    voted = set(
        Participation.objects.filter(ballot=ballot, user__in=[r.grantor for r in rows]).values_list(
            "user_id", flat=True
        )
    )
    return [{"grantor": r.grantor, "voted": r.grantor_id in voted} for r in rows]


def proxies_of(*, ballot: Ballot) -> QuerySet[ProxyAuthorization]:
    return ProxyAuthorization.objects.filter(ballot=ballot).select_related(
        "grantor", "holder", "recorded_by"
    )


@dataclass(frozen=True)
class ProxyPerson:
    """Someone on a ballot's roll, as the proxy form lists them (never a phone number)."""

    id: int
    label: str  # the display name, with the building when two people share the name
    voted: bool  # has voted: cannot grant a proxy any more
    granted: bool  # has already granted a proxy on this ballot
    holds: int  # proxies this person already holds


def proxy_people(*, ballot: Ballot) -> list[ProxyPerson]:
    """Who may grant or hold a proxy on `ballot`: its roll (the electorate kept when it opened;
    before that, the people it would take), by display name. Three queries.

    For the people who register proxies only (`deliberation.record_proxy`): the view checks."""
    if ballot.state == BallotState.DRAFT:
        buildings = (
            [ballot.electorate_building_id]
            if ballot.electorate_scope == ElectorateScope.BUILDING
            else None
        )
        ids = approved_residents(hall=ballot.hall, building_ids=buildings).values("pk")
    else:
        ids = Elector.objects.filter(ballot=ballot).values("user_id")
    rows = list(
        Membership.objects.filter(
            hall_id=ballot.hall_id, status=MembershipStatus.ACTIVE, user_id__in=ids
        )
        .select_related("user", "building")
        .order_by("user__display_name", "user_id")
    )
    voted = set(Participation.objects.filter(ballot=ballot).values_list("user_id", flat=True))
    granted: set[int] = set()
    holds: Counter = Counter()
    for grantor, holder in ProxyAuthorization.objects.filter(ballot=ballot).values_list(
        "grantor_id", "holder_id"
    ):
        granted.add(grantor)
        holds[holder] += 1
    names = Counter(str(m.user) for m in rows)
    out = []
    for m in rows:
        label = str(m.user)
        if names[label] > 1:
            label = f"{label} · {m.building.name}" if m.building else f"{label} · #{m.user_id}"
        out.append(
            ProxyPerson(
                m.user_id, label, m.user_id in voted, m.user_id in granted, holds[m.user_id]
            )
        )
    return out


def abstain_label(ballot: Ballot) -> str:
    """弃权 on a motion；空白票（a blank ballot） in a poll."""
    return str(OptionKey.ABSTAIN.label if ballot.kind == BallotKind.FOR_AGAINST else BLANK_LABEL)


def option_label(ballot: Ballot, key: str, stored: str) -> str:
    """An option's label as shown: a motion's fixed options （赞成/反对） in the reader's language,
    a poll's options as written."""
    if ballot.kind == BallotKind.FOR_AGAINST and key in OptionKey.values:
        return str(OptionKey(key).label)
    return stored


def option_labels(ballot: Ballot) -> dict[str, str]:
    labels = {o.key: option_label(ballot, o.key, o.label) for o in ballot.options.all()}
    labels[ABSTAIN] = abstain_label(ballot)
    return labels


def tally_data(ballot_id: int, now: datetime | None = None) -> dict[str, Any]:
    """The live tally event's data: turnout always, counts only when results are visible."""
    ballot = effective_ballot(Ballot.objects.get(pk=ballot_id), now)
    turnout = Participation.objects.filter(ballot=ballot).count()
    hand = HandCount.objects.filter(ballot=ballot).first()
    data: dict[str, Any] = {
        "ballot": ballot.pk,
        "state": ballot.state,
        "turnout": turnout + (hand.voters if hand else 0),
        "online": turnout,
        "electorate": ballot.electorate_size,
        "results_visible": ballot.results_visible,
    }
    if ballot.results_visible:
        totals = Counter({o.key: 0 for o in ballot.options.all()})
        totals[ABSTAIN] += 0
        for source in count_sources(ballot):
            for key, n in source.votes.items():
                totals[key] += n
        data["totals"] = dict(totals)
        data["hand"] = {"voters": hand.voters, "votes": hand.votes} if hand else None
    return data


def results_of(*, ballot: Ballot) -> dict[str, Any] | None:
    """The counts a page shows: the outcome after close, live counts if visible, else None."""
    labels = option_labels(ballot)
    if ballot.state == BallotState.CLOSED and ballot.outcome:
        outcome = ballot.outcome
        totals = outcome["totals"]
        by_source = outcome.get("by_source", {})
    elif ballot.results_visible:
        data = tally_data(ballot.pk)
        totals, by_source, outcome = data.get("totals", {}), {}, None
    else:
        return None
    rows = []
    for key, label in labels.items():
        if key == ABSTAIN and ballot.kind != BallotKind.FOR_AGAINST and not totals.get(ABSTAIN):
            continue
        rows.append(
            {
                "key": key,
                "label": label if key != ABSTAIN else abstain_label(ballot),
                "total": totals.get(key, 0),
                "sources": {s: v.get(key, 0) for s, v in by_source.items()},
            }
        )
    hand = HandCount.objects.filter(ballot=ballot).first()
    return {
        "rows": rows,
        "outcome": outcome,
        "by_source": by_source,
        "sources": [{"key": s, "label": Source(s).label} for s in by_source],
        "hand_label": Source.HAND.label,
        "hand": hand,
        "winners": [labels.get(k, k) for k in (outcome or {}).get("winners", [])],
    }


def published_receipts(*, ballot: Ballot) -> list[dict[str, Any]]:
    """After close: every receipt code with its choices, sorted by code (anyone can check theirs)."""
    if ballot.state != BallotState.CLOSED:
        return []
    labels = option_labels(ballot)
    rows = VoteRecord.objects.filter(ballot=ballot).order_by("receipt").values("receipt", "choices")
    return [
        {
            "receipt": r["receipt"],
            "choices": r["choices"],
            "labels": [labels.get(c, c) for c in r["choices"]],
        }
        for r in rows
    ]


def named_votes(*, ballot: Ballot) -> QuerySet[Participation]:
    """Who voted what, for named （记名） ballots only."""
    if ballot.secret:
        return Participation.objects.none()
    return (
        Participation.objects.filter(ballot=ballot)
        .select_related("user", "cast_by")
        .order_by("user__display_name", "pk")
    )


# --- resolutions, the notice board ------------------------------------------------------------


def notice_board(*, hall: Hall, now: datetime | None = None) -> dict[str, list]:
    """The resolutions of the hall's notice board （居务公开栏）：on notice now, and decided."""
    now = now or timezone.now()
    rows = list(
        Resolution.objects.filter(hall=hall)
        .select_related("ballot", "proposal", "hall")
        .prefetch_related(Prefetch("objections", queryset=Objection.objects.order_by("lodged_at")))
        .order_by("-published_at", "-pk")
    )
    for r in rows:
        effective_resolution(r, now, list(r.objections.all()))
    on_notice = sorted(
        (r for r in rows if r.state == ResolutionState.ON_NOTICE),
        key=lambda r: (r.notice_ends_at, r.pk),
    )
    decided = [r for r in rows if r.state != ResolutionState.ON_NOTICE][:50]
    return {"on_notice": on_notice, "decided": decided}


def resolution_detail(*, pk: int, now: datetime | None = None) -> Resolution:
    """One resolution with its ballot and objections, in its effective state."""
    resolution = Resolution.objects.select_related(
        "hall", "ballot__agenda_item__meeting", "proposal"
    ).get(pk=pk)
    return effective_resolution(resolution, now)


def objections_of(*, resolution: Resolution) -> QuerySet[Objection]:
    return resolution.objections.select_related("author", "answered_by").order_by("lodged_at", "pk")


# --- what the ledger certifies (deliberation.ledger.selectors.certify_entries) ------------------


def text_sha256(text: str) -> str:
    """The digest of a text the ledger certifies without holding it (resolution, reason, answer)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _at(moment: datetime | None) -> str | None:
    return format_at(moment) if moment is not None else None


def _ids(entries: Iterable[LedgerEntry], key: str) -> set[int]:
    return {e.payload[key] for e in entries if isinstance(e.payload.get(key), int)}


def _has(entry: LedgerEntry, *keys: str) -> bool:
    """The payload carries these keys (older entries that do not are not certifiable)."""
    return all(k in entry.payload for k in keys)


def certify_votes(entries: Sequence[LedgerEntry], check: Checker) -> None:
    """Compare the ballots, votes, resolutions and objections with the entries that certify them.

    Everything is read in a few queries for all the entries (no query per vote); only a closed
    ballot's outcome is recounted one ballot at a time, by the same code that counted it.
    """
    by_seq = {e.seq: e for e in entries}

    def ballot_of(entry: LedgerEntry) -> int | None:
        ballot = entry.payload.get("ballot")
        if isinstance(ballot, int):
            return ballot
        # outcome_recorded: its "ballot" is the outcome's settings; the id is in the close before.
        before = by_seq.get(entry.seq - 1)
        if entry.kind == K.OUTCOME_RECORDED and before is not None:
            return before.payload.get("ballot") if before.kind == K.BALLOT_CLOSED else None
        return None

    ballot_ids = {b for e in entries if (b := ballot_of(e)) is not None}
    ballots = {
        b.pk: b
        for b in Ballot.objects.filter(pk__in=ballot_ids)
        .select_related("agenda_item")
        .prefetch_related("options")
    }
    electors = dict(
        Elector.objects.filter(ballot_id__in=ballot_ids)
        .values("ballot_id")
        .annotate(n=Count("pk"))
        .values_list("ballot_id", "n")
    )
    records: dict[tuple[int, str], list] = {
        (b, r): c
        for b, r, c in VoteRecord.objects.filter(ballot_id__in=ballot_ids).values_list(
            "ballot_id", "receipt", "choices"
        )
    }
    participations = {
        (p["ballot_id"], p["user_id"]): p
        for p in Participation.objects.filter(ballot_id__in=ballot_ids).values(
            "ballot_id", "user_id", "via", "cast_by_id", "named_choices"
        )
    }
    turnout = Counter(ballot for ballot, _user in participations)
    cast = Counter(ballot for ballot, _receipt in records)
    hands = {h.ballot_id: h for h in HandCount.objects.filter(ballot_id__in=ballot_ids)}
    resolution_ids = _ids(entries, "resolution")
    resolutions = {r.pk: r for r in Resolution.objects.filter(pk__in=resolution_ids)}
    objections = {o.pk: o for o in Objection.objects.filter(pk__in=_ids(entries, "objection"))}
    objection_counts = dict(
        Objection.objects.filter(resolution_id__in=resolution_ids)
        .values("resolution_id")
        .annotate(n=Count("pk"))
        .values_list("resolution_id", "n")
    )
    last_hand = {ballot_of(e): e.seq for e in entries if e.kind == K.HAND_COUNT_ENTERED}

    for e in entries:
        p, kind = e.payload, e.kind
        ballot_id = ballot_of(e)
        ballot = ballots.get(ballot_id) if ballot_id is not None else None
        if kind == K.BALLOT_OPENED and _has(e, "ballot", "title", "options", "electorate"):
            if check.exists(e, "ballot", ballot_id, ballot):
                _certify_opened(e, ballot, electors.get(ballot.pk, 0), check)
        elif kind in (K.BALLOT_CAST, K.PROXY_CAST) and _has(e, "ballot", "choice", "receipt"):
            _certify_cast(e, ballot_id, records, participations, check)
        elif kind == K.PROXY_CAST and _has(e, "ballot", "voter", "holder"):
            _certify_cast(e, ballot_id, records, participations, check)  # secret: no choice
        elif kind == K.HAND_COUNT_ENTERED and _has(e, "ballot", "voters", "votes"):
            if last_hand.get(ballot_id) != e.seq:
                check.seen(e)  # corrected by a later entry: that one is compared
            elif check.exists(e, "hand_count", ballot_id, hands.get(ballot_id)):
                hand = hands[ballot_id]
                check.same(e, "hand_count", ballot_id, "voters", p["voters"], hand.voters)
                check.same(e, "hand_count", ballot_id, "votes", p["votes"], hand.votes)
        elif kind == K.BALLOT_CLOSED and _has(e, "ballot", "participants", "records"):
            if check.exists(e, "ballot", ballot_id, ballot):
                closed = str(BallotState.CLOSED)
                check.same(e, "ballot", ballot_id, "state", closed, ballot.state)
                n = turnout[ballot_id]
                check.same(e, "ballot", ballot_id, "participants", p["participants"], n)
                check.same(e, "ballot", ballot_id, "records", p["records"], cast[ballot_id])
                if "closed_by" in p:
                    check.same(
                        e, "ballot", ballot_id, "closed_by", p["closed_by"], ballot.closed_by_id
                    )
        elif kind == K.OUTCOME_RECORDED and ballot_id is not None and _has(e, "result", "totals"):
            if check.exists(e, "ballot", ballot_id, ballot):
                _certify_outcome(e, ballot, check)
        elif kind == K.RESOLUTION_PUBLISHED and _has(e, "resolution", "text_sha256", "title"):
            res = resolutions.get(p["resolution"])
            if check.exists(e, "resolution", p["resolution"], res):
                _certify_published(e, res, ballots.get(res.ballot_id), check)
        elif kind == K.OBJECTION_LODGED and _has(e, "objection", "resolution", "reason_sha256"):
            obj = objections.get(p["objection"])
            if check.exists(e, "objection", p["objection"], obj):
                check.same(e, "objection", obj.pk, "resolution", p["resolution"], obj.resolution_id)
                live = text_sha256(obj.reason)
                check.same(e, "objection", obj.pk, "reason_sha256", p["reason_sha256"], live)
        elif kind == K.OBJECTION_ANSWERED and _has(e, "objection", "upheld", "answer_sha256"):
            obj = objections.get(p["objection"])
            if check.exists(e, "objection", p["objection"], obj):
                check.same(e, "objection", obj.pk, "answered", True, obj.answered_at is not None)
                check.same(e, "objection", obj.pk, "upheld", p["upheld"], obj.upheld)
                live = text_sha256(obj.answer)
                check.same(e, "objection", obj.pk, "answer_sha256", p["answer_sha256"], live)
        elif kind == K.RESOLUTION_EFFECTIVE and _has(e, "resolution", "effective_at"):
            res = resolutions.get(p["resolution"])
            if check.exists(e, "resolution", p["resolution"], res):
                effective = str(ResolutionState.EFFECTIVE)
                check.same(e, "resolution", res.pk, "state", effective, res.state)
                live_at = _at(res.effective_at)
                check.same(e, "resolution", res.pk, "effective_at", p["effective_at"], live_at)
                if "objections" in p:
                    n = objection_counts.get(res.pk, 0)
                    check.same(e, "resolution", res.pk, "objections", p["objections"], n)


def _certify_opened(e: LedgerEntry, ballot: Ballot, electors: int, check: Checker) -> None:
    p = e.payload
    live = {
        "title": ballot.title,
        "proposal": ballot.proposal_id,
        "kind": ballot.kind,
        "options": [{"key": o.key, "label": o.label} for o in ballot.options.all()],
        "max_choices": ballot.max_choices,
        "mode": ballot.mode,
        "secret": ballot.secret,
        "results_live": ballot.results_live,
        "rule": ballot_rule(ballot).to_dict(),
        "starts_at": _at(ballot.starts_at),
        "ends_at": _at(ballot.ends_at),
        "opened_by": ballot.opened_by_id,
    }
    for key, value in live.items():
        if key in p:
            check.same(e, "ballot", ballot.pk, key, p[key], value)
    electorate = p.get("electorate") or {}
    for key, value in (
        ("scope", ballot.electorate_scope),
        ("building", ballot.electorate_building_id),
        ("size", ballot.electorate_size),
    ):
        if key in electorate:
            check.same(e, "ballot", ballot.pk, f"electorate.{key}", electorate[key], value)
    if "size" in electorate:
        # The electors snapshotted at the opening (a deleted one changes the count).
        check.same(e, "ballot", ballot.pk, "electors", electorate["size"], electors)


def _certify_cast(
    e: LedgerEntry,
    ballot_id: int | None,
    records: dict[tuple[int, str], list],
    participations: dict[tuple[int, int], dict],
    check: Checker,
) -> None:
    """One vote: its ballot row (receipt → choices) and, unless secret, who cast it and how."""
    p = e.payload
    if "receipt" in p:
        record = records.get((ballot_id, p["receipt"]), DELETED)
        if check.exists(e, "vote", p["receipt"], record != DELETED):
            check.same(e, "vote", p["receipt"], "choices", p.get("choice"), record)
    if "voter" not in p:
        return  # a secret ballot's cast: nothing links it to a person
    row = participations.get((ballot_id, p["voter"]))
    ident = f"{ballot_id}:{p['voter']}"
    if not check.exists(e, "participation", ident, row):
        return
    proxy = e.kind == K.PROXY_CAST
    via = ParticipationVia.PROXY if proxy else ParticipationVia.ONLINE
    check.same(e, "participation", ident, "via", str(via), row["via"])
    if proxy and "holder" in p:
        check.same(e, "participation", ident, "cast_by", p["holder"], row["cast_by_id"])
    if "choice" in p:
        check.same(e, "participation", ident, "named_choices", p["choice"], row["named_choices"])


def _certify_outcome(e: LedgerEntry, ballot: Ballot, check: Checker) -> None:
    """The stored result and counts, and the same tally run again on the live rows."""
    certified = {k: v for k, v in e.payload.items() if k != "ballot" or isinstance(v, dict)}
    check.same(e, "ballot", ballot.pk, "result", certified["result"], ballot.result)
    stored = ballot.outcome if isinstance(ballot.outcome, dict) else {}
    for key, value in certified.items():
        check.same(e, "ballot", ballot.pk, f"outcome.{key}", value, stored.get(key, DELETED))
    try:
        recounted = closing_outcome(ballot)
    except ValidationError as exc:  # the live rows cannot even be counted (e.g. an unknown option)
        live = f"cannot recount: {'; '.join(exc.messages)}"
        check.same(e, "ballot", ballot.pk, "recount", certified["result"], live)
        return
    for key, value in certified.items():
        check.same(e, "ballot", ballot.pk, f"recount.{key}", value, recounted.get(key, DELETED))


def _certify_published(
    e: LedgerEntry, res: Resolution, ballot: Ballot | None, check: Checker
) -> None:
    p = e.payload
    check.same(e, "resolution", res.pk, "title", p["title"], res.title)
    check.same(e, "resolution", res.pk, "text_sha256", p["text_sha256"], text_sha256(res.text))
    live = {
        "ballot": res.ballot_id,
        "proposal": res.proposal_id,
        "notice_ends_at": _at(res.notice_ends_at),
    }
    if ballot is not None:
        live["result"] = ballot.result
        live["totals"] = (ballot.outcome or {}).get("totals", {})
    for key, value in live.items():
        if key in p:
            check.same(e, "resolution", res.pk, key, p[key], value)
    # What the printed notice shows: this entry and the chain head after it.
    check.same(e, "resolution", res.pk, "ledger_seq", e.seq, res.ledger_seq)
    check.same(e, "resolution", res.pk, "chain_head_hash", e.hash, res.chain_head_hash)


# --- 待我处理（community.needs） -------------------------------------------------------------------

NEEDS_LIMIT = 10


def needs_of(*, user, now: datetime) -> list[NeedItem]:
    """Ballots `user` can cast now: open, inside their window, an elector who has not voted.

    One query, whatever the number of ballots (the first NEEDS_LIMIT, closing soonest first).
    """
    voted = Participation.objects.filter(ballot=OuterRef("pk"), user=user)
    ballots = (
        Ballot.objects.filter(electors__user=user, state=BallotState.OPEN)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .exclude(Exists(voted))
        .select_related("hall")
        .order_by(F("ends_at").asc(nulls_first=True), "pk")[:NEEDS_LIMIT]
    )
    return [
        NeedItem(
            kind="ballot",
            icon="🗳️",
            title=_("请投票：%(title)s") % {"title": b.title},
            text=_("您在本次表决的投票人名册中，还没有投票。")
            if b.mode == BallotMode.ONLINE
            else _("会议现场正在表决，您还没有投票。"),
            action=_("去投票"),
            url=reverse("ballot", args=[b.pk]),
            due=b.ends_at,
            live=b.ends_at is None,
            live_words=_("正在表决"),
            hall=b.hall.name,
        )
        for b in ballots
    ]
