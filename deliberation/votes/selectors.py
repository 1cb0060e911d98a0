"""Reads of votes: ballots a person may see, results, published receipts, the notice board.

Reads first apply what time has made due (`services_votes.settle_due`): an online ballot whose
window ended is closed and a notice period that ended takes effect, so nothing depends on cron.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Hall
from deliberation.models import (
    Ballot,
    HandCount,
    Objection,
    Participation,
    ProxyAuthorization,
    Resolution,
    VoteRecord,
)
from deliberation.models.votes import BallotMode, BallotState, ResolutionState
from deliberation.votes import services as services_votes
from deliberation.votes.tally import ABSTAIN


def ballots_visible_to(*, user, hall: Hall) -> QuerySet[Ballot]:
    """The hall's ballots for its residents; for others, the ballots they are electors of."""
    services_votes.settle_ballots(hall=hall)
    qs = Ballot.objects.filter(hall=hall).select_related("proposal", "hall")
    if user.has_perm("deliberation.manage_ballot", hall):
        return qs
    if user.has_perm("deliberation.view_ballot", hall):
        return qs.exclude(state=BallotState.DRAFT)
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(electors__user=user).exclude(state=BallotState.DRAFT)


def ballot_detail(*, pk: int) -> Ballot:
    """One ballot with what its pages show (settled first if its window ended)."""
    ballot = Ballot.objects.select_related(
        "hall__compound__community", "proposal", "agenda_item__meeting"
    ).get(pk=pk)
    if ballot.state == BallotState.OPEN and ballot.ends_at and ballot.ends_at <= timezone.now():
        services_votes.settle_ballots(hall=ballot.hall)
        ballot.refresh_from_db()
    return ballot


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


def option_labels(ballot: Ballot) -> dict[str, str]:
    labels = {o.key: o.label for o in ballot.options.all()}
    labels[ABSTAIN] = _("弃权")
    return labels


def results_of(*, ballot: Ballot) -> dict[str, Any] | None:
    """The counts a page shows: stored outcome after close, live counts if visible, else None."""
    labels = option_labels(ballot)
    if ballot.state == BallotState.CLOSED and ballot.outcome:
        outcome = ballot.outcome
        totals = outcome["totals"]
        by_source = outcome.get("by_source", {})
    elif ballot.results_visible:
        data = services_votes.tally_data(ballot.pk)
        totals, by_source, outcome = data.get("totals", {}), {}, None
    else:
        return None
    rows = []
    for key, label in labels.items():
        if key == ABSTAIN and ballot.kind != "for_against" and not totals.get(ABSTAIN):
            continue
        rows.append(
            {
                "key": key,
                "label": label if key != ABSTAIN or ballot.kind == "for_against" else _("空白票"),
                "total": totals.get(key, 0),
                "sources": {s: v.get(key, 0) for s, v in by_source.items()},
            }
        )
    hand = HandCount.objects.filter(ballot=ballot).first()
    return {
        "rows": rows,
        "outcome": outcome,
        "by_source": by_source,
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
    """Who voted what, for named (记名) ballots only."""
    if ballot.secret:
        return Participation.objects.none()
    return (
        Participation.objects.filter(ballot=ballot)
        .select_related("user", "cast_by")
        .order_by("user__display_name", "pk")
    )


def notice_board(*, hall: Hall, now: datetime | None = None) -> dict[str, list]:
    """The hall's notice board (居务公开栏): on notice now, the decided ones, published results."""
    from deliberation.results.selectors import notice_board_results

    services_votes.settle_due(hall=hall, now=now)
    qs = (
        Resolution.objects.filter(hall=hall)
        .select_related("ballot", "proposal", "hall")
        .prefetch_related(Prefetch("objections", queryset=Objection.objects.order_by("lodged_at")))
    )
    return {
        "on_notice": list(qs.filter(state=ResolutionState.ON_NOTICE).order_by("notice_ends_at")),
        "decided": list(
            qs.filter(~Q(state=ResolutionState.ON_NOTICE)).order_by("-published_at")[:50]
        ),
        # 实施结果公开: results_evaluating, results_closed
        **notice_board_results(hall=hall, now=now),
    }


def resolution_detail(*, pk: int, now: datetime | None = None) -> Resolution:
    """One resolution with its ballot and objections, its notice period settled first."""
    resolution = Resolution.objects.select_related(
        "hall", "ballot__agenda_item__meeting", "proposal"
    ).get(pk=pk)
    if resolution.state == ResolutionState.ON_NOTICE and resolution.notice_ends_at <= (
        now or timezone.now()
    ):
        services_votes.resolution_settle(resolution=resolution, now=now)
    return resolution


def objections_of(*, resolution: Resolution) -> QuerySet[Objection]:
    return resolution.objections.select_related("author", "answered_by").order_by("lodged_at", "pk")


# --- what the meeting room reads of a ballot (deliberation.meetings.selectors) ---------------


def ballot_shown(ballot: Ballot, *, now: datetime | None = None) -> Ballot:
    """The ballot as it stands at `now`, without writing anything.

    An online ballot whose window has ended is shown closed with its tally; cron
    (`close_notices`) or the next write closes it for real. Other ballots are returned as they are.
    """
    now = now or timezone.now()
    due = (
        ballot.state == BallotState.OPEN
        and ballot.mode == BallotMode.ONLINE
        and ballot.ends_at is not None
        and ballot.ends_at <= now
    )
    if not due:
        return ballot
    outcome = services_votes.compute_outcome(ballot)  # a read: counts and the rules
    shown = copy.copy(ballot)
    shown.state = BallotState.CLOSED
    shown.closed_at = ballot.ends_at
    shown.result = str(outcome.result)
    shown.outcome = outcome.to_dict()
    return shown


def present_voters(ballot: Ballot) -> set[int]:
    """Electors of the ballot checked in at its meeting (empty for a ballot outside a meeting)."""
    return services_votes.present_voters(ballot)


def live_tally(ballot: Ballot) -> dict[str, Any]:
    """The ballot's live count: turnout always, the counts only while results may be shown."""
    return services_votes.tally_data(ballot.pk)
