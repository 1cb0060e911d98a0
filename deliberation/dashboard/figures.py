"""The dashboard's figures （数据看板）：pure reads of a hall (or several) over a period.

Every function takes the hall(s), a `Period` and `today`, runs aggregate queries and returns
plain dataclasses — the page, the API and the tests use the same numbers. The definitions
are written out in docs/dashboard.md; keep the two in step.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import BigIntegerField, Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import (
    Building,
    Community,
    Compound,
    Hall,
    Membership,
    MembershipStatus,
    ServiceBrand,
    Street,
)
from deliberation.meetings import selectors as meeting_selectors
from deliberation.models import (
    Evaluation,
    GovernanceTask,
    Meeting,
    Rating,
    Resolution,
    ResultPublication,
    ResultState,
    TaskState,
)
from deliberation.models.meetings import MeetingState
from deliberation.models.votes import Ballot, BallotState
from forum.models import Comment, ModerationState, Proposal, ProposalState, Second

OPEN_TASK_STATES = (TaskState.PENDING, TaskState.IN_PROGRESS, TaskState.BLOCKED)
NO_BRAND = "none"
NO_BUILDING = "none"
MAX_PERIOD_DAYS = 366 * 5


# --- the period -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Dates from `start` to `end`, both included, in the site's zone (Asia/Shanghai)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(_("开始日期不能晚于结束日期。"))
        if (self.end - self.start).days > MAX_PERIOD_DAYS:
            raise ValueError(_("时间段最长五年。"))

    @property
    def since(self) -> datetime:
        """The first moment of the period (aware)."""
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        """The first moment after the period (aware, excluded)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def as_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    # The quick picks.
    @classmethod
    def last_12_months(cls, today: date) -> Period:
        """The current month and the 11 before it."""
        month = today.month - 11
        year = today.year
        if month < 1:
            month += 12
            year -= 1
        return cls(date(year, month, 1), today)

    @classmethod
    def this_month(cls, today: date) -> Period:
        return cls(today.replace(day=1), today)

    @classmethod
    def this_quarter(cls, today: date) -> Period:
        first = 3 * ((today.month - 1) // 3) + 1
        return cls(date(today.year, first, 1), today)

    @classmethod
    def this_year(cls, today: date) -> Period:
        return cls(date(today.year, 1, 1), today)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @classmethod
    def parse(cls, start: str | None, end: str | None, *, today: date) -> Period:
        """From `?from=YYYY-MM-DD&to=YYYY-MM-DD` (either may be left out); ValueError if bad."""
        default = cls.last_12_months(today)
        try:
            s = date.fromisoformat(start) if start else default.start
            e = date.fromisoformat(end) if end else (today if start else default.end)
        except ValueError:
            raise ValueError(_("日期格式应为 YYYY-MM-DD。")) from None
        return cls(s, e)


def quick_picks(today: date) -> list[dict[str, Any]]:
    """The periods offered as one-tap links."""
    return [
        {"key": "12m", "label": _("近12个月"), "period": Period.last_12_months(today)},
        {"key": "month", "label": _("本月"), "period": Period.this_month(today)},
        {"key": "quarter", "label": _("本季度"), "period": Period.this_quarter(today)},
        {"key": "year", "label": _("本年"), "period": Period.this_year(today)},
    ]


# --- the figures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    """A share with its parts, so a page can say "3/4 (75%)" and a test can check both."""

    num: int
    den: int

    @property
    def value(self) -> float | None:
        return None if self.den == 0 else self.num / self.den

    @property
    def percent(self) -> float | None:
        """Percent with one decimal, or None when there is nothing to divide by."""
        return None if self.den == 0 else round(100 * self.num / self.den, 1)

    def as_dict(self) -> dict[str, Any]:
        return {"num": self.num, "den": self.den, "percent": self.percent}


@dataclass(frozen=True)
class Average:
    """The mean of `n` durations in days (one decimal), None when there are none."""

    n: int
    days: float | None

    @classmethod
    def of(cls, spans: list[timedelta]) -> Average:
        if not spans:
            return cls(0, None)
        total = sum(s.total_seconds() for s in spans)
        return cls(len(spans), round(total / len(spans) / 86400, 1))


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    value: int


@dataclass(frozen=True)
class BuildingActivity:
    key: str
    name: str
    seconds: int
    comments: int


@dataclass(frozen=True)
class MeetingFigure:
    id: int
    title: str
    starts_at: datetime  # scheduled
    held_at: datetime  # when it really opened
    present: int
    electorate: int
    attendance: Ratio
    quorum_needed: int
    quorum_met: bool


@dataclass(frozen=True)
class BallotFigure:
    id: int
    title: str
    closed_at: datetime
    voters: int
    electorate: int
    turnout: Ratio
    result: str


@dataclass(frozen=True)
class TaskFigures:
    total: int  # due in the period, cancelled ones included
    done: int
    cancelled: int
    open: int
    overdue_open: int  # open and past the due date today
    done_late: int  # done after the due date
    completion: Ratio  # done ÷ (total − cancelled)
    overdue: Ratio  # (overdue_open + done_late) ÷ (total − cancelled)


@dataclass(frozen=True)
class Satisfaction:
    key: str
    brand: str
    satisfied: int
    basically: int
    dissatisfied: int

    @property
    def total(self) -> int:
        return self.satisfied + self.basically + self.dissatisfied

    @property
    def rate(self) -> Ratio:
        """满意率：（满意 + 基本满意） ÷ all ratings."""
        return Ratio(self.satisfied + self.basically, self.total)


@dataclass
class HallFigures:
    hall_id: int
    hall_name: str
    hall_slug: str
    compound: str
    period: Period
    today: date
    proposals_total: int = 0
    proposals_by_state: list[Bucket] = field(default_factory=list)
    proposals_by_brand: list[Bucket] = field(default_factory=list)
    by_building: list[BuildingActivity] = field(default_factory=list)
    meetings: list[MeetingFigure] = field(default_factory=list)
    quorum_fraction: str = ""
    ballots: list[BallotFigure] = field(default_factory=list)
    days_to_resolution: Average = Average(0, None)
    days_to_completion: Average = Average(0, None)
    tasks: TaskFigures | None = None
    satisfaction_by_brand: list[Satisfaction] = field(default_factory=list)

    @property
    def meetings_held(self) -> int:
        return len(self.meetings)

    @property
    def attendance(self) -> Ratio:
        """Everyone present at the meetings ÷ the electorate summed over them."""
        return Ratio(
            sum(m.present for m in self.meetings), sum(m.electorate for m in self.meetings)
        )

    @property
    def quorum_rate(self) -> Ratio:
        return Ratio(sum(1 for m in self.meetings if m.quorum_met), len(self.meetings))

    @property
    def turnout(self) -> Ratio:
        """Everyone who voted ÷ the electorate summed over the ballots closed in the period."""
        return Ratio(sum(b.voters for b in self.ballots), sum(b.electorate for b in self.ballots))

    @property
    def satisfaction(self) -> Ratio:
        return Ratio(
            sum(s.rate.num for s in self.satisfaction_by_brand),
            sum(s.total for s in self.satisfaction_by_brand),
        )

    @property
    def ratings_total(self) -> int:
        return sum(s.total for s in self.satisfaction_by_brand)

    @property
    def active(self) -> bool:
        """A hall is active in the period if a proposal was published or a meeting held."""
        return self.proposals_total > 0 or self.meetings_held > 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures (datetimes stay datetimes; ninja encodes them)."""
        t = self.tasks
        return {
            "hall": {"id": self.hall_id, "name": self.hall_name, "slug": self.hall_slug},
            "compound": self.compound,
            "period": self.period.as_dict(),
            "active": self.active,
            "proposals": {
                "total": self.proposals_total,
                "by_state": [asdict(c) for c in self.proposals_by_state],
                "by_brand": [asdict(c) for c in self.proposals_by_brand],
            },
            "by_building": [asdict(b) for b in self.by_building],
            "meetings": {
                "held": self.meetings_held,
                "quorum_fraction": self.quorum_fraction,
                "attendance": self.attendance.as_dict(),
                "quorum_rate": self.quorum_rate.as_dict(),
                "items": [
                    {
                        "id": m.id,
                        "title": m.title,
                        "starts_at": m.starts_at,
                        "held_at": m.held_at,
                        "present": m.present,
                        "electorate": m.electorate,
                        "attendance": m.attendance.as_dict(),
                        "quorum_needed": m.quorum_needed,
                        "quorum_met": m.quorum_met,
                    }
                    for m in self.meetings
                ],
            },
            "ballots": {
                "closed": len(self.ballots),
                "turnout": self.turnout.as_dict(),
                "items": [
                    {
                        "id": b.id,
                        "title": b.title,
                        "closed_at": b.closed_at,
                        "voters": b.voters,
                        "electorate": b.electorate,
                        "turnout": b.turnout.as_dict(),
                        "result": b.result,
                    }
                    for b in self.ballots
                ],
            },
            "days_to_resolution": asdict(self.days_to_resolution),
            "days_to_completion": asdict(self.days_to_completion),
            "tasks": None
            if t is None
            else {
                "total": t.total,
                "done": t.done,
                "cancelled": t.cancelled,
                "open": t.open,
                "overdue_open": t.overdue_open,
                "done_late": t.done_late,
                "completion": t.completion.as_dict(),
                "overdue": t.overdue.as_dict(),
            },
            "satisfaction": {
                "ratings": self.ratings_total,
                "rate": self.satisfaction.as_dict(),
                "by_brand": [
                    {
                        "key": s.key,
                        "brand": s.brand,
                        "satisfied": s.satisfied,
                        "basically": s.basically,
                        "dissatisfied": s.dissatisfied,
                        "total": s.total,
                        "rate": s.rate.as_dict(),
                    }
                    for s in self.satisfaction_by_brand
                ],
            },
        }


# --- one hall ------------------------------------------------------------------------------


def _in(period: Period, name: str) -> Q:
    return Q(**{f"{name}__gte": period.since, f"{name}__lt": period.until})


def proposals_published(hall: Hall, period: Period):
    """Proposals published in the period (drafts never count)."""
    return (
        Proposal.objects.filter(hall=hall)
        .exclude(state=ProposalState.DRAFT)
        .filter(_in(period, "published_at"))
    )


def proposal_counts(hall: Hall, period: Period) -> tuple[int, list[Bucket], list[Bucket]]:
    """(total, by current state, by brand) of the proposals published in the period."""
    qs = proposals_published(hall, period)
    by_state = dict(qs.values_list("state").annotate(n=Count("pk")).order_by())
    by_brand = dict(qs.values_list("brand_id").annotate(n=Count("pk")).order_by())
    states = [
        Bucket(s, str(ProposalState(s).label), by_state.get(s, 0))
        for s in ProposalState.values
        if s != ProposalState.DRAFT
    ]
    brands = [
        Bucket(str(b.pk), b.name, by_brand.get(b.pk, 0))
        for b in ServiceBrand.objects.filter(hall=hall).order_by("order", "pk")
        if b.is_active or by_brand.get(b.pk)
    ]
    if by_brand.get(None):
        brands.append(Bucket(NO_BRAND, _("未选品牌"), by_brand[None]))
    return sum(by_state.values()), states, brands


def _person_building(hall: Hall, user_ref: str):
    """The building of a person: their membership's in this hall, else their account's."""
    membership = Membership.objects.filter(hall=hall, user=OuterRef(user_ref)).values(
        "building_id"
    )[:1]
    return Coalesce(
        Subquery(membership), F(f"{user_ref}__building_id"), output_field=BigIntegerField()
    )


def activity_by_building(hall: Hall, period: Period) -> list[BuildingActivity]:
    """Seconds and comments made in the period, by the building of the person who made them."""
    seconds = dict(
        Second.objects.filter(proposal__hall=hall)
        .filter(_in(period, "at"))
        .annotate(b=_person_building(hall, "user"))
        .values_list("b")
        .annotate(n=Count("pk"))
        .order_by()
    )
    comments = dict(
        Comment.objects.filter(
            proposal__hall=hall, is_deleted=False, moderation=ModerationState.VISIBLE
        )
        .filter(_in(period, "created_at"))
        .annotate(b=_person_building(hall, "author"))
        .values_list("b")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = [
        BuildingActivity(str(b.pk), b.name, seconds.get(b.pk, 0), comments.get(b.pk, 0))
        for b in Building.objects.filter(compound_id=hall.compound_id).order_by("order", "name")
    ]
    if seconds.get(None) or comments.get(None):
        rows.append(
            BuildingActivity(
                NO_BUILDING, _("未登记楼栋"), seconds.get(None, 0), comments.get(None, 0)
            )
        )
    return rows


def electorate_of(hall: Hall) -> int:
    """Active members of the hall: who may attend and count for a meeting's quorum."""
    return Membership.objects.filter(hall=hall, status=MembershipStatus.ACTIVE).count()


def meeting_figures(hall: Hall, period: Period) -> list[MeetingFigure]:
    """Meetings held (opened) in the period, with attendance and quorum.

    Dated by when they really opened；应到 and 实到 from the electorate kept when each opened
    (meetings.selectors.attendance_of), so a past period's figures do not change when members
    join or leave later (a meeting opened before snapshots were kept counts the hall now)."""
    meetings = list(
        Meeting.objects.filter(hall=hall, opened_at__isnull=False)
        .exclude(state=MeetingState.SCHEDULED)
        .filter(_in(period, "opened_at"))
        .order_by("opened_at", "pk")
    )
    figures = meeting_selectors.attendance_of(meetings, hall)
    out = []
    for m in meetings:
        att = figures[m.pk]
        out.append(
            MeetingFigure(
                id=m.pk,
                title=m.title,
                starts_at=m.starts_at,
                held_at=m.opened_at,
                present=att.present,
                electorate=att.electorate,
                attendance=Ratio(att.present, att.electorate),
                quorum_needed=att.needed,
                quorum_met=att.met,
            )
        )
    return out


def ballot_figures(hall: Hall, period: Period) -> list[BallotFigure]:
    """Ballots closed in the period: who voted (all channels) over the electorate snapshot."""
    out = []
    for b in (
        Ballot.objects.filter(hall=hall, state=BallotState.CLOSED)
        .filter(_in(period, "closed_at"))
        .only("pk", "title", "closed_at", "outcome", "electorate_size", "result")
        .order_by("closed_at", "pk")
    ):
        outcome = b.outcome or {}
        voters = int(outcome.get("ballots") or 0)
        electorate = b.electorate_size or int(outcome.get("electorate") or 0)
        out.append(
            BallotFigure(
                id=b.pk,
                title=b.title,
                closed_at=b.closed_at,
                voters=voters,
                electorate=electorate,
                turnout=Ratio(voters, electorate),
                result=b.result,
            )
        )
    return out


def days_to_resolution(hall: Hall, period: Period) -> Average:
    """Days from a proposal's publication to its resolution's publication （决议公示），
    over resolutions published in the period."""
    rows = (
        Resolution.objects.filter(hall=hall, proposal__published_at__isnull=False)
        .filter(_in(period, "published_at"))
        .values_list("published_at", "proposal__published_at")
    )
    return Average.of([res - prop for res, prop in rows])


def days_to_completion(hall: Hall, period: Period) -> Average:
    """Days from a resolution taking effect to its result's first publication （实施结果公开），
    over first results published in the period."""
    rows = (
        ResultPublication.objects.filter(hall=hall, round=1, resolution__effective_at__isnull=False)
        .filter(_in(period, "published_at"))
        .values_list("published_at", "resolution__effective_at")
    )
    return Average.of([done - eff for done, eff in rows])


def task_figures(hall: Hall, period: Period, today: date) -> TaskFigures:
    """Tasks due in the period: done, cancelled, open, overdue (open past due, or done late)."""
    agg = GovernanceTask.objects.filter(
        hall=hall, due_on__gte=period.start, due_on__lte=period.end
    ).aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(state=TaskState.DONE)),
        cancelled=Count("pk", filter=Q(state=TaskState.CANCELLED)),
        open=Count("pk", filter=Q(state__in=OPEN_TASK_STATES)),
        overdue_open=Count("pk", filter=Q(state__in=OPEN_TASK_STATES, due_on__lt=today)),
        done_late=Count("pk", filter=Q(state=TaskState.DONE, done_at__date__gt=F("due_on"))),
    )
    counted = agg["total"] - agg["cancelled"]
    return TaskFigures(
        total=agg["total"],
        done=agg["done"],
        cancelled=agg["cancelled"],
        open=agg["open"],
        overdue_open=agg["overdue_open"],
        done_late=agg["done_late"],
        completion=Ratio(agg["done"], counted),
        overdue=Ratio(agg["overdue_open"] + agg["done_late"], counted),
    )


def satisfaction_by_brand(hall: Hall, period: Period) -> list[Satisfaction]:
    """Ratings given in the period, by the brand of the rated result's proposal.

    Only rounds that are closed: while a round is open its breakdown is shown to nobody who
    has not rated it, heads and admins included (docs/results.md), so early ratings cannot
    sway later ones.
    """
    counts: dict[Any, dict[str, int]] = defaultdict(lambda: {r: 0 for r in Rating.values})
    for brand_id, rating, n in (
        Evaluation.objects.filter(result__hall=hall)
        .exclude(result__state=ResultState.EVALUATING)
        .filter(_in(period, "created_at"))
        .values_list("result__resolution__proposal__brand_id", "rating")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[brand_id][rating] += n
    rows = []
    for b in ServiceBrand.objects.filter(hall=hall).order_by("order", "pk"):
        if b.is_active or b.pk in counts:
            c = counts.get(b.pk, {})
            rows.append(
                Satisfaction(
                    str(b.pk),
                    b.name,
                    c.get(Rating.SATISFIED, 0),
                    c.get(Rating.BASICALLY, 0),
                    c.get(Rating.DISSATISFIED, 0),
                )
            )
    if None in counts:
        c = counts[None]
        rows.append(
            Satisfaction(
                NO_BRAND,
                _("未选品牌"),
                c[Rating.SATISFIED],
                c[Rating.BASICALLY],
                c[Rating.DISSATISFIED],
            )
        )
    return rows


def hall_figures(hall: Hall, period: Period, *, today: date | None = None) -> HallFigures:
    """Every figure of the dashboard for one hall and period."""
    today = today or timezone.localdate()
    total, by_state, by_brand = proposal_counts(hall, period)
    return HallFigures(
        hall_id=hall.pk,
        hall_name=hall.name,
        hall_slug=hall.slug,
        compound=hall.compound.name,
        period=period,
        today=today,
        proposals_total=total,
        proposals_by_state=by_state,
        proposals_by_brand=by_brand,
        by_building=activity_by_building(hall, period),
        meetings=meeting_figures(hall, period),
        quorum_fraction=str(hall.quorum_fraction),
        ballots=ballot_figures(hall, period),
        days_to_resolution=days_to_resolution(hall, period),
        days_to_completion=days_to_completion(hall, period),
        tasks=task_figures(hall, period, today),
        satisfaction_by_brand=satisfaction_by_brand(hall, period),
    )


# --- a community or a street, hall beside hall ---------------------------------------------


@dataclass
class FederationFigures:
    scope_kind: str  # "community" | "street"
    scope_id: int
    scope_name: str
    period: Period
    halls: list[HallFigures]
    compounds_without_hall: list[dict[str, Any]]

    @property
    def active_halls(self) -> int:
        return sum(1 for h in self.halls if h.active)

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": {"kind": self.scope_kind, "id": self.scope_id, "name": self.scope_name},
            "period": self.period.as_dict(),
            "halls_total": len(self.halls),
            "halls_active": self.active_halls,
            "compounds_without_hall": self.compounds_without_hall,
            "halls": [h.as_dict() for h in self.halls],
        }


def halls_in(scope: Community | Street):
    qs = Hall.objects.select_related("compound__community")
    if isinstance(scope, Street):
        return qs.filter(compound__community__street=scope).order_by(
            "compound__community__name", "compound__name", "pk"
        )
    return qs.filter(compound__community=scope).order_by("compound__name", "pk")


def federation_figures(
    scope: Community | Street, period: Period, *, today: date | None = None
) -> FederationFigures:
    """The same figures for every hall of a community or a street, and compounds with no hall."""
    today = today or timezone.localdate()
    halls = [hall_figures(h, period, today=today) for h in halls_in(scope)]
    compounds = Compound.objects.filter(halls__isnull=True).select_related("community")
    if isinstance(scope, Street):
        compounds = compounds.filter(community__street=scope)
    else:
        compounds = compounds.filter(community=scope)
    return FederationFigures(
        scope_kind="street" if isinstance(scope, Street) else "community",
        scope_id=scope.pk,
        scope_name=scope.name,
        period=period,
        halls=halls,
        compounds_without_hall=[
            {"id": c.pk, "name": c.name, "community": c.community.name}
            for c in compounds.order_by("community__name", "name")
        ],
    )
