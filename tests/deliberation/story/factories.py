"""A proposal that went all the way, built through the real services: for story and dashboard tests.

propose → second to the threshold → accept → discussed → meeting with agenda item, speeches
and a secret vote → resolution → notice with an answered objection → effective → a task with
reports → result published → residents' evaluation → evaluated → archived.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from community.models import Hall
from community.roles import Role
from deliberation.meetings import ballots as mv
from deliberation.meetings import services as ms
from deliberation.models import (
    GovernanceTask,
    Meeting,
    Rating,
    Resolution,
    ResultPublication,
)
from deliberation.results import evaluation
from deliberation.tasks import services as task_services
from deliberation.votes import services as sv
from forum import services as fs
from forum.models import Proposal
from tests.community.factories import BuildingFactory, ServiceBrandFactory, member


@dataclass
class Flow:
    hall: Hall
    proposal: Proposal
    meeting: Meeting
    resolution: Resolution
    task: GovernanceTask
    result: ResultPublication
    people: dict


def full_flow(
    hall: Hall,
    *,
    title: str = "修复小区喷泉",
    close_evaluation: bool = True,
    starts_at: datetime | None = None,
    before_opening: Callable[[Meeting], object] | None = None,
) -> Flow:
    """`starts_at`: the meeting's time (default: in an hour); `before_opening(meeting)` is called
    once it is scheduled (e.g. to send the day-before reminder of a meeting opened early)."""
    hall.seconding_threshold = 2
    hall.save(update_fields=["seconding_threshold"])
    building = BuildingFactory(compound=hall.compound, name="3栋")
    brand = ServiceBrandFactory(hall=hall, name="花满名苑")
    p = {
        "head": member(hall, Role.HEAD, display_name="黄秀芬"),
        "moderator": member(hall, Role.MODERATOR, display_name="陈红"),
        "recorder": member(hall, Role.RECORDER, display_name="林芳"),
        "author": member(hall, display_name="张奶奶"),
        "wang": member(hall, Role.MEMBER, display_name="王阿姨"),
        "liu": member(hall, display_name="刘叔叔"),
        "li": member(hall, Role.VOLUNTEER, display_name="李萍"),
    }
    # The three who rate the result live in 3栋，the place of the task.
    hall.memberships.filter(user__in=[p["author"], p["wang"], p["liu"]]).update(building=building)
    proposal = fs.proposal_create(
        author=p["author"],
        hall=hall,
        title=title,
        body="喷泉坏了两年。",
        brand=brand,
        building=building,
        publish_now=True,
    )
    fs.proposal_second(user=p["wang"], proposal=proposal)
    fs.proposal_second(user=p["liu"], proposal=proposal)
    fs.comment_post(author=p["wang"], proposal=proposal, body="赞成修好。", stance="for")
    fs.comment_post(author=p["liu"], proposal=proposal, body="费用太高。", stance="against")
    first = fs.comment_post(author=p["li"], proposal=proposal, body="先报价。", stance="suggestion")
    fs.comment_post(author=p["author"], proposal=proposal, body="同意报价。", parent=first)
    fs.proposal_review(actor=p["head"], proposal=proposal, decision="accept", reason="符合条件")

    meeting = ms.meeting_schedule(
        actor=p["head"],
        hall=hall,
        title="十月议事会",
        starts_at=starts_at or timezone.now() + timedelta(hours=1),
        venue="妇女微家活动室",
        moderator=p["moderator"],
        recorder=p["recorder"],
        proposals=[proposal],
        free_items=[],
    )
    if before_opening is not None:
        before_opening(meeting)
    mod = p["moderator"]
    ms.meeting_open(actor=mod, meeting=meeting)
    for name in ("wang", "liu", "li", "author", "head"):
        ms.meeting_check_in_member(actor=mod, meeting=meeting, user_id=p[name].pk)
    ms.meeting_open_item(actor=mod, meeting=meeting)
    ms.hand_raise(user=p["wang"], meeting=meeting, stance="for")
    ms.hand_raise(user=p["liu"], meeting=meeting, stance="against")
    ms.floor_give(actor=mod, meeting=meeting)
    ms.floor_give(actor=mod, meeting=meeting)
    ms.floor_end(actor=mod, meeting=meeting)
    mv.meeting_ballot_open(actor=mod, meeting=meeting, secret=True)
    for name, choice in (("wang", "for"), ("li", "for"), ("author", "for"), ("liu", "against")):
        mv.meeting_ballot_cast(voter=p[name], meeting=meeting, choices=[choice])
    ballot = mv.meeting_ballot_close(actor=mod, meeting=meeting)
    ms.meeting_close(actor=mod, meeting=meeting)

    now = timezone.now()
    published = now - timedelta(days=hall.notice_period_days + 1)
    resolution = sv.resolution_publish(
        actor=p["head"], ballot=ballot, title="修复喷泉", text="由物业维修。", now=published
    )
    objection = sv.objection_lodge(
        author=p["liu"],
        resolution=resolution,
        reason="费用应当公开明细。",
        now=published + timedelta(days=1),
    )
    sv.objection_answer(
        actor=p["head"],
        objection=objection,
        answer="明细将随结果公开。",
        upheld=False,
        now=published + timedelta(days=2),
    )
    sv.resolution_settle(resolution=resolution, now=now)
    resolution.refresh_from_db()

    task = task_services.task_create(
        actor=p["head"],
        resolution=resolution,
        title="更换喷泉水泵",
        owner=p["li"],
        brand=brand,
        building=building,
        due_on=date.today() + timedelta(days=10),
    )
    task_services.task_start(actor=p["li"], task=task)
    task_services.task_report_progress(actor=p["li"], task=task, body="水泵已到货。")
    task_services.task_complete(actor=p["li"], task=task)
    result = ResultPublication.objects.get(resolution=resolution)
    for name, rating in (
        ("wang", Rating.SATISFIED),
        ("liu", Rating.BASICALLY),
        ("author", Rating.SATISFIED),
    ):
        evaluation.evaluation_submit(user=p[name], result=result, rating=rating)
    if close_evaluation:
        evaluation.evaluation_close(
            result=result, now=result.evaluation_ends_at + timedelta(seconds=1)
        )
    task.refresh_from_db()
    result.refresh_from_db()
    proposal.refresh_from_db()
    meeting.refresh_from_db()
    return Flow(hall, proposal, meeting, resolution, task, result, p)
