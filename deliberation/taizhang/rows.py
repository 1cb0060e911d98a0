"""The lists of the 台账：one function per sheet, `(headers, rows)` for a hall and a month.

Values are plain Python: `str`, `int`, naive local `datetime`/`date` (Asia/Shanghai, the
site's zone), `Percent` (a share 0..1) or `None` (empty cell). The xlsx and CSV writers
format them; neither reads the database. Every function runs a fixed number of queries,
however many rows the month has.

Which rows belong to a month (docs/taizhang.md, "The month"): the relevant moment falls in
[first day 00:00, first day of the next month 00:00) in Asia/Shanghai —
议题 posted (published_at)，会议 held (opened_at, else the scheduled starts_at)，表决 closed (closed_at),
决议 published (published_at)；任务 are those active in the month: created before its end
and not finished (done or cancelled) before its start.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.models import Hall
from deliberation.meetings import selectors as meeting_selectors
from deliberation.models import (
    AgendaItem,
    Ballot,
    GovernanceTask,
    Meeting,
    MeetingState,
    Objection,
    Rating,
    Resolution,
    ResultPublication,
    TaskEvent,
    TaskState,
)
from deliberation.models.votes import BallotKind, BallotResult, BallotState, ResolutionState
from deliberation.tasks.workflow import task_progress
from deliberation.votes.choices import OptionKey, Source
from forum.models import ModerationState, Proposal, ProposalEvent, ProposalState

Row = list[Any]
Table = tuple[list[str], list[Row]]

MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class Percent(float):
    """A share between 0 and 1, shown as a percentage (xlsx format 0%, CSV "67%")."""


def _tz():
    return timezone.get_default_timezone()


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in the site's zone (Asia/Shanghai)."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str | None) -> Month:
        """`YYYY-MM` → Month; a clear Chinese ValidationError otherwise."""
        found = MONTH_RE.match(text or "")
        if not found:
            raise ValidationError(
                _("月份格式应为 YYYY-MM，例如 2026-10（收到：“%(text)s”）。") % {"text": text or ""}
            )
        year, month = int(found.group(1)), int(found.group(2))
        if not 1 <= month <= 12:
            raise ValidationError(
                _("月份应在 01 到 12 之间（收到：“%(text)s”）。") % {"text": text}
            )
        if not 2000 <= year <= 2999:
            raise ValidationError(
                _("年份应在 2000 到 2999 之间（收到：“%(text)s”）。") % {"text": text}
            )
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def current(cls, now: datetime | None = None) -> Month:
        """The month it is now in Asia/Shanghai."""
        return cls.of(timezone.localtime(now or timezone.now(), _tz()).date())

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    @property
    def start(self) -> datetime:
        """The first instant of the month (aware, Asia/Shanghai midnight)."""
        return datetime(self.year, self.month, 1, tzinfo=_tz())

    @property
    def end(self) -> datetime:
        """The first instant after the month (exclusive bound)."""
        return self.next().start

    @property
    def label(self) -> str:
        return _("%(y)d年%(m)d月") % {"y": self.year, "m": self.month}

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


# --- formatting helpers ----------------------------------------------------------------------


def local(dt: datetime | None) -> datetime | None:
    """An aware datetime as a naive Asia/Shanghai one, to the minute (openpyxl stores no zone)."""
    if dt is None:
        return None
    return timezone.localtime(dt, _tz()).replace(tzinfo=None, second=0, microsecond=0)


def local_day(dt: datetime | None) -> date | None:
    return None if dt is None else timezone.localtime(dt, _tz()).date()


def name(user) -> str:
    if user is None:
        return ""
    return user.display_name or user.username


def yes_no(value: bool) -> str:
    return _("是") if value else _("否")


def share(part: int, whole: int) -> Percent | None:
    return Percent(part / whole) if whole else None


def _in_month(field: str, month: Month) -> Q:
    return Q(**{f"{field}__gte": month.start, f"{field}__lt": month.end})


def _short_day(dt: datetime, month: Month) -> str:
    day = local_day(dt)
    return day.strftime("%m-%d") if day.year == month.year else day.isoformat()


# --- 议题 --------------------------------------------------------------------------------------

PROPOSAL_HEADERS = [
    "编号", "标题", "服务品牌", "涉及楼栋", "提议人", "发布时间", "附议数", "评论数",
    "当前状态", "表决结果", "状态记录",
]  # fmt: skip


def proposal_rows(hall: Hall, month: Month, *, today: date | None = None) -> Table:
    """Proposals posted (published for seconding) in the month, oldest first, with their history."""
    states = dict(ProposalState.choices)
    outcomes = {"passed": _("通过"), "failed": _("未通过"), "shelved": _("搁置")}
    proposals = (
        Proposal.objects.filter(_in_month("published_at", month), hall=hall)
        .select_related("brand", "building", "author")
        .prefetch_related(
            Prefetch("events", queryset=ProposalEvent.objects.order_by("at", "pk"), to_attr="log")
        )
        .order_by("published_at", "pk")
    )
    rows = []
    for p in proposals:
        state = str(states.get(p.state, p.state))
        if p.moderation != ModerationState.VISIBLE:
            state += _("（%(m)s）") % {"m": ModerationState(p.moderation).label}
        history = " → ".join(
            f"{states.get(e.to_state, e.to_state)}（{_short_day(e.at, month)}）" for e in p.log
        )
        rows.append(
            [
                p.pk,
                p.title,
                p.brand.name if p.brand else "",
                p.building.name if p.building else _("全小区"),
                name(p.author),
                local(p.published_at),
                p.second_count,
                p.comment_count,
                state,
                str(outcomes.get(p.outcome, "")),
                history,
            ]
        )
    return PROPOSAL_HEADERS, rows


# --- 会议 --------------------------------------------------------------------------------------

MEETING_HEADERS = [
    "会议名称", "开始时间", "原定时间", "地点", "主持人", "记录员", "状态", "应到人数", "实到人数",
    "法定人数", "是否达到法定人数", "议程项", "纪要确认",
]  # fmt: skip


def meeting_rows(hall: Hall, month: Month, *, today: date | None = None) -> Table:
    """Meetings held in the month (when they really opened; the scheduled start for one not
    yet opened or cancelled), with attendance （签到） and the agenda.

    开始时间 is when the meeting opened；原定时间 the scheduled start, when it was on another
    day or an hour or more away. 应到人数，实到人数 and the quorum come from the electorate kept
    when the meeting opened (meetings.selectors.attendance_of): they do not change when members
    join or leave later. A meeting opened before snapshots were kept counts the hall's active
    members at the time of export.
    """
    meetings = list(
        Meeting.objects.annotate(held=Coalesce("opened_at", "starts_at"))
        .filter(_in_month("held", month), hall=hall)
        .select_related("moderator", "recorder")
        .prefetch_related(
            Prefetch("items", queryset=AgendaItem.objects.order_by("order", "pk"), to_attr="agenda")
        )
        .order_by("held", "pk")
    )
    if not meetings:
        return MEETING_HEADERS, []
    figures = meeting_selectors.attendance_of(meetings, hall)
    rows = []
    for m in meetings:
        held = m.state in (MeetingState.OPEN, MeetingState.CLOSED)
        att = figures[m.pk]
        if not held:
            quorum = _("未召开")
        else:
            quorum = yes_no(att.met)
        agenda = "\n".join(f"{i}. {item.title}" for i, item in enumerate(m.agenda, 1))
        rows.append(
            [
                m.title,
                local(m.held_at),
                local(m.starts_at) if m.off_schedule else None,
                m.venue,
                name(m.moderator),
                name(m.recorder),
                str(MeetingState(m.state).label),
                att.electorate,
                att.present,
                att.needed,
                quorum,
                agenda,
                _("已确认") if m.minutes_locked else (_("待确认") if held else ""),
            ]
        )
    return MEETING_HEADERS, rows


# --- 表决 --------------------------------------------------------------------------------------

BALLOT_HEADERS = [
    "表决事项", "议题", "会议", "表决类型", "记名方式", "表决场合", "应到人数", "投票人数",
    "投票率", "赞成", "反对", "弃权", "各选项票数", "计票来源", "是否达到法定人数",
    "表决结果", "结束时间",
]  # fmt: skip

FIXED_LABELS = dict(OptionKey.choices)
SOURCE_LABELS = dict(Source.choices)  # one wording, from the votes' choices


def ballot_rows(hall: Hall, month: Month, *, today: date | None = None) -> Table:
    """Ballots closed in the month, with counts only.

    Reads the stored outcome (the tally at close) and nothing of who voted what: secret
    ballots keep that apart by design, and named ballots are reported as counts too.
    """
    ballots = (
        Ballot.objects.filter(_in_month("closed_at", month), hall=hall, state=BallotState.CLOSED)
        .select_related("proposal", "agenda_item__meeting")
        .prefetch_related("options")
        .order_by("closed_at", "pk")
    )
    rows = []
    for b in ballots:
        outcome = b.outcome or {}
        totals: dict[str, int] = outcome.get("totals") or {}
        labels = {o.key: o.label for o in b.options.all()}
        voted = outcome.get("ballots") or 0
        is_for_against = b.kind == BallotKind.FOR_AGAINST
        keys = [o.key for o in b.options.all()] or [k for k in totals if k != "abstain"]
        option_counts = "\n".join(
            f"{labels.get(k) or FIXED_LABELS.get(k, k)}：{totals.get(k, 0)}"
            for k in [*keys, "abstain"]
        )
        sources = "\n".join(
            f"{SOURCE_LABELS.get(src, src)}：{(data or {}).get('ballots', 0)}"
            for src, data in (outcome.get("by_source") or {}).items()
            if (data or {}).get("ballots")
        )
        quorum_met = outcome.get("quorum_met")
        rows.append(
            [
                b.title,
                b.proposal.title if b.proposal else "",
                b.agenda_item.meeting.title if b.agenda_item else "",
                str(BallotKind(b.kind).label),
                _("无记名") if b.secret else _("记名"),
                str(b.get_mode_display()),
                b.electorate_size,
                voted,
                share(voted, b.electorate_size),
                totals.get("for", 0) if is_for_against else None,
                totals.get("against", 0) if is_for_against else None,
                totals.get("abstain", 0),
                option_counts,
                sources,
                "" if quorum_met is None else yes_no(quorum_met),
                str(BallotResult(b.result).label) if b.result else "",
                local(b.closed_at),
            ]
        )
    return BALLOT_HEADERS, rows


# --- 决议 --------------------------------------------------------------------------------------

RESOLUTION_HEADERS = [
    "决议标题", "议题", "表决事项", "公示时间", "公示截止", "状态", "生效时间", "异议数",
    "异议及答复",
]  # fmt: skip


def _objection_text(i: int, o: Objection) -> str:
    if o.answered_at is None:
        answer = _("待答复")
    else:
        verdict = _("异议成立") if o.upheld else _("异议不成立")
        answer = _("%(verdict)s，答复：%(answer)s") % {"verdict": verdict, "answer": o.answer}
    return f"{i}. {o.reason}\n   {answer}"


def resolution_rows(hall: Hall, month: Month, *, today: date | None = None) -> Table:
    """Resolutions published on the notice board in the month, with their objections."""
    resolutions = (
        Resolution.objects.filter(_in_month("published_at", month), hall=hall)
        .select_related("ballot", "proposal")
        .prefetch_related(
            Prefetch(
                "objections", queryset=Objection.objects.order_by("lodged_at", "pk"), to_attr="obj"
            )
        )
        .order_by("published_at", "pk")
    )
    rows = []
    for r in resolutions:
        rows.append(
            [
                r.title,
                r.proposal.title if r.proposal else "",
                r.ballot.title,
                local(r.published_at),
                local(r.notice_ends_at),
                str(ResolutionState(r.state).label),
                local(r.effective_at),
                len(r.obj),
                "\n".join(_objection_text(i, o) for i, o in enumerate(r.obj, 1)),
            ]
        )
    return RESOLUTION_HEADERS, rows


# --- 任务 --------------------------------------------------------------------------------------

TASK_HEADERS = [
    "任务名称", "所属决议", "服务品牌", "地点", "执行负责人", "创建时间", "完成期限", "状态",
    "状态说明", "进度", "逾期", "完成时间", "进展报告数", "评议轮次", "满意", "基本满意",
    "不满意", "满意率",
]  # fmt: skip


def _overdue(task: GovernanceTask, today: date) -> str:
    if task.is_overdue(today):
        return _("是")
    if task.state == TaskState.DONE and task.done_at and local_day(task.done_at) > task.due_on:
        return _("逾期完成")
    return _("否")


def latest_rounds(resolution_ids: set[int]) -> dict[int, ResultPublication]:
    """The latest result round of each resolution, with its rating counts (one query)."""
    if not resolution_ids:
        return {}
    rounds = ResultPublication.objects.filter(resolution_id__in=resolution_ids).annotate(
        n_satisfied=Count("evaluations", filter=Q(evaluations__rating=Rating.SATISFIED)),
        n_basically=Count("evaluations", filter=Q(evaluations__rating=Rating.BASICALLY)),
        n_dissatisfied=Count("evaluations", filter=Q(evaluations__rating=Rating.DISSATISFIED)),
    )
    latest: dict[int, ResultPublication] = {}
    for r in rounds:
        if r.resolution_id not in latest or r.round > latest[r.resolution_id].round:
            latest[r.resolution_id] = r
    return latest


def task_rows(hall: Hall, month: Month, *, today: date | None = None) -> Table:
    """Tasks active in the month: created before its end, not done or cancelled before its start.

    State, progress and the overdue flag are as of the export (`today`); the evaluation
    columns are the latest result round of the task's resolution (all its tasks share it).
    """
    today = today or timezone.localdate()
    cancelled_at = Subquery(
        TaskEvent.objects.filter(task=OuterRef("pk"), to_state=TaskState.CANCELLED)
        .order_by("-at", "-pk")
        .values("at")[:1]
    )
    tasks = list(
        GovernanceTask.objects.filter(hall=hall, created_at__lt=month.end)
        .annotate(cancelled_at=cancelled_at, n_reports=Count("reports", distinct=True))
        .exclude(Q(state=TaskState.DONE) & Q(done_at__lt=month.start))
        .exclude(Q(state=TaskState.CANCELLED) & Q(cancelled_at__lt=month.start))
        .select_related("resolution", "brand", "building", "owner")
        .prefetch_related("subtasks")
        .order_by("due_on", "pk")
    )
    results = latest_rounds({t.resolution_id for t in tasks})
    rows = []
    for t in tasks:
        result = results.get(t.resolution_id)
        if result is not None:
            counts = [result.n_satisfied, result.n_basically, result.n_dissatisfied]
            rated = sum(counts)
            evaluation = [result.round, *counts, share(counts[0] + counts[1], rated)]
        else:
            evaluation = [None, None, None, None, None]
        rows.append(
            [
                t.title,
                t.resolution.title,
                t.brand.name if t.brand else "",
                t.building.name if t.building else _("全小区"),
                name(t.owner),
                local(t.created_at),
                t.due_on,
                str(TaskState(t.state).label),
                t.state_reason,
                Percent(task_progress(t) / 100),
                _overdue(t, today),
                local(t.done_at),
                t.n_reports,
                *evaluation,
            ]
        )
    return TASK_HEADERS, rows


# --- the sheets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    key: str  # in URLs and CSV file names
    title: str  # the sheet's Chinese name
    rule: Any  # which rows belong to the month (shown on the download page)
    build: Callable[..., Table]

    @property
    def label(self) -> str:
        """The sheet's name on the download page, in the page's language."""
        return str(SHEET_LABELS[self.key])


# The sheets' names on the page (the files keep their Chinese `title`).
SHEET_LABELS = {
    "proposals": gettext_lazy("议题"),
    "meetings": gettext_lazy("会议"),
    "ballots": gettext_lazy("表决"),
    "resolutions": gettext_lazy("决议"),
    "tasks": gettext_lazy("任务"),
}

SHEETS: list[Sheet] = [
    Sheet("proposals", "议题", gettext_lazy("发布（开始征集附议）时间在本月的议题"), proposal_rows),
    Sheet("meetings", "会议", gettext_lazy("开始时间在本月的议事会议及签到情况"), meeting_rows),
    Sheet("ballots", "表决", gettext_lazy("在本月结束计票的表决（只列票数）"), ballot_rows),
    Sheet("resolutions", "决议", gettext_lazy("在本月公示的决议及其异议和答复"), resolution_rows),
    Sheet(
        "tasks",
        "任务",
        gettext_lazy("本月内处于落实中的治理任务（本月底前创建，且未在本月前完成或取消）"),
        task_rows,
    ),
]
SHEETS_BY_KEY = {s.key: s for s in SHEETS}
EMPTY_NOTE = "本月无记录"
EXPORT_LANGUAGE = "zh-hans"


def sheet_table(sheet: Sheet, hall: Hall, month: Month, *, today: date | None = None) -> Table:
    """One sheet's table, always in Chinese (the 台账 is an official record, whatever the page's
    language)."""
    with translation.override(EXPORT_LANGUAGE):
        return sheet.build(hall, month, today=today)


def all_tables(hall: Hall, month: Month, *, today: date | None = None) -> list[tuple[Sheet, Table]]:
    """Every sheet's table for the hall and month, in workbook order."""
    return [(s, sheet_table(s, hall, month, today=today)) for s in SHEETS]
