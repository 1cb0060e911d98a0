"""Demo data of this app, added by `seed_demo`; must be idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from deliberation.meetings import services
from deliberation.models import Meeting
from demo import votes as demo_votes
from demo.forum import FOUNTAIN_TITLE
from forum.models import Proposal, ProposalState
from forum.workflow import proposal_transition

DEMO_MEETING_TITLE = "芳华议事厅 月度议事会"
OWN_PROPOSAL_TITLE = "中心花园增设长者休息座椅"


def _accepted_proposal(hall, users):
    """An accepted proposal for the agenda: the forum's demo ones, or one of our own."""
    # The fountain's story is told by the year (demo/year.py): not on this agenda.
    existing = list(
        Proposal.objects.filter(hall=hall, state=ProposalState.ACCEPTED)
        .exclude(title=FOUNTAIN_TITLE)
        .order_by("pk")[:2]
    )
    if existing:
        return existing
    p = Proposal.objects.filter(hall=hall, title=OWN_PROPOSAL_TITLE).first()
    if p is None:
        p = Proposal.objects.create(
            hall=hall,
            author=users["wangayi"],
            title=OWN_PROPOSAL_TITLE,
            body="中心花园只有两张长椅，长者散步走累了没有地方坐。建议在花园步道旁增设 4 张带扶手的座椅。",
        )
        for to in (
            ProposalState.COLLECTING,
            ProposalState.AWAITING_REVIEW,
            ProposalState.ACCEPTED,
        ):
            proposal_transition(
                proposal=p,
                to=to,
                actor=users["zhaoxiuying"],
                note="演示数据",
                check_permission=False,
            )
    return [p] if p.state == ProposalState.ACCEPTED else []


@transaction.atomic
def seed(*, hall, users) -> None:
    """The monthly meeting (upcoming), then the votes demo: an open online poll and a
    resolution on notice with an answered objection (demo/votes.py)."""
    seed_meeting(hall=hall, users=users)
    demo_votes.seed(hall=hall, users=users)


def seed_meeting(*, hall, users) -> None:
    """One upcoming meeting of 芳华议事厅：moderator 陈红，recorder 林芳，accepted proposals + a free item."""
    if Meeting.objects.filter(hall=hall, title=DEMO_MEETING_TITLE).exists():
        return
    starts = timezone.localtime() + timedelta(days=2)
    starts = starts.replace(hour=19, minute=30, second=0, microsecond=0)
    meeting = services.meeting_schedule(
        actor=users["huangxiufen"],
        hall=hall,
        title=DEMO_MEETING_TITLE,
        # First set for the day before; moved a day later below (the page shows the reschedule
        # and its reason, and every member was told).
        starts_at=starts - timedelta(days=1),
        venue=hall.venue or "妇女微家活动室",
        moderator=users["chenhong"],
        recorder=users["linfang"],
        is_hybrid=True,
        notice="请各位姐妹准时参加。会议按**南塘十三条**议事：举手发言，每次不超过 2 分钟。"
        "到场请扫描大屏上的二维码签到；没有手机的长者请找主持人代签。",
        proposals=_accepted_proposal(hall, users),
        free_items=[("其他事项（自由发言）", 15)],
    )
    services.meeting_reschedule(
        actor=users["chenhong"],
        meeting=meeting,
        starts_at=starts,
        venue=meeting.venue,
        reason="原定那天活动室要办社区义诊，推迟一天。",
    )
