"""Factories for meetings: a hall with a moderator, a recorder and residents, and a meeting."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from community.roles import Role
from deliberation.meetings import services
from deliberation.models import Meeting
from forum.models import Proposal, ProposalEvent, ProposalState
from tests.community.factories import member


def accepted_proposal(hall, author, title="修复小区喷泉") -> Proposal:
    """A proposal already accepted (built directly: the forum's own flow is tested there)."""
    p = Proposal.objects.create(
        hall=hall, author=author, title=title, body="喷泉坏了两年", state=ProposalState.ACCEPTED
    )
    ProposalEvent.objects.create(proposal=p, from_state="", to_state=ProposalState.ACCEPTED)
    return p


def meeting_people(hall) -> dict:
    return {
        "head": member(hall, Role.HEAD, display_name="黄秀芬"),
        "moderator": member(hall, Role.MODERATOR, display_name="陈红"),
        "recorder": member(hall, Role.RECORDER, display_name="林芳"),
        "wang": member(hall, Role.MEMBER, display_name="王阿姨"),
        "zhang": member(hall, display_name="张奶奶"),
        "liu": member(hall, display_name="刘叔叔"),
    }


def scheduled_meeting(hall, people, *, proposals=(), free_items=("其他事项",)) -> Meeting:
    return services.meeting_schedule(
        actor=people["head"],
        hall=hall,
        title="十月议事会",
        starts_at=timezone.now() + timedelta(days=2),
        venue="妇女微家活动室",
        moderator=people["moderator"],
        recorder=people["recorder"],
        proposals=list(proposals),
        free_items=[(t, None) for t in free_items],
    )
