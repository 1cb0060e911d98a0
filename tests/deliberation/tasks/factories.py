"""Helpers for governance-task tests: an effective resolution made through the real services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from community.roles import Role
from deliberation.models import Resolution
from deliberation.votes import services as sv
from tests.deliberation.votes.factories import make_ballot, proposal_in, voters
from tests.factories import member


def effective_resolution(hall, head=None, *, title: str = "修复小区喷泉", now=None) -> Resolution:
    """A proposal voted through, published and past its notice period: ready for tasks.

    The proposal is left 公示中 (ON_NOTICE): creating the first task moves it to 落实中.
    """
    now = now or timezone.now()
    head = head or member(hall, Role.HEAD)
    mod = member(hall, Role.MODERATOR)
    proposal = proposal_in(hall)
    people = voters(hall, 3)
    # A low quorum: the hall may already have many members who do not vote here.
    ballot = make_ballot(hall, mod, proposal=proposal, quorum_fraction="0.01")
    for person in people:
        sv.ballot_cast(voter=person, ballot=ballot, choices=["for"])
    sv.ballot_close(actor=mod, ballot=ballot)
    published_at = now - timedelta(days=hall.notice_period_days + 1)
    resolution = sv.resolution_publish(
        actor=head, ballot=ballot, title=title, text="由物业与志愿者共同落实。", now=published_at
    )
    sv.resolution_settle(resolution=resolution, now=now)
    resolution.refresh_from_db()
    return resolution
