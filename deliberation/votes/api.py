"""/api/v1/ endpoints of votes: ballots, casting, results, resolutions, objections.

Mounted by deliberation/api.py. Each endpoint calls the same service as the pages; errors map
to 400 (ValidationError), 403 (PermissionDenied) and 404 in config/api.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from community.apierrors import answers
from community.auth import AUTH
from community.models import Building, Hall, User
from deliberation.models import Ballot, Objection, Resolution
from deliberation.votes import selectors as sel
from deliberation.votes import services as sv
from deliberation.votes.choices import BallotKind, BallotMode, BallotState, ElectorateScope
from forum.models import Proposal

router = Router(tags=["votes"])


class OptionOut(Schema):
    key: str
    label: str


class MyVoteOut(Schema):
    voted: bool
    via: str | None = None
    at: datetime | None = None
    choices: list[str] | None = None  # named ballots only


class BallotOut(Schema):
    id: int
    hall_id: int
    proposal_id: int | None
    title: str
    description: str
    kind: str
    options: list[OptionOut]
    max_choices: int
    mode: str
    secret: bool
    results_live: bool
    electorate_scope: str
    electorate_building_id: int | None
    electorate_size: int
    majority_rule: str
    quorum_fraction: str
    quorum_basis: str
    abstentions_count_as_cast: bool
    proxy_cap: int
    starts_at: datetime | None
    ends_at: datetime | None
    state: str
    opened_at: datetime | None
    closed_at: datetime | None
    result: str
    my_vote: MyVoteOut


class BallotIn(Schema):
    title: str
    description: str = ""
    kind: BallotKind = BallotKind.FOR_AGAINST
    options: list[str] = []
    max_choices: int = 1
    mode: BallotMode = BallotMode.ONLINE
    secret: bool = True
    results_live: bool = False
    electorate_scope: ElectorateScope = ElectorateScope.MEMBERS
    electorate_building_id: int | None = None
    majority_rule: str | None = None
    quorum_fraction: str | None = None
    quorum_basis: str | None = None
    abstentions_count_as_cast: bool = False
    proxy_cap: int = 1
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    proposal_id: int | None = None


class CastIn(Schema):
    choices: list[str]
    on_behalf_of: int | None = None


class CastOut(Schema):
    receipt: str


class ProxyIn(Schema):
    grantor_id: int
    holder_id: int
    note: str = ""


class HandCountIn(Schema):
    voters: int
    votes: dict[str, int]


class ReceiptOut(Schema):
    receipt: str
    choices: list[str]


class ResultsOut(Schema):
    ballot: int
    state: str
    turnout: int
    electorate: int
    result: str
    outcome: dict[str, Any] | None
    receipts: list[ReceiptOut]


class ResolutionIn(Schema):
    title: str
    text: str


class ObjectionOut(Schema):
    id: int
    reason: str
    lodged_at: datetime
    answer: str
    upheld: bool | None
    answered_at: datetime | None
    overdue: bool


class ResolutionOut(Schema):
    id: int
    hall_id: int
    ballot_id: int
    proposal_id: int | None
    title: str
    text: str
    state: str
    published_at: datetime
    notice_ends_at: datetime
    effective_at: datetime | None
    ledger_seq: int | None
    chain_head_seq: int | None
    chain_head_hash: str
    objections: list[ObjectionOut]


class ObjectionIn(Schema):
    reason: str


class AnswerIn(Schema):
    answer: str
    upheld: bool


def ballot_out(ballot: Ballot, user) -> dict[str, Any]:
    part = sel.participation_of(user=user, ballot=ballot)
    return {
        **{
            f: getattr(ballot, f)
            for f in (
                "id",
                "hall_id",
                "proposal_id",
                "title",
                "description",
                "kind",
                "max_choices",
                "mode",
                "secret",
                "results_live",
                "electorate_scope",
                "electorate_building_id",
                "electorate_size",
                "majority_rule",
                "quorum_basis",
                "abstentions_count_as_cast",
                "proxy_cap",
                "starts_at",
                "ends_at",
                "state",
                "opened_at",
                "closed_at",
                "result",
            )
        },
        "quorum_fraction": str(ballot.quorum_fraction),
        "options": [{"key": o.key, "label": o.label} for o in ballot.options.all()],
        "my_vote": {
            "voted": part is not None,
            "via": part.via if part else None,
            "at": part.at if part else None,
            "choices": part.named_choices if part else None,
        },
    }


def _ballot(request, pk: int) -> Ballot:
    try:
        ballot = sel.ballot_detail(pk=pk)
    except Ballot.DoesNotExist:
        raise Http404 from None
    if not request.user.has_perm("deliberation.view_ballot", ballot):
        raise PermissionDenied(_("只有本议事厅的居民或本次表决的投票人可以查看。"))
    return ballot


@router.get(
    "/halls/{hall_id}/ballots",
    response=answers(list[BallotOut], 401, 403, 404, 422),
    auth=AUTH,
    summary="Ballots of a hall",
)
def list_ballots(request, hall_id: int):
    hall = get_object_or_404(Hall, pk=hall_id)
    qs = sel.ballots_visible_to(user=request.user, hall=hall).prefetch_related("options")[:200]
    return [ballot_out(b, request.user) for b in sel.effective_ballots(qs)]


@router.post(
    "/halls/{hall_id}/ballots",
    response=answers({201: BallotOut}, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Prepare a ballot",
)
def create_ballot(request, hall_id: int, payload: BallotIn):
    hall = get_object_or_404(Hall, pk=hall_id)
    data = payload.dict()
    building_id, proposal_id = data.pop("electorate_building_id"), data.pop("proposal_id")
    data["electorate_building"] = (
        get_object_or_404(Building, pk=building_id) if building_id else None
    )
    data["proposal"] = get_object_or_404(Proposal, pk=proposal_id) if proposal_id else None
    ballot = sv.ballot_create(actor=request.user, hall=hall, **data)
    return Status(201, ballot_out(ballot, request.user))


@router.get(
    "/ballots/{pk}", response=answers(BallotOut, 401, 403, 404, 422), auth=AUTH, summary="A ballot"
)
def get_ballot(request, pk: int):
    return ballot_out(_ballot(request, pk), request.user)


@router.post(
    "/ballots/{pk}/open",
    response=answers(BallotOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Open a ballot",
)
def open_ballot(request, pk: int):
    ballot = sv.ballot_open(actor=request.user, ballot=_ballot(request, pk))
    return ballot_out(ballot, request.user)


@router.post(
    "/ballots/{pk}/close",
    response=answers(BallotOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Close and count",
)
def close_ballot(request, pk: int):
    ballot = sv.ballot_close(actor=request.user, ballot=_ballot(request, pk))
    return ballot_out(ballot, request.user)


@router.post(
    "/ballots/{pk}/cast",
    response=answers({201: CastOut}, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Cast a vote (cannot be changed); returns the receipt code, shown once",
)
def cast(request, pk: int, payload: CastIn):
    ballot = _ballot(request, pk)
    on_behalf_of = (
        get_object_or_404(User, pk=payload.on_behalf_of) if payload.on_behalf_of else None
    )
    receipt = sv.ballot_cast(
        voter=request.user, ballot=ballot, choices=payload.choices, on_behalf_of=on_behalf_of
    )
    return Status(201, {"receipt": receipt})


@router.post(
    "/ballots/{pk}/proxies",
    response=answers({201: dict}, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Record a proxy",
)
def add_proxy(request, pk: int, payload: ProxyIn):
    proxy = sv.ballot_authorize_proxy(
        actor=request.user,
        ballot=_ballot(request, pk),
        grantor=get_object_or_404(User, pk=payload.grantor_id),
        holder=get_object_or_404(User, pk=payload.holder_id),
        note=payload.note,
    )
    return Status(
        201, {"id": proxy.pk, "grantor_id": proxy.grantor_id, "holder_id": proxy.holder_id}
    )


@router.post(
    "/ballots/{pk}/hand-count",
    response=answers(dict, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Enter the show-of-hands counts (the ceiling comes from meeting check-ins)",
)
def hand_count(request, pk: int, payload: HandCountIn):
    hand = sv.ballot_enter_hand_count(
        actor=request.user, ballot=_ballot(request, pk), voters=payload.voters, votes=payload.votes
    )
    return {"voters": hand.voters, "votes": hand.votes}


@router.get(
    "/ballots/{pk}/results",
    response=answers(ResultsOut, 401, 403, 404, 422),
    auth=AUTH,
    summary="Counts and receipts",
)
def results(request, pk: int):
    ballot = _ballot(request, pk)
    data = sel.tally_data(ballot.pk)
    return {
        "ballot": ballot.pk,
        "state": ballot.state,
        "turnout": data["turnout"],
        "electorate": data["electorate"],
        "result": ballot.result,
        "outcome": ballot.outcome
        if ballot.state == BallotState.CLOSED
        else ({"totals": data["totals"]} if "totals" in data else None),
        "receipts": [
            {"receipt": r["receipt"], "choices": r["choices"]}
            for r in sel.published_receipts(ballot=ballot)
        ],
    }


def resolution_out(res: Resolution) -> dict[str, Any]:
    return {
        **{
            f: getattr(res, f)
            for f in (
                "id",
                "hall_id",
                "ballot_id",
                "proposal_id",
                "title",
                "text",
                "state",
                "published_at",
                "notice_ends_at",
                "effective_at",
                "ledger_seq",
                "chain_head_seq",
                "chain_head_hash",
            )
        },
        "objections": [
            {
                "id": o.pk,
                "reason": o.reason,
                "lodged_at": o.lodged_at,
                "answer": o.answer,
                "upheld": o.upheld,
                "answered_at": o.answered_at,
                "overdue": o.is_overdue(),
            }
            for o in sel.objections_of(resolution=res)
        ],
    }


@router.post(
    "/ballots/{pk}/resolution",
    response=answers({201: ResolutionOut}, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Publish the resolution of a passed ballot",
)
def publish_resolution(request, pk: int, payload: ResolutionIn):
    res = sv.resolution_publish(
        actor=request.user, ballot=_ballot(request, pk), title=payload.title, text=payload.text
    )
    return Status(201, resolution_out(res))


@router.get(
    "/halls/{hall_id}/resolutions",
    response=answers(list[ResolutionOut], 404, 422),
    auth=None,
    summary="The notice board (public)",
)
def list_resolutions(request, hall_id: int):
    hall = get_object_or_404(Hall, pk=hall_id)
    board = sel.notice_board(hall=hall)
    return [resolution_out(r) for r in board["on_notice"] + board["decided"]]


@router.get(
    "/resolutions/{pk}",
    response=answers(ResolutionOut, 404, 422),
    auth=None,
    summary="A resolution (public)",
)
def get_resolution(request, pk: int):
    try:
        return resolution_out(sel.resolution_detail(pk=pk))
    except Resolution.DoesNotExist:
        raise Http404 from None


@router.post(
    "/resolutions/{pk}/objections",
    response=answers({201: ObjectionOut}, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Lodge an objection during the notice period",
)
def lodge(request, pk: int, payload: ObjectionIn):
    res = get_object_or_404(Resolution, pk=pk)
    o = sv.objection_lodge(author=request.user, resolution=res, reason=payload.reason)
    return Status(
        201,
        {
            "id": o.pk,
            "reason": o.reason,
            "lodged_at": o.lodged_at,
            "answer": "",
            "upheld": None,
            "answered_at": None,
            "overdue": False,
        },
    )


@router.post(
    "/objections/{pk}/answer",
    response=answers(ObjectionOut, 400, 401, 403, 404, 422),
    auth=AUTH,
    summary="Answer an objection",
)
def answer(request, pk: int, payload: AnswerIn):
    obj = get_object_or_404(Objection.objects.select_related("resolution__hall"), pk=pk)
    o = sv.objection_answer(
        actor=request.user, objection=obj, answer=payload.answer, upheld=payload.upheld
    )
    return {
        "id": o.pk,
        "reason": o.reason,
        "lodged_at": o.lodged_at,
        "answer": o.answer,
        "upheld": o.upheld,
        "answered_at": o.answered_at,
        "overdue": False,
    }
