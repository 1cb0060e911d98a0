"""Builders of votes: proposals ready for a vote, voters, ballots, a resolution on notice."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from community.models import Membership, MembershipRole, MembershipStatus, User
from community.roles import Role
from deliberation.models import Resolution
from deliberation.models.votes import BallotKind, BallotMode
from deliberation.votes import services as sv
from forum.models import Proposal, ProposalState
from forum.workflow import proposal_transition
from tests.community.factories import member

PATH = [
    ProposalState.COLLECTING,
    ProposalState.AWAITING_REVIEW,
    ProposalState.ACCEPTED,
    ProposalState.ON_AGENDA,
    ProposalState.DELIBERATING,
]


def proposal_in(hall, state=ProposalState.DELIBERATING, author=None) -> Proposal:
    """A proposal moved through the workflow table up to `state`."""
    author = author or member(hall, Role.MEMBER)
    p = Proposal.objects.create(
        hall=hall, author=author, title="楼道加装扶手", body="为老人加装扶手。"
    )
    for to in PATH:
        proposal_transition(proposal=p, to=to, actor=author, check_permission=False)
        if to == state:
            break
    return p


def voters(hall, n: int, *roles: str) -> list:
    return [member(hall, *roles) for _ in range(n)]


def make_ballot(hall, moderator, *, open_=True, **kwargs):
    """A ballot (online by default, ending in a day), opened unless open_=False."""
    kwargs.setdefault("title", "是否在楼道加装扶手")
    kwargs.setdefault("kind", BallotKind.FOR_AGAINST)
    kwargs.setdefault("mode", BallotMode.ONLINE)
    if kwargs["mode"] == BallotMode.ONLINE:
        kwargs.setdefault("ends_at", timezone.now() + timedelta(days=1))
    kwargs.setdefault("quorum_fraction", "0.5")
    ballot = sv.ballot_create(actor=moderator, hall=hall, **kwargs)
    if open_:
        sv.ballot_open(actor=moderator, ballot=ballot)
    return ballot


def bulk_members(hall, n: int, prefix: str = "bulk") -> list:
    """n active residents of `hall`, created in bulk (no usable password)."""
    users = User.objects.bulk_create(
        [User(username=f"{prefix}{i}", display_name=f"居民{i}", password="!") for i in range(n)]
    )
    users = list(User.objects.filter(username__startswith=prefix).order_by("pk"))
    ms = Membership.objects.bulk_create(
        [Membership(user=u, hall=hall, status=MembershipStatus.ACTIVE) for u in users]
    )
    ms = list(Membership.objects.filter(hall=hall, user__in=users))
    MembershipRole.objects.bulk_create(
        [MembershipRole(membership=m, role=Role.RESIDENT) for m in ms]
    )
    return users


def resolution_on_notice(hall, head=None, *, title: str = "修复小区喷泉", now=None) -> Resolution:
    """A proposal voted through and its resolution published, its notice period already over.

    Nothing has settled it: `resolution_settle` (or the close_notices command) makes it effective.
    """
    now = now or timezone.now()
    head = head or member(hall, Role.HEAD)
    mod = member(hall, Role.MODERATOR)
    people = voters(hall, 3)
    # A low quorum: the hall may already have many members who do not vote here.
    ballot = make_ballot(hall, mod, proposal=proposal_in(hall), quorum_fraction="0.01")
    for person in people:
        sv.ballot_cast(voter=person, ballot=ballot, choices=["for"])
    sv.ballot_close(actor=mod, ballot=ballot)
    return sv.resolution_publish(
        actor=head,
        ballot=ballot,
        title=title,
        text="由物业与志愿者共同落实。",
        now=now - timedelta(days=hall.notice_period_days + 1),
    )
