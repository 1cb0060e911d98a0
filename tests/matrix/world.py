"""A busy hall for the authorisation matrix: one person per role, and an object in each state
that some endpoint acts on (a draft, a proposal collecting seconds, one awaiting review, hidden
content, a live meeting, ballots in every mode, a resolution on notice with an open objection, an
open task, a result being evaluated), and a second hall whose head is one of the roles.

Built through the real services (tests/deliberation/story/factories.full_flow and friends), once
per module: the matrix then runs every request in a transaction that is rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from community.accounts import email_token, hash_code
from community.models import (
    AdminAssignment,
    ApiToken,
    CodePurpose,
    Membership,
    MembershipStatus,
    PhoneCode,
)
from community.roles import Role
from deliberation.meetings import ballots as mv
from deliberation.meetings import services as ms
from deliberation.models import Ballot, GovernanceTask, Meeting, Objection, Resolution
from deliberation.models.votes import BallotKind, BallotMode, BallotResult, BallotState
from deliberation.tasks import services as ts
from deliberation.votes import services as sv
from forum import services as fs
from forum.models import Comment, ModerationState, Proposal, ProposalState
from tests.community.factories import (
    CommunityFactory,
    CompoundFactory,
    HallFactory,
    UserFactory,
    member,
)
from tests.deliberation.story.factories import full_flow
from tests.deliberation.tasks.factories import effective_resolution
from tests.deliberation.votes.factories import make_ballot, proposal_in

# The roles of the matrix, in the order of the table's columns.
ROLES: tuple[str, ...] = (
    "anonymous",  # not signed in
    "outsider",  # registered, no hall
    "applicant",  # applied to join the hall, not approved yet
    "resident",  # an approved member of the hall with the resident role only
    "member",
    "volunteer",  # a volunteer of the open task (not its owner)
    "recorder",  # the recorder of the live meeting
    "moderator",  # the moderator of the live meeting
    "executive",
    "head",
    "community_admin",  # 妇联管理员 of the hall's community (staff, as in the demo)
    "street_admin",  # 妇联管理员 of the hall's street
    "superuser",
    "other_head",  # the head of a hall in another community
)


@dataclass
class World:
    hall: Any
    other_hall: Any
    people: dict[str, Any]
    ids: dict[str, Any] = field(default_factory=dict)


def build_world() -> World:
    hall = HallFactory(slug="fanghua", name="芳华议事厅")
    flow = full_flow(hall, close_evaluation=False)
    street = hall.compound.community.street
    other_hall = HallFactory(
        slug="other",
        name="邻居议事厅",
        compound=CompoundFactory(community=CommunityFactory(street=street)),
    )
    place = flow.task.building  # 3栋：the place of the task and of its result

    def in_hall(role: str | None, name: str, *more: str):
        roles = [r for r in (role, *more) if r]
        user = member(hall, *roles, username=f"m_{name}", display_name=f"角色{name}")
        Membership.objects.filter(user=user, hall=hall).update(building=place)
        return user

    people: dict[str, Any] = {"anonymous": None}
    people["outsider"] = UserFactory(username="m_outsider", display_name="路人")
    applicant = UserFactory(username="m_applicant", display_name="申请人")
    people["applicant"] = applicant
    people["resident"] = in_hall(None, "resident")
    people["member"] = in_hall(Role.MEMBER, "member")
    people["volunteer"] = in_hall(Role.VOLUNTEER, "volunteer")
    people["recorder"] = in_hall(Role.RECORDER, "recorder")
    people["moderator"] = in_hall(Role.MODERATOR, "moderator")
    people["executive"] = in_hall(Role.EXECUTIVE, "executive")
    people["head"] = in_hall(Role.HEAD, "head")
    cadmin = UserFactory(username="m_cadmin", display_name="社区妇联", is_staff=True)
    AdminAssignment.objects.create(user=cadmin, community=hall.compound.community)
    people["community_admin"] = cadmin
    sadmin = UserFactory(username="m_sadmin", display_name="街道妇联")
    AdminAssignment.objects.create(user=sadmin, street=street)
    people["street_admin"] = sadmin
    people["superuser"] = UserFactory(
        username="m_root", display_name="系统管理员", is_staff=True, is_superuser=True
    )
    people["other_head"] = member(other_hall, Role.HEAD, username="m_other", display_name="邻厅")
    assert set(people) == set(ROLES)

    head, mod, rec = people["head"], people["moderator"], people["recorder"]
    # Two members who are none of the roles: the author, owner, objector and voter the rows
    # need, so that no role is one of them by accident.
    helper = member(hall, Role.MEMBER, username="m_helper", display_name="帮手")
    helper2 = member(hall, username="m_helper2", display_name="邻居")
    ids: dict[str, Any] = {
        "hall": hall.pk,
        "slug": hall.slug,
        "community": hall.compound.community_id,
        "street": street.pk,
        "building": place.pk,
        "helper": helper.pk,
        "helper_name": helper.username,
        "helper2": helper2.pk,
        "helper2_name": helper2.username,
        "moderator": mod.pk,
        "recorder": rec.pk,
        "flow_proposal": flow.proposal.pk,
        "flow_meeting": flow.meeting.pk,
    }

    # --- membership: the applicant's request, a member whose roles the head may set
    ids["request"] = Membership.objects.create(
        user=applicant, hall=hall, status=MembershipStatus.REQUESTED, message="想参加"
    ).pk
    ids["helper_membership"] = Membership.objects.get(user=helper, hall=hall).pk

    # --- forum: a draft of the resident, a proposal collecting seconds with comments of the
    # member (one of them hidden after reports), one awaiting review, one hidden
    draft = fs.proposal_create(
        author=people["resident"], hall=hall, title="我的草稿", body="还没写完。"
    )
    ids["draft"] = draft.pk
    collecting = fs.proposal_create(
        author=helper, hall=hall, title="楼道加装扶手", body="老人上楼吃力。", publish_now=True
    )
    ids["collecting"] = collecting.pk
    ids["comment"] = fs.comment_post(
        author=people["member"], proposal=collecting, body="我赞成。", stance="for"
    ).pk
    hidden_comment = fs.comment_post(author=helper, proposal=collecting, body="被举报的话。")
    Comment.objects.filter(pk=hidden_comment.pk).update(
        moderation=ModerationState.HIDDEN, report_count=3
    )
    ids["hidden_comment"] = hidden_comment.pk
    review = proposal_in(hall, ProposalState.AWAITING_REVIEW, author=helper)
    ids["awaiting_review"] = review.pk
    hidden = fs.proposal_create(
        author=helper, hall=hall, title="被举报的议题", body="……", publish_now=True
    )
    Proposal.objects.filter(pk=hidden.pk).update(moderation=ModerationState.HIDDEN)
    ids["hidden_proposal"] = hidden.pk
    ids["accepted"] = proposal_in(hall, ProposalState.ACCEPTED, author=helper).pk

    # --- meetings: one scheduled, one live (check-in open, an item on the floor, a live
    # ballot open, a speech in the queue)
    scheduled = ms.meeting_schedule(
        actor=head,
        hall=hall,
        title="十一月议事会",
        starts_at=timezone.now() + timedelta(days=3),
        venue="活动室",
        moderator=mod,
        recorder=rec,
        proposals=[],
        free_items=[("其他事项", None), ("末项", None)],
    )
    ids["scheduled_meeting"] = scheduled.pk
    ids["scheduled_item"] = scheduled.items.order_by("order").last().pk
    live_proposal = proposal_in(hall, ProposalState.ACCEPTED, author=helper)
    live = ms.meeting_schedule(
        actor=head,
        hall=hall,
        title="十月临时会",
        starts_at=timezone.now(),
        venue="活动室",
        moderator=mod,
        recorder=rec,
        proposals=[live_proposal],
        free_items=[("其他事项", None), ("末项", None)],
    )
    ms.meeting_open(actor=mod, meeting=live)
    ms.meeting_set_checkin(actor=mod, meeting=live, open=True)
    for person in (head, mod, rec, helper):
        ms.meeting_check_in_member(actor=mod, meeting=live, user_id=person.pk)
    ms.meeting_open_item(actor=mod, meeting=live)
    ids["speech"] = ms.hand_raise(user=helper, meeting=live, stance="for").pk
    live_ballot = mv.meeting_ballot_open(actor=mod, meeting=live, secret=False)
    live = Meeting.objects.get(pk=live.pk)
    items = list(live.items.order_by("order"))
    ids.update(
        live_meeting=live.pk,
        checkin_token=live.checkin_token,
        current_item=items[0].pk,
        next_item=items[1].pk,
        last_item=items[2].pk,
        live_ballot=live_ballot.pk,
        minutes_version=live.minutes_version,
    )

    # --- ballots: a draft, an open online one (its proxy holder the helper), a closed one
    # passed without a resolution yet
    ids["draft_ballot"] = make_ballot(hall, mod, open_=False, title="草稿表决").pk
    ids["open_ballot"] = make_ballot(hall, mod, title="是否装扶手").pk
    passed = make_ballot(hall, mod, proposal=proposal_in(hall), quorum_fraction="0.01")
    sv.ballot_cast(voter=helper, ballot=passed, choices=["for"])
    sv.ballot_close(actor=mod, ballot=passed)
    assert Ballot.objects.get(pk=passed.pk).result == BallotResult.PASSED
    ids["passed_ballot"] = passed.pk
    assert Ballot.objects.get(pk=ids["draft_ballot"]).state == BallotState.DRAFT
    assert Ballot.objects.get(pk=live_ballot.pk).kind == BallotKind.FOR_AGAINST
    assert Ballot.objects.get(pk=live_ballot.pk).mode == BallotMode.LIVE

    # --- a resolution on notice with an open objection (by the helper)
    on_notice = _resolution_on_notice(hall, head, mod, helper)
    ids["on_notice"] = on_notice.pk
    ids["objection"] = sv.objection_lodge(
        author=helper, resolution=on_notice, reason="费用应当公开明细。"
    ).pk
    # --- an effective resolution with an open task: owner the helper, the volunteer helps
    effective = effective_resolution(hall, head, title="更换路灯")
    ids["resolution"] = effective.pk
    task = ts.task_create(
        actor=head,
        resolution=effective,
        title="清洗喷泉池",
        owner=helper,
        volunteers=[people["volunteer"]],
        building=place,
        due_on=timezone.localdate() + timedelta(days=10),
        subtasks=[("准备", 1), ("实施", 3)],
    )
    ts.task_start(actor=helper, task=task)
    task = GovernanceTask.objects.get(pk=task.pk)
    ids["task"] = task.pk
    ids["subtask"] = task.subtasks.order_by("pk").first().pk
    ids["done_task"] = flow.task.pk
    ids["result"] = flow.result.pk

    # --- the API token of the head (for token requests) and a notification for everyone
    ids["token_head"] = ApiToken.issue(user=head, name="矩阵")[1]

    # --- phone accounts: a sign-in code to give back; the outsider's verified number and address
    outsider = people["outsider"]
    outsider.phone, outsider.phone_verified_at = "13900000007", timezone.now()
    outsider.email = "outsider@example.com"
    outsider.save(update_fields=["phone", "phone_verified_at", "email"])
    ids["sms_phone"], ids["sms_code"] = "13900000009", "246810"
    PhoneCode.objects.create(
        phone=ids["sms_phone"],
        purpose=CodePurpose.SIGN_IN,
        code_hash=hash_code(ids["sms_phone"], CodePurpose.SIGN_IN, ids["sms_code"]),
        expires_at=timezone.now() + timedelta(hours=2),
    )
    ids["email_token"] = email_token(outsider)
    return World(hall=hall, other_hall=other_hall, people=people, ids=ids)


def _resolution_on_notice(hall, head, mod, voter) -> Resolution:
    ballot = make_ballot(hall, mod, proposal=proposal_in(hall), quorum_fraction="0.01")
    sv.ballot_cast(voter=voter, ballot=ballot, choices=["for"])
    sv.ballot_close(actor=mod, ballot=ballot)
    res = sv.resolution_publish(actor=head, ballot=ballot, title="加装扶手", text="由物业落实。")
    assert not Objection.objects.filter(resolution=res).exists()
    return res
