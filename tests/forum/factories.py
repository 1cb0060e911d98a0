"""Builders of forum: a proposal moved through the workflow table to any state."""

from __future__ import annotations

from collections import deque

from forum import services
from forum.models import Proposal, ProposalState
from forum.workflow import TRANSITIONS, proposal_transition
from tests.community.factories import member


def proposal(hall, author=None, *, state: str = ProposalState.COLLECTING, **kwargs) -> Proposal:
    """A proposal of `hall` written by `author` (a new resident by default), moved to `state`."""
    author = author or member(hall)
    p = services.proposal_create(
        author=author,
        hall=hall,
        title=kwargs.pop("title", "修复中心花园喷泉"),
        body=kwargs.pop("body", "喷泉坏了很久，孩子们很想念。"),
        **kwargs,
    )
    path = {
        ProposalState.DRAFT: [],
        ProposalState.COLLECTING: [ProposalState.COLLECTING],
        ProposalState.AWAITING_REVIEW: [ProposalState.COLLECTING, ProposalState.AWAITING_REVIEW],
        ProposalState.ACCEPTED: [
            ProposalState.COLLECTING,
            ProposalState.AWAITING_REVIEW,
            ProposalState.ACCEPTED,
        ],
    }
    for to in path.get(state) or _longer_path(state):
        # The author publishes their own proposal (and is not told of it); the rest is the system.
        actor = author if to == ProposalState.COLLECTING else None
        proposal_transition(
            proposal=p, to=to, actor=actor, check_permission=False, outcome="passed"
        )
    p.refresh_from_db()
    return p


def _longer_path(state: str) -> list[str]:
    """A route through the state machine from draft to `state` (breadth-first)."""
    start = ProposalState.DRAFT
    prev = {start: None}
    queue = deque([start])
    while queue:
        s = queue.popleft()
        for frm, to in TRANSITIONS:
            if frm == s and to not in prev:
                prev[to] = s
                queue.append(to)
    route = []
    s = state
    while s != start:
        route.append(s)
        s = prev[s]
    return list(reversed(route))
