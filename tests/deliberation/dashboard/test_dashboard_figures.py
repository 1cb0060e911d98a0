"""Dashboard figures against a small data set whose numbers are worked out by hand below.

Period: 2026-03-01 … 2026-05-31 (Asia/Shanghai), today 2026-06-10. Rows outside the period
(by a minute, on either side, in Shanghai time) are there to be left out.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from community.models import Membership, MembershipStatus
from community.roles import Role
from deliberation.dashboard.figures import (
    Period,
    federation_figures,
    hall_figures,
)
from deliberation.models import (
    Ballot,
    CheckIn,
    Evaluation,
    GovernanceTask,
    Meeting,
    Resolution,
    ResultPublication,
)
from forum.models import Comment, Proposal, Second
from tests.community.factories import (
    BuildingFactory,
    CompoundFactory,
    HallFactory,
    ServiceBrandFactory,
    member,
)

SH = ZoneInfo("Asia/Shanghai")
PERIOD = Period(date(2026, 3, 1), date(2026, 5, 31))
TODAY = date(2026, 6, 10)


def at(y, m, d, h=12, mi=0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=SH)


def build(hall) -> dict:
    b1 = BuildingFactory(compound=hall.compound, name="1栋", order=1)
    b2 = BuildingFactory(compound=hall.compound, name="2栋", order=2)
    a = ServiceBrandFactory(hall=hall, name="花满名苑", order=1)
    b = ServiceBrandFactory(hall=hall, name="最美楼道", order=2)
    head = member(hall, Role.HEAD, display_name="黄秀芬")
    u1 = member(hall, display_name="一号")
    u2 = member(hall, display_name="二号", building=b2)
    u3 = member(hall, display_name="三号", building=b1)
    u4 = member(hall, display_name="四号")
    Membership.objects.filter(hall=hall, user=u1).update(building=b1)
    Membership.objects.filter(hall=hall, user=u3).update(building=b2)  # the membership's wins
    gone = member(hall, display_name="已退出")
    Membership.objects.filter(hall=hall, user=gone).update(status=MembershipStatus.LEFT)
    # electorate: head, u1..u4 = 5 active members; quorum 0.667 → 2/3 → 4 needed

    def proposal(title, state, published, brand=None):
        return Proposal.objects.create(
            hall=hall,
            author=u1,
            title=title,
            body="…",
            state=state,
            brand=brand,
            published_at=published,
        )

    p1 = proposal("p1", "collecting", at(2026, 3, 5), a)
    p2 = proposal("p2", "accepted", at(2026, 4, 10), a)
    p3 = proposal("p3", "implementing", at(2026, 3, 1, 0, 30), b)
    proposal("p4", "rejected", at(2026, 5, 31, 23, 30))
    p5 = proposal("p5", "collecting", at(2026, 6, 1, 0, 10), b)  # out (June in Shanghai)
    proposal("p6", "draft", None, a)  # drafts never count
    proposal("p7", "collecting", at(2026, 2, 28, 23, 59), a)  # out

    for user, p, when in (
        (u1, p1, at(2026, 3, 6)),
        (u2, p1, at(2026, 3, 7)),
        (u3, p2, at(2026, 4, 11)),
        (u4, p2, at(2026, 4, 12)),
        (u1, p5, at(2026, 6, 2)),  # out
    ):
        Second.objects.create(proposal=p, user=user, at=when)
    for user, p, when, deleted in (
        (u1, p1, at(2026, 3, 6), False),
        (u1, p2, at(2026, 4, 11), False),
        (u3, p2, at(2026, 4, 12), False),
        (u4, p2, at(2026, 4, 12), True),  # deleted: not counted
        (u2, p5, at(2026, 6, 2), False),  # out
    ):
        Comment.objects.create(
            proposal=p, author=user, body="…", created_at=when, is_deleted=deleted
        )

    def meeting(title, starts, state, present):
        m = Meeting.objects.create(
            hall=hall,
            title=title,
            starts_at=starts,
            venue="活动室",
            moderator=head,
            recorder=head,
            state=state,
            opened_at=starts if state != "scheduled" else None,
        )
        for user in present:
            CheckIn.objects.create(meeting=m, user=user, method="manual")
        return m

    meeting("m1", at(2026, 3, 10), "closed", [head, u1, u2, u3])  # 4/5, quorum met
    meeting("m2", at(2026, 4, 20), "closed", [u1, u2])  # 2/5, not met
    meeting("m3", at(2026, 5, 1), "scheduled", [])  # never held
    meeting("m4", at(2026, 6, 5), "closed", [u1])  # out

    def ballot(title, closed, electorate, voters, state="closed"):
        return Ballot.objects.create(
            hall=hall,
            title=title,
            created_by=head,
            state=state,
            closed_at=closed,
            electorate_size=electorate,
            outcome={"ballots": voters, "electorate": electorate} if state == "closed" else None,
            result="passed" if state == "closed" else "",
        )

    bl1 = ballot("b1", at(2026, 3, 10, 15), 5, 4)  # 80%
    bl2 = ballot("b2", at(2026, 4, 20, 15), 5, 1)  # 20%
    ballot("b3", None, 5, 0, state="open")  # not closed

    r1 = Resolution.objects.create(
        hall=hall,
        ballot=bl1,
        proposal=p3,
        title="r1",
        text="…",
        published_at=p3.published_at + timedelta(days=10),  # 10 days
        published_by=head,
        notice_ends_at=at(2026, 3, 20),
        state="effective",
        effective_at=at(2026, 3, 20),
    )
    r2 = Resolution.objects.create(
        hall=hall,
        ballot=bl2,
        proposal=p2,
        title="r2",
        text="…",
        published_at=at(2026, 4, 25),  # 15 days after p2
        published_by=head,
        notice_ends_at=at(2026, 4, 30),
    )
    # days to resolution: (10 + 15) / 2 = 12.5

    def result(res, rnd, published, state="accepted"):
        return ResultPublication.objects.create(
            hall=hall,
            resolution=res,
            round=rnd,
            summary="…",
            published_at=published,
            evaluation_ends_at=published + timedelta(days=14),
            state=state,
        )

    rp1 = result(r1, 1, at(2026, 3, 20) + timedelta(days=30), "reopened")  # 30 days after effective
    rp1b = result(r1, 2, at(2026, 5, 25), "evaluating")  # a second round: not the first completion
    rp2 = result(r2, 1, at(2026, 5, 1))  # r2 has no effective time: left out
    # days to completion: 30.0 (n = 1)

    def task(title, due, state, done_at=None):
        return GovernanceTask.objects.create(
            hall=hall,
            resolution=r1,
            title=title,
            owner=u1,
            due_on=due,
            state=state,
            done_at=done_at,
            created_by=head,
        )

    task("t1", date(2026, 3, 31), "done", at(2026, 3, 30))  # on time
    task("t2", date(2026, 4, 30), "done", at(2026, 5, 2))  # late
    task("t3", date(2026, 5, 15), "in_progress")  # overdue on 06-10
    task("t4", date(2026, 5, 1), "cancelled")
    task("t5", date(2026, 6, 20), "pending")  # due after the period
    task("t6", date(2026, 5, 31), "done", at(2026, 5, 31, 23, 0))  # on time in Shanghai
    # 5 due in the period, 1 cancelled → 4 counted; done 3 (75%); overdue 1 open + 1 late (50%)

    for res, user, rating, when in (
        (rp1, u1, "satisfied", at(2026, 4, 21)),
        (rp1, u2, "satisfied", at(2026, 4, 22)),
        (rp1, u3, "dissatisfied", at(2026, 4, 23)),
        (rp1, u4, "basically", at(2026, 6, 1, 9)),  # out
        (rp2, u1, "basically", at(2026, 5, 2)),
        (rp1b, u1, "dissatisfied", at(2026, 5, 26)),  # its round is still open: not counted
    ):
        Evaluation.objects.create(result=res, user=user, rating=rating, created_at=when)
    # 最美楼道（p3）：2 / 0 / 1 → 66.7%; 花满名苑（p2）：0 / 1 / 0 → 100%; all: 3/4 = 75%
    return {"a": a, "b": b, "b1": b1, "b2": b2, "head": head}


@pytest.fixture
def data(db):
    hall = HallFactory(quorum_fraction="0.667")
    return hall, build(hall)


def test_proposals_by_state_and_brand(data):
    hall, _d = data
    f = hall_figures(hall, PERIOD, today=TODAY)
    assert f.proposals_total == 4
    states = {c.key: c.value for c in f.proposals_by_state if c.value}
    assert states == {"collecting": 1, "accepted": 1, "implementing": 1, "rejected": 1}
    assert "draft" not in {c.key for c in f.proposals_by_state}
    assert [(c.label, c.value) for c in f.proposals_by_brand] == [
        ("花满名苑", 2),
        ("最美楼道", 1),
        ("未选品牌", 1),
    ]


def test_seconds_and_comments_per_building(data):
    hall, _d = data
    f = hall_figures(hall, PERIOD, today=TODAY)
    assert [(b.name, b.seconds, b.comments) for b in f.by_building] == [
        ("1栋", 1, 2),
        ("2栋", 2, 1),
        ("未登记楼栋", 1, 0),
    ]


def test_meeting_attendance_and_quorum_rate(data):
    hall, _d = data
    f = hall_figures(hall, PERIOD, today=TODAY)
    assert [
        (m.title, m.present, m.electorate, m.quorum_needed, m.quorum_met) for m in f.meetings
    ] == [
        ("m1", 4, 5, 4, True),
        ("m2", 2, 5, 4, False),
    ]
    assert (f.attendance.num, f.attendance.den, f.attendance.percent) == (6, 10, 60.0)
    assert (f.quorum_rate.num, f.quorum_rate.den, f.quorum_rate.percent) == (1, 2, 50.0)


def test_turnout_per_ballot(data):
    hall, _d = data
    f = hall_figures(hall, PERIOD, today=TODAY)
    assert [(b.title, b.voters, b.electorate, b.turnout.percent) for b in f.ballots] == [
        ("b1", 4, 5, 80.0),
        ("b2", 1, 5, 20.0),
    ]
    assert f.turnout.percent == 50.0


def test_average_days(data):
    hall, _d = data
    f = hall_figures(hall, PERIOD, today=TODAY)
    assert (f.days_to_resolution.n, f.days_to_resolution.days) == (2, 12.5)
    assert (f.days_to_completion.n, f.days_to_completion.days) == (1, 30.0)


def test_task_completion_and_overdue_rate(data):
    hall, _d = data
    t = hall_figures(hall, PERIOD, today=TODAY).tasks
    assert (t.total, t.done, t.cancelled, t.open, t.overdue_open, t.done_late) == (5, 3, 1, 1, 1, 1)
    assert (t.completion.num, t.completion.den, t.completion.percent) == (3, 4, 75.0)
    assert (t.overdue.num, t.overdue.den, t.overdue.percent) == (2, 4, 50.0)


def test_satisfaction_by_brand(data):
    hall, _d = data
    f = hall_figures(hall, PERIOD, today=TODAY)
    rows = [
        (s.brand, s.satisfied, s.basically, s.dissatisfied, s.rate.percent)
        for s in f.satisfaction_by_brand
    ]
    assert rows == [("花满名苑", 0, 1, 0, 100.0), ("最美楼道", 2, 0, 1, 66.7)]
    assert (f.satisfaction.num, f.satisfaction.den) == (3, 4)


def test_an_empty_period_gives_zeros_and_no_rates(data):
    hall, _d = data
    f = hall_figures(hall, Period(date(2025, 1, 1), date(2025, 1, 31)), today=TODAY)
    assert f.proposals_total == 0 and not f.meetings and not f.ballots and not f.active
    assert f.attendance.percent is None and f.tasks.completion.percent is None
    assert f.days_to_resolution.days is None


def test_federation_figures_put_halls_side_by_side_and_name_compounds_without_a_hall(data):
    hall, _d = data
    community = hall.compound.community
    quiet = HallFactory(compound=CompoundFactory(community=community), name="安静议事厅")
    CompoundFactory(community=community, name="无微家小区")
    other_community_hall = HallFactory(
        compound=CompoundFactory(community__street=community.street), name="邻社区议事厅"
    )
    fed = federation_figures(community, PERIOD, today=TODAY)
    by_id = {h.hall_id: h for h in fed.halls}
    assert set(by_id) == {hall.pk, quiet.pk}
    assert by_id[hall.pk].active and not by_id[quiet.pk].active
    assert by_id[hall.pk].proposals_total == 4 and fed.active_halls == 1
    assert [c["name"] for c in fed.compounds_without_hall] == ["无微家小区"]
    street = federation_figures(community.street, PERIOD, today=TODAY)
    assert {h.hall_id for h in street.halls} == {hall.pk, quiet.pk, other_community_hall.pk}
    data_ = street.as_dict()
    assert data_["halls_total"] == 3 and data_["halls_active"] == 1


def test_periods():
    today = date(2026, 11, 29)
    assert Period.last_12_months(today) == Period(date(2025, 12, 1), today)
    assert Period.this_month(today) == Period(date(2026, 11, 1), today)
    assert Period.this_quarter(today) == Period(date(2026, 10, 1), today)
    assert Period.this_year(today) == Period(date(2026, 1, 1), today)
    assert Period.parse("2026-03-01", "2026-05-31", today=today) == PERIOD
    assert Period.parse(None, None, today=today) == Period.last_12_months(today)
    for bad in (("2026-05-01", "2026-04-01"), ("2026-13-01", None), ("x", "y")):
        with pytest.raises(ValueError):
            Period.parse(*bad, today=today)
    assert PERIOD.since == datetime(2026, 3, 1, tzinfo=SH)
    assert PERIOD.until == datetime(2026, 6, 1, tzinfo=SH)
