"""Demo data of votes (called from demo/deliberation.py's seed); idempotent.

Creates: a closed online ballot on a proposal, passed, whose resolution is on public notice
with one objection already answered; and an open online poll residents can vote in.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from deliberation.models import Ballot
from deliberation.models.votes import BallotKind, BallotMode
from deliberation.votes import services as sv
from forum.models import Proposal, ProposalState
from forum.workflow import proposal_transition

CLOSED_TITLE = "是否在3栋楼道加装扶手"
POLL_TITLE = "本月「最美楼道」评选"
TO_DELIBERATING = [
    ProposalState.COLLECTING,
    ProposalState.AWAITING_REVIEW,
    ProposalState.ACCEPTED,
    ProposalState.ON_AGENDA,
    ProposalState.DELIBERATING,
]


@transaction.atomic
def seed(*, hall, users) -> None:
    """Create the demo ballots and resolution unless they exist."""
    moderator, head = users["chenhong"], users["huangxiufen"]
    if not Ballot.objects.filter(hall=hall, title=CLOSED_TITLE).exists():
        proposal = Proposal.objects.create(
            hall=hall,
            author=users["wangayi"],
            title="3栋楼道加装扶手",
            body="3栋住着不少高龄老人，楼梯没有扶手，上下楼不安全。建议在一至六楼加装不锈钢扶手。",
        )
        for to in TO_DELIBERATING:
            proposal_transition(
                proposal=proposal, to=to, actor=head, note="演示数据", check_permission=False
            )
        ballot = sv.ballot_create(
            actor=moderator,
            hall=hall,
            title=CLOSED_TITLE,
            description="线上表决，方便未能到会的居民参与。",
            kind=BallotKind.FOR_AGAINST,
            mode=BallotMode.ONLINE,
            secret=True,
            ends_at=timezone.now() + timedelta(days=1),
            proposal=proposal,
        )
        sv.ballot_open(actor=moderator, ballot=ballot)
        votes = {
            "huangxiufen": "for",
            "zhaoxiuying": "for",
            "chenhong": "for",
            "linfang": "for",
            "liping": "against",
            "wangayi": "for",
            "zhangnainai": "abstain",
        }
        for username, choice in votes.items():
            sv.ballot_cast(voter=users[username], ballot=ballot, choices=[choice])
        sv.ballot_close(actor=moderator, ballot=ballot)
        resolution = sv.resolution_publish(
            actor=head,
            ballot=ballot,
            title="在3栋楼道加装扶手",
            text=(
                "经芳华议事厅表决通过：\n\n"
                "1. 在3栋一至六楼楼道加装不锈钢扶手；\n"
                "2. 经费申请民生微实事项目；\n"
                "3. 由巾帼志愿者跟进施工，完工后公开实施结果。"
            ),
        )
        objection = sv.objection_lodge(
            author=users["liushushu"],
            resolution=resolution,
            reason="扶手会不会挡住一楼的电表箱？希望施工前确认位置。",
        )
        sv.objection_answer(
            actor=head,
            objection=objection,
            answer="已与物业确认，一楼扶手改装在对面墙，不影响电表箱。",
            upheld=False,
        )
    if not Ballot.objects.filter(hall=hall, title=POLL_TITLE).exists():
        poll = sv.ballot_create(
            actor=moderator,
            hall=hall,
            title=POLL_TITLE,
            kind=BallotKind.SINGLE_CHOICE,
            options=["1栋", "2栋", "3栋", "5栋"],
            mode=BallotMode.ONLINE,
            secret=True,
            ends_at=timezone.now() + timedelta(days=7),
            quorum_fraction="0.5",
        )
        sv.ballot_open(actor=moderator, ballot=poll)
