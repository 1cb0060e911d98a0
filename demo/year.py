"""A year of 芳华议事厅 for the demo: `seed_demo` plays it after the other demo data.

~40 proposals across the five brands in every state, 10 monthly meetings with check-ins,
speeches, live and online ballots and confirmed minutes, resolutions on notice with
objections, governance tasks with progress reports (some overdue, one blocked, one cancelled),
published results and residents' evaluations — one of them reopened. The fountain of the seed
article (demo/forum.py's 「修复中心花园喷泉」) goes all the way, from posting to archive.

How: the story (demo/year_data.py) is turned into a plan of dated steps, sorted
by time and played through the real services, so history rows, the ledger and the
notifications come out in the order they happened. Services that stamp the real time get the
story's time afterwards (`stamped`, queryset updates). Ledger entries keep the time they were
appended (their time is hashed into the chain), so the demo's ledger is dated when it was
loaded; their payloads carry the story's dates.

Dates are relative to the real today (Asia/Shanghai): run it any day and last winter's fountain
is still last winter's, and the overdue tasks are overdue. Deterministic (a seeded random
generator), idempotent (nothing is done when the year is there), fast (no password hashing for
the 60 residents: they cannot log in; only the documented demo accounts can).
"""

from __future__ import annotations

import bisect
import importlib
import random
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from community.models import Building, Membership, MembershipRole, MembershipStatus, User
from community.roles import Role
from deliberation.meetings import services as ms
from deliberation.models import (
    AgendaItem,
    CheckIn,
    Meeting,
    MinutesVersion,
    ResultPublication,
    Speech,
    TaskState,
)
from deliberation.models.votes import BallotKind, BallotMode, ElectorateScope
from deliberation.results import evaluation
from deliberation.results import services as results
from deliberation.results.services import residents_of_place
from deliberation.tasks import services as task_services
from deliberation.votes import services as sv
from demo.year_data import (
    BULK_PEOPLE,
    BULK_RESIDENTS,
    FAMILIAR,
    FOUNTAIN_TITLE,
    FREE_ITEMS,
    GIVEN,
    MARKER_TITLE,
    MEETINGS,
    POLL,
    PROPOSALS,
    SURNAMES,
)
from forum import services as fs
from forum.models import (
    Comment,
    Follow,
    Notification,
    Proposal,
    ProposalEvent,
    ProposalState,
    Reaction,
    Second,
)
from forum.workflow import proposal_transition
from realtime import coalesce

S = ProposalState
T = TaskState
RNG_SEED = 20211013  # the day 名苑小区's 妇女微家 was founded

# =============================================================================================
# The task and evaluation services, with the demo's small conveniences
# =============================================================================================

task_create = task_services.task_create
task_move = task_services.task_move
subtask_toggle = task_services.subtask_toggle
task_report_progress = task_services.task_report_progress
result_summary_update = results.result_summary_update


def task_update_due(*, actor, task, due_on: date, now) -> None:
    """Give a reopened task a new due date (the service clears its reminders)."""
    task_services.task_update(actor=actor, task=task, due_on=due_on, now=now)


def evaluations_submit(*, result: ResultPublication, ratings: list) -> None:
    """Each resident's rating through the service; `ratings` is [(user, rating, comment, when)]."""
    for user, rating, comment, at in ratings:
        evaluation.evaluation_submit(
            user=user, result=result, rating=rating, comment=comment, now=at
        )


def evaluation_close(*, result: ResultPublication, now) -> None:
    """Close the round at the end of its period (accepted → archived, or reopened)."""
    evaluation.evaluation_close(result=result, now=now)


# Live events (websocket frames, the meeting room's sections, unread counts) are neither built
# nor sent while the demo loads: nobody is connected, and a year of them is most of the cost.
LIVE_EVENTS = [
    ("forum.services", "publish"),
    ("forum.services", "_publish_proposal"),
    ("forum.services", "_publish_history"),
    ("forum.notifications", "publish_unread"),
    # A year of e-mails and texts is not sent to anyone: the rows stay, marked 待发送.
    ("forum.notifications", "schedule_delivery"),
    ("deliberation.meetings.services", "publish"),
    ("deliberation.meetings.services", "_publish"),
    ("deliberation.votes.services", "publish"),
    ("deliberation.votes.services", "_publish_meeting"),
    ("deliberation.votes.services", "_schedule_tally"),
]


def _no_event(*args, **kwargs) -> int:
    return 0


@contextmanager
def no_live_events():
    """Swap the services' publishing helpers for no-ops for the duration of the block."""
    saved = []
    try:
        for module_name, name in LIVE_EVENTS:
            module = importlib.import_module(module_name)
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, _no_event)
        yield
    finally:
        for module, name, fn in saved:
            setattr(module, name, fn)


# =============================================================================================
# Time: the story's clock
# =============================================================================================

# Rows the services stamp with the real time (model → its time field).
STAMPS = {
    ProposalEvent: "at",
    Notification: "created_at",
    Second: "at",
    Follow: "at",
    Comment: "created_at",
    Reaction: "at",
    CheckIn: "at",
    Speech: "raised_at",
    MinutesVersion: "at",
    Meeting: "created_at",
}


class Stamper:
    """Gives the rows that the services stamp with the real time the story's time.

    `with stamped(when):` says "what is made from now on happened at `when`" (and the step's
    own time again after the block); `play` does the same before each step. Rows made meanwhile
    carry the real time, so at the end one pass per model (`apply`) maps each real time to the
    story time that was current then. Rows given a (past) time explicitly are left alone.
    """

    def __init__(self):
        self.marks: list[tuple[datetime, datetime | None]] = []
        self.current: datetime | None = None

    def set(self, when: datetime | None) -> None:
        self.marks.append((timezone.now(), when))
        self.current = when

    @contextmanager
    def __call__(self, when: datetime):
        outer = self.current
        self.set(when)
        try:
            yield
        finally:
            self.set(outer)

    def apply(self) -> None:
        reals = [real for real, _story in self.marks]
        for model, field in STAMPS.items():
            column = model._meta.get_field(field).column
            rows = []
            for pk, real in model.objects.filter(**{f"{field}__gte": reals[0]}).values_list(
                "pk", field
            ):
                story = self.marks[bisect.bisect_right(reals, real) - 1][1]
                if story is not None:
                    rows.append((connection.ops.adapt_datetimefield_value(story), pk))
            if rows:
                quote = connection.ops.quote_name
                sql = f"UPDATE {quote(model._meta.db_table)} SET {quote(column)} = %s WHERE id = %s"
                with connection.cursor() as cursor:
                    cursor.executemany(sql, rows)


class Clock:
    """Days relative to the real today, in the site's zone (Asia/Shanghai)."""

    def __init__(self):
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)

    def at(self, offset: float, hour: int = 10, minute: int = 0) -> datetime:
        """The moment `offset` days from today (a fraction adds hours) at hour:minute."""
        whole = int(offset // 1)
        moment = datetime.combine(self.today + timedelta(days=whole), time(hour, minute))
        return timezone.make_aware(moment) + timedelta(days=offset - whole)

    def saturday(self, ago: int) -> int:
        """The offset of the Saturday on or before `ago` days ago."""
        day = self.today - timedelta(days=ago)
        day -= timedelta(days=(day.weekday() - 5) % 7)
        return (day - self.today).days


# =============================================================================================
# People
# =============================================================================================


class Cast:
    """Who is who in the year: the demo accounts and 60 residents (created in bulk)."""

    def __init__(self, hall, users, rng: random.Random):
        self.hall, self.users, self.rng = hall, users, rng
        self.buildings = list(Building.objects.filter(compound=hall.compound).order_by("order"))
        self.bulk = self._residents()
        self.volunteers = [u for u in self.bulk if u.role == Role.VOLUNTEER]
        self.members = [u for u in self.bulk if u.role == Role.MEMBER]
        self.by_building = {
            b.name: [u for u in self.bulk if u.building_id == b.pk] for b in self.buildings
        }
        self.head, self.mod, self.rec = users["huangxiufen"], users["chenhong"], users["linfang"]
        self.regulars = [
            users[n] for n in ("zhaoxiuying", "liping", "wangayi", "zhangnainai", "liushushu")
        ]

    def _residents(self) -> list[User]:
        people = [(u, n, b, r) for u, n, b, r in BULK_PEOPLE]
        names = {n for _u, n, _b, _r in people}
        while len(people) < len(BULK_PEOPLE) + BULK_RESIDENTS:
            surname = self.rng.choice(SURNAMES)
            if self.rng.random() < 0.3:
                name = surname + self.rng.choice(FAMILIAR)
            else:
                name = surname + self.rng.choice(GIVEN)
            if name in names:
                continue
            names.add(name)
            i = len(people)
            people.append((f"mingyuan{i + 1:02d}", name, i % len(self.buildings), ""))
        existing = {u.username: u for u in User.objects.filter(username__startswith="mingyuan")}
        joined = timezone.now() - timedelta(days=400)
        new = [
            User(username=u, display_name=n, building=self.buildings[b], password="!",
                 date_joined=joined + timedelta(days=i))
            for i, (u, n, b, _r) in enumerate(people)
            if u not in existing
        ]  # fmt: skip
        for user in new:
            user.set_unusable_password()  # no hashing: these residents cannot log in
        User.objects.bulk_create(new)
        users = {u.username: u for u in User.objects.filter(username__in=[p[0] for p in people])}
        have = set(
            Membership.objects.filter(hall=self.hall, user__in=users.values()).values_list(
                "user_id", flat=True
            )
        )
        memberships = Membership.objects.bulk_create(
            Membership(user=users[u], hall=self.hall, status=MembershipStatus.ACTIVE,
                       building=self.buildings[b], requested_at=joined + timedelta(days=i),
                       decided_at=joined + timedelta(days=i + 1), decided_by=self.users["huangxiufen"])
            for i, (u, _n, b, _r) in enumerate(people)
            if users[u].pk not in have
        )  # fmt: skip
        role_of = {u: r for u, _n, _b, r in people}
        MembershipRole.objects.bulk_create(
            [MembershipRole(membership=m, role=Role.RESIDENT) for m in memberships]
            + [MembershipRole(membership=m, role=role_of[m.user.username]) for m in memberships if role_of[m.user.username]]
        )  # fmt: skip
        out = [users[u] for u, *_ in people]
        for user in out:
            user.role = role_of[user.username]
        return out

    def everyone(self) -> list[User]:
        return [self.head, self.mod, self.rec, *self.regulars, *self.bulk]

    def who(self, ref: str | None, exclude=()) -> User:
        """A demo username, V1…V6, M1…M12, R (any resident) or R@<building>."""
        if ref in self.users:
            return self.users[ref]
        if ref[0] in "VM" and ref[1:].isdigit():
            return (self.volunteers if ref[0] == "V" else self.members)[int(ref[1:]) - 1]
        pool = self.by_building[ref[2:]] if ref.startswith("R@") else self.bulk
        skip = {u.pk for u in exclude}
        return self.rng.choice([u for u in pool if u.pk not in skip])

    def sample(self, n: int, pool=None, exclude_ids=frozenset()) -> list[User]:
        skip = exclude_ids
        pool = [u for u in (pool or self.everyone()) if u.pk not in skip]
        return self.rng.sample(pool, min(n, len(pool)))


# =============================================================================================
# The plan: dated steps, played in order of time
# =============================================================================================


class Year:
    def __init__(self, hall, users):
        self.hall, self.rng, self.clock = hall, random.Random(RNG_SEED), Clock()
        self.cast = Cast(hall, users, self.rng)
        self.steps: list[tuple[datetime, int, Callable[[], None]]] = []
        self.stamped = Stamper()
        self.state: dict[str, dict] = {}  # per proposal title: its objects as they are made
        self.brands = {b.name: b for b in hall.brands.all()}
        self.buildings = {b.name: b for b in self.cast.buildings}
        self.meetings = [dict(spec, day=self.clock.saturday(spec["ago"])) for spec in MEETINGS]

    def step(self, when: datetime, fn: Callable[[], None]) -> None:
        self.steps.append((when, len(self.steps), fn))

    def play(self) -> None:
        now = self.clock.now
        for when, _n, fn in sorted(self.steps, key=lambda s: (s[0], s[1])):
            if when >= now:
                raise AssertionError(f"demo step in the future: {when} ({fn})")
            self.stamped.set(when)
            fn()
        self.stamped.set(None)
        self.stamped.apply()

    # --- planning ---------------------------------------------------------------------------

    def plan(self) -> None:
        for spec in PROPOSALS:
            self.state[spec["title"]] = {"spec": spec}
        for spec in PROPOSALS:
            self.plan_forum(spec)
        for index, meeting in enumerate(self.meetings):
            items = [s for s in PROPOSALS if index in (s.get("meeting"), s.get("revote"))]
            self.step(
                self.clock.at(meeting["day"] - 4, 9), lambda m=meeting, i=items: self.schedule(m, i)
            )
            self.step(
                self.clock.at(meeting["day"], 19, 10), lambda m=meeting, i=items: self.run(m, i)
            )
        for spec in PROPOSALS:
            if spec.get("vote") in ("pass", "fail"):
                self.plan_after_vote(spec)
            elif spec.get("vote") == "online":
                self.plan_online_ballot(spec)
        self.plan_poll()

    def _meeting_of(self, spec) -> int | None:
        """The meeting that decides the proposal (the re-vote after a shelved one)."""
        return spec.get("revote", spec.get("meeting"))

    def posted_day(self, spec) -> float:
        if "meeting" in spec:
            return self.meetings[spec["meeting"]]["day"] - spec.get("lead", 14)
        if "merge_into" in spec:
            return self.posted_day(self.state[spec["merge_into"]]["spec"]) + 1
        return spec["posted"]

    def plan_forum(self, spec) -> None:
        st = self.state[spec["title"]]
        day = self.posted_day(spec)
        st["posted"] = day
        if spec.get("existing"):
            self.step(self.clock.at(day, 8), lambda: self.redate_existing(spec, day))
            return
        self.step(self.clock.at(day, 9, 30), lambda: self.post(spec))
        for i in range(len(spec.get("comments", []))):
            self.step(self.clock.at(day + 0.2 + 0.45 * i, 9, 30), lambda i=i: self.comment(spec, i))
        if spec.get("draft"):
            return
        seconds = spec.get("seconds", self.hall.seconding_threshold)
        for i in range(seconds):
            self.step(self.clock.at(day + 0.3 + 0.5 * i, 9, 30), lambda: self.second(spec))
        review = spec.get("review")
        if review is None and "meeting" in spec:
            month = self.clock.at(self.meetings[spec["meeting"]]["day"]).month
            review = ("accept", "huangxiufen" if len(spec["title"]) % 2 else "zhaoxiuying",
                      f"受理，列入{month}月议事会议程。")  # fmt: skip
        if review:
            self.step(self.clock.at(day + 3, 15), lambda: self.review(spec, review))
        if spec.get("archive_rejected"):
            archived = self.clock.at(day + 10, 10)
            self.step(archived, lambda: self.move(spec, S.ARCHIVED, "不予受理，归档", archived))
        if "merge_into" in spec:
            self.step(self.clock.at(day + 3, 16), lambda: self.merge(spec))

    # --- forum steps ------------------------------------------------------------------------

    def _proposal(self, spec, fresh: bool = False) -> Proposal:
        p = self.state[spec["title"]]["proposal"]
        if fresh:  # the services take the row's state from the object passed
            p.refresh_from_db()
        return p

    def post(self, spec) -> None:
        st = self.state[spec["title"]]
        when = self.clock.at(st["posted"], 9, 30)
        author = self.cast.who(spec["author"])
        st["author"] = author
        with self.stamped(when):
            p = fs.proposal_create(
                author=author,
                hall=self.hall,
                title=spec["title"],
                body=spec["body"],
                brand=self.brands.get(spec.get("brand")),
                building=self.buildings.get(spec.get("building")),
                publish_now=not spec.get("draft"),
            )
        Proposal.objects.filter(pk=p.pk).update(
            created_at=when, published_at=None if spec.get("draft") else when
        )
        st["proposal"] = p

    def comment(self, spec, i: int) -> None:
        st = self.state[spec["title"]]
        ref, stance, text = spec["comments"][i]
        who = self.cast.who(ref, exclude=[st["author"]])
        with self.stamped(self.clock.at(st["posted"] + 0.2 + 0.45 * i, 9, 30)):
            fs.comment_post(author=who, proposal=self._proposal(spec), body=text, stance=stance)

    def second(self, spec) -> None:
        st = self.state[spec["title"]]
        p = self._proposal(spec)
        done = list(p.seconds.values_list("user_id", flat=True))
        pool = self.cast.by_building[spec["building"]] if spec.get("building") else None
        who = self.cast.sample(1, pool=pool, exclude_ids={st["author"].pk, *done})[0]
        with self.stamped(self.clock.at(st["posted"] + 0.3 + 0.5 * len(done), 9, 30)):
            fs.proposal_second(user=who, proposal=p)

    def review(self, spec, review) -> None:
        decision, who, reason = review
        st = self.state[spec["title"]]
        with self.stamped(self.clock.at(st["posted"] + 3, 15)):
            fs.proposal_review(actor=self.cast.who(who), proposal=self._proposal(spec),
                               decision=decision, reason=reason)  # fmt: skip

    def merge(self, spec) -> None:
        st = self.state[spec["title"]]
        into = self._proposal(self.state[spec["merge_into"]]["spec"], fresh=True)
        with self.stamped(self.clock.at(st["posted"] + 3, 16)):
            fs.proposal_merge(actor=self.cast.users["zhaoxiuying"], proposal=self._proposal(spec),
                              into=into, note="内容相同，合并办理。")  # fmt: skip

    def move(self, spec, to: str, note: str, when: datetime | None = None) -> None:
        with self.stamped(when or self.clock.now):
            proposal_transition(proposal=self._proposal(spec, fresh=True), to=to, actor=self.cast.head,
                                note=note, check_permission=False)  # fmt: skip

    def redate_existing(self, spec, day: float) -> None:
        """demo/forum.py's proposal (posted 12 days ago there) was in fact posted last winter."""
        p = Proposal.objects.get(hall=self.hall, title=spec["title"])
        st = self.state[spec["title"]]
        st["proposal"], st["author"] = p, p.author
        if p.state == S.ON_AGENDA:  # an older demo put it on the upcoming meeting: take it off
            item = AgendaItem.objects.filter(proposal=p, meeting__state="scheduled").first()
            if item is not None:
                ms.agenda_remove_item(actor=self.cast.mod, meeting=item.meeting, item_id=item.pk)
        start, end = self.clock.at(day, 9), self.clock.at(day + 3, 15)
        seconds = [start + timedelta(hours=8 + 12 * i) for i in range(p.seconds.count())]
        # Drafted and published at once, to 待受理 with the last second, then (accepted, and on
        # an older demo database put on the upcoming meeting and taken off again) until day 3.
        fixed = {S.DRAFT: start, S.COLLECTING: start + timedelta(minutes=1)}
        if seconds:
            fixed[S.AWAITING_REVIEW] = seconds[min(len(seconds), self.hall.seconding_threshold) - 1]
        events = list(p.events.order_by("pk"))
        later = [e for e in events if e.to_state not in fixed]
        after = max(fixed.values())
        for event in events:
            if event.to_state in fixed:
                at = fixed[event.to_state]
            else:
                at = after + (end - after) * (later.index(event) + 1) / len(later)
            ProposalEvent.objects.filter(pk=event.pk).update(at=at)
        Proposal.objects.filter(pk=p.pk).update(
            created_at=start, published_at=start + timedelta(minutes=1)
        )
        for s, at in zip(p.seconds.order_by("pk"), seconds, strict=True):
            Second.objects.filter(pk=s.pk).update(at=at)
        for i, c in enumerate(p.comments.order_by("pk")):
            Comment.objects.filter(pk=c.pk).update(created_at=start + timedelta(hours=5 + 9 * i))
        Reaction.objects.filter(comment__proposal=p).update(at=start + timedelta(days=1))
        Follow.objects.filter(proposal=p).update(at=start)
        Notification.objects.filter(proposal=p).update(created_at=start + timedelta(days=1))

    # --- meetings ---------------------------------------------------------------------------

    def title_of(self, meeting) -> str:
        return f"芳华议事厅 {self.clock.at(meeting['day']).month}月议事会"

    def schedule(self, meeting, specs) -> None:
        when = self.clock.at(meeting["day"] - 4, 9)
        starts = self.clock.at(meeting["day"], 19, 30)
        free = FREE_ITEMS[self.meetings.index(meeting) % len(FREE_ITEMS)]
        with self.stamped(when):
            meeting["obj"] = ms.meeting_schedule(
                actor=self.cast.head,
                hall=self.hall,
                title=self.title_of(meeting),
                starts_at=starts,
                venue=self.hall.venue or "妇女微家活动室",
                moderator=self.cast.mod,
                recorder=self.cast.rec,
                is_hybrid=True,
                notice="请各位姐妹准时参加。会议按**南塘十三条**议事：举手发言，每次不超过 2 分钟。",
                proposals=[self._proposal(s, fresh=True) for s in specs],
                free_items=[(free, 15)],
            )

    def run(self, meeting, specs) -> None:
        """One evening: check-in, each item with its speeches and vote, minutes confirmed."""
        m, day, mod = meeting["obj"], meeting["day"], self.cast.mod
        at = lambda minutes: self.clock.at(day, 19, 10) + timedelta(minutes=minutes)  # noqa: E731
        ms.meeting_set_checkin(actor=mod, meeting=m, open=True)
        present = [self.cast.head, mod, self.cast.rec]
        present += self.rng.sample(self.cast.regulars, 4 + self.rng.randint(0, 1))
        present += self.cast.sample(meeting["present"] - len(present), pool=self.cast.bulk)
        m.refresh_from_db()
        scanned = {u.pk for u in (self.cast.head, self.cast.rec, self.cast.users["zhangnainai"])}
        for i, person in enumerate(p for p in present if p.pk in scanned):
            with self.stamped(at(i * 1.5)):
                if person.username == "zhangnainai":  # no smartphone: the moderator checks her in
                    ms.meeting_check_in_member(actor=mod, meeting=m, user_id=person.pk)
                else:
                    ms.meeting_check_in(user=person, meeting=m, token=m.checkin_token)
        # Everyone else's check-in is written at once (the rows the QR scan writes; a quarter
        # checked in by name by the moderator, as elderly people without a phone are).
        CheckIn.objects.bulk_create(
            CheckIn(meeting=m, user=person, at=at(1 + i * 0.4),
                    method="manual" if i % 4 == 3 else "qr", by=mod if i % 4 == 3 else person)
            for i, person in enumerate(p for p in present if p.pk not in scanned)
        )  # fmt: skip
        ms.meeting_open(actor=mod, meeting=m)
        Meeting.objects.filter(pk=m.pk).update(opened_at=at(20))
        clock = 22.0  # minutes after 19:10
        items = list(
            AgendaItem.objects.filter(meeting=m).select_related("proposal").order_by("order")
        )
        notes, times = [], {}
        for item in items:
            spec = self.state[item.proposal.title]["spec"] if item.proposal_id else None
            with self.stamped(at(clock)):
                ms.meeting_open_item(actor=mod, meeting=m, item_id=item.pk)
            opened = at(clock)
            clock += 1.5
            clock = self.speeches(m, item, spec, present, clock, at)
            if spec is not None and spec.get("vote") in ("pass", "fail"):
                clock = self.vote(m, item, spec, present, clock, at)
            if spec is not None:
                notes.append(f"{len(notes) + 1}. **{item.title}**:{spec.get('note', '')}")
            times[item.pk] = (opened, at(clock))
            clock += 1.0
        notes.append(
            f"{len(notes) + 1}. **其他事项**:主持人通报上次决议的落实情况，无人提出新的动议。"
        )
        with self.stamped(at(clock - 2)):
            ms.minutes_save(actor=self.cast.rec, meeting=m, body="\n".join(notes), base_version=0)
        Meeting.objects.filter(pk=m.pk).update(minutes_updated_at=at(clock - 2))
        with self.stamped(at(clock)):
            ms.meeting_close(actor=mod, meeting=m)
        Meeting.objects.filter(pk=m.pk).update(closed_at=at(clock))
        for pk, (opened, closed) in times.items():
            AgendaItem.objects.filter(pk=pk).update(opened_at=opened, closed_at=closed)
        # Confirming re-assembles the minutes from the story's times, then locks them.
        ms.minutes_confirm(actor=self.cast.rec, meeting=m, role="recorder")
        ms.minutes_confirm(actor=mod, meeting=m, role="moderator")
        Meeting.objects.filter(pk=m.pk).update(
            recorder_confirmed_at=self.clock.at(day + 1, 10),
            moderator_confirmed_at=self.clock.at(day + 1, 16),
        )

    def speeches(self, m, item, spec, present, clock: float, at) -> float:
        """Hands raised, the floor given by the rules of order, each speech 40–120 s."""
        if spec is None:
            return clock
        if spec.get("vote") in ("fail", "online"):
            stances = ["against", "for"]
        else:
            stances = ["for", "against"]
        author = self.state[spec["title"]].get("author") if spec else None
        speakers = []
        for stance in stances:
            first = (
                author
                if (author in present and author not in speakers and stance == "for")
                else None
            )
            speakers.append(
                first
                or self.rng.choice([p for p in present if p not in speakers and p != self.cast.mod])
            )
        raised = []
        for person, stance in zip(speakers, stances, strict=True):
            raised.append(ms.hand_raise(user=person, meeting=m, stance=stance))
        hands_up = at(clock)
        for _ in raised:
            speech = ms.floor_give(actor=self.cast.mod, meeting=m)
            ms.floor_end(actor=speech.user, meeting=m)
            seconds = self.rng.randint(40, 120)
            start = at(clock)
            Speech.objects.filter(pk=speech.pk).update(
                raised_at=hands_up,
                started_at=start,
                deadline=start + timedelta(seconds=self.hall.speech_limit_seconds),
                ended_at=start + timedelta(seconds=seconds),
            )
            clock += seconds / 60 + 0.4
        return clock

    def vote(self, m, item, spec, present, clock: float, at) -> float:
        """A live ballot: a few vote on their phones, the moderator enters the show of hands."""
        mod, t = self.cast.mod, at(clock)
        ballot = sv.ballot_create(actor=mod, hall=self.hall, title=item.title, mode=BallotMode.LIVE,
                                  secret=spec.get("secret", True), agenda_item=item, now=t)  # fmt: skip
        sv.ballot_open(actor=mod, ballot=ballot, now=t)
        # A named vote: the head votes on her phone, the others by show of hands.
        online = [] if spec.get("secret", True) else [self.cast.head]
        passing = spec["vote"] == "pass"
        for i, person in enumerate(online):
            choice = "for" if passing or i == 0 else "against"
            sv.ballot_cast(
                voter=person, ballot=ballot, choices=[choice], now=t + timedelta(seconds=20 + 9 * i)
            )
        hands = len(present) - len(online)
        against = round(hands * (0.1 if passing else 0.55)) + self.rng.randint(0, 2)
        abstain = self.rng.randint(1, 4)
        votes = {"for": hands - against - abstain, "against": against, "abstain": abstain}
        sv.ballot_enter_hand_count(actor=mod, ballot=ballot, voters=hands, votes=votes,
                                   now=t + timedelta(minutes=3))  # fmt: skip
        closed = t + timedelta(minutes=4)
        with self.stamped(closed):
            sv.ballot_close(actor=mod, ballot=ballot, now=closed)
        st = self.state[spec["title"]]
        st.setdefault("ballots", []).append(ballot)
        if ballot.result == "no_quorum":
            self.move(spec, S.ACCEPTED, "未达法定人数，表决搁置，列入下次会议重新表决",
                      when=self.clock.at(self._day_of(m) + 1, 10))  # fmt: skip
        return clock + 5

    # --- after the vote ---------------------------------------------------------------------

    def plan_after_vote(self, spec) -> None:
        st = self.state[spec["title"]]
        day = self.meetings[self._meeting_of(spec)]["day"]
        if spec["vote"] == "fail":
            if spec.get("archive_failed"):
                self.step(self.clock.at(day + 3, 10),
                          lambda: self.move(spec, S.ARCHIVED, "表决未通过，归档", self.clock.at(day + 3, 10)))  # fmt: skip
            return
        published = (
            self.clock.at(-spec["publish_ago"], 10)
            if "publish_ago" in spec
            else self.clock.at(day + 2, 10)
        )
        self.step(published, lambda: self.publish(spec, published))
        pub_day = (published.date() - self.clock.today).days
        for i, (who, reason, answer) in enumerate(spec.get("objections", [])):
            lodged = self.clock.at(min(pub_day + 1 + i, -1), 11)
            self.step(lodged, lambda w=who, r=reason, t=lodged, i=i: self.lodge(spec, w, r, t, i))
            if answer:
                answered = lodged + timedelta(days=1, hours=5)
                self.step(answered, lambda a=answer, t=answered, i=i: self.answer(spec, a, t, i))
        if spec["end"] == "on_notice":
            return
        effective = published + timedelta(days=self.hall.notice_period_days)
        self.step(effective, lambda: self.settle(spec, effective))
        created_day = pub_day + self.hall.notice_period_days + 2
        st["tasks"] = []
        for n, task in enumerate(spec["tasks"]):
            self.plan_task(spec, task, n, created_day)
        if "rating" in spec:
            last = max(self._task_end(t) for t in spec["tasks"] if "done" in t)
            self.plan_evaluation(spec, last)

    def _task_end(self, task) -> datetime:
        return self.clock.at(task["done"], 16)

    def _day_of(self, m: Meeting) -> int:
        return (timezone.localdate(m.starts_at) - self.clock.today).days

    def plan_task(self, spec, task, n: int, created_day: int) -> None:
        created = self.clock.at(created_day, 9, 10 + n)
        self.step(created, lambda: self.create_task(spec, task, n, created))
        state = task.get("state", "done")
        if state == "cancelled":
            self.step(
                created + timedelta(days=5),
                lambda: self.task_do(
                    spec, n, "cancel", task["reason"], created + timedelta(days=5)
                ),
            )
            return
        if state == "pending":
            return
        started = created + timedelta(days=1, hours=1)
        self.step(started, lambda: self.task_do(spec, n, "start", "", started))
        if state == "done":
            end = self._task_end(task)
        else:
            end = self.clock.at(task.get("since", -2), 18)
        if end <= started:
            raise AssertionError(f"task {task['title']} ends before it starts")
        reports = task.get("reports", [])
        for i, (text, progress) in enumerate(reports):
            when = started + (end - started) * (i + 1) / (
                len(reports) + (0 if state == "done" else 1)
            )
            when -= (
                timedelta(hours=2) if state == "done" and i == len(reports) - 1 else timedelta(0)
            )
            self.step(when, lambda t=text, p=progress, w=when: self.report(spec, n, task, t, p, w))
        if state == "done":
            self.step(end, lambda: self.task_do(spec, n, "complete", "", end))
        elif state == "blocked":
            self.step(end, lambda: self.task_do(spec, n, "block", task["reason"], end))

    def create_task(self, spec, task, n: int, when: datetime) -> None:
        st = self.state[spec["title"]]
        owner = self.cast.who(task["owner"])
        with self.stamped(when):
            obj = task_create(
                actor=self.cast.head,
                resolution=st["resolution"],
                title=task["title"],
                owner=owner,
                due_on=self.clock.today + timedelta(days=task["due"]),
                brand=self.brands.get(spec.get("brand")),
                building=self.buildings.get(spec.get("building")),
                volunteers=[self.cast.who(v) for v in task.get("volunteers", [])],
                subtasks=task.get("subtasks", []),
                now=when,
            )
        obj.owner = owner
        st["tasks"].append(obj)

    def task_do(self, spec, n: int, action: str, note: str, when: datetime) -> None:
        task = self.state[spec["title"]]["tasks"][n]
        task.refresh_from_db()
        if action == "complete":
            for sub in task.subtasks.filter(done=False):
                subtask_toggle(actor=task.owner, task=task, subtask=sub, done=True, now=when)
        actor = self.cast.head if action in ("cancel", "block") else task.owner
        with self.stamped(when):
            task_move(actor=actor, task=task, action=action, note=note, now=when)

    def report(self, spec, n: int, task_spec, text: str, progress: int, when: datetime) -> None:
        task = self.state[spec["title"]]["tasks"][n]
        subs = list(task.subtasks.all())
        if subs:
            total, share = sum(s.weight for s in subs), 0
            for sub in subs:
                if (share + sub.weight) * 100 <= progress * total and not sub.done:
                    subtask_toggle(actor=task.owner, task=task, subtask=sub, done=True, now=when)
                share += sub.weight
        with self.stamped(when):
            task_report_progress(actor=task.owner, task=task, body=text,
                                 progress=None if subs else progress, now=when)  # fmt: skip

    def publish(self, spec, when: datetime) -> None:
        st = self.state[spec["title"]]
        steps = "\n".join(f"{i + 1}. {t['title']};" for i, t in enumerate(spec.get("tasks", [])))
        text = f"经芳华议事厅表决通过：\n\n{steps or '1. ' + spec['note']}\n\n由巾帼志愿者和微家成员负责落实，完成后公开实施结果。"
        with self.stamped(when):
            st["resolution"] = sv.resolution_publish(
                actor=self.cast.head,
                ballot=st["ballots"][-1],
                title=spec["resolution"],
                text=text,
                now=when,
            )

    def lodge(self, spec, who, reason, when, i: int) -> None:
        st = self.state[spec["title"]]
        person = self.cast.who(who, exclude=[st["author"]])
        st.setdefault("objections", []).append(
            sv.objection_lodge(author=person, resolution=st["resolution"], reason=reason, now=when)
        )

    def answer(self, spec, answer, when, i: int) -> None:
        st = self.state[spec["title"]]
        sv.objection_answer(actor=self.cast.head, objection=st["objections"][i], answer=answer,
                            upheld=False, now=when)  # fmt: skip

    def settle(self, spec, when: datetime) -> None:
        sv.resolution_settle(resolution=self.state[spec["title"]]["resolution"], now=when)

    # --- results and evaluation -------------------------------------------------------------

    def plan_evaluation(self, spec, published: datetime) -> None:
        sat, basic, bad = spec["rating"]
        ends = published + timedelta(days=self.hall.evaluation_days)
        if "summary" in spec:
            self.step(published + timedelta(minutes=5), lambda: self.summary(spec, published))
        last = min(ends, self.clock.now - timedelta(hours=3)) - timedelta(hours=1)
        self.step(last, lambda: self.rate(spec, published, last, (sat, basic, bad)))
        close = spec.get("close")
        if close is None:
            return
        self.step(ends, lambda: self.close(spec, ends))
        for i, (who, text, progress) in enumerate(spec.get("after_reopen", [])):
            when = ends + timedelta(days=4 + 8 * i)
            self.step(
                when,
                lambda w=who, t=text, p=progress, when=when, i=i: self.reopened_report(
                    spec, i, w, t, p, when
                ),
            )
        if "reopen_due" in spec:
            moved = ends + timedelta(days=1)
            self.step(moved, lambda: self.extend(spec, moved))

    def result(self, spec) -> ResultPublication:
        resolution = self.state[spec["title"]]["resolution"]
        return ResultPublication.objects.filter(resolution=resolution).order_by("-round").first()

    def summary(self, spec, when) -> None:
        result_summary_update(
            actor=self.cast.head, result=self.result(spec), text=spec["summary"], now=when
        )

    def rate(self, spec, start: datetime, end: datetime, counts) -> None:
        result = self.result(spec)
        people = list(residents_of_place(hall=self.hall, building_ids=result.building_ids))
        people.sort(key=lambda u: u.pk)
        raters = self.rng.sample(people, min(sum(counts), len(people)))
        ratings = (
            ["satisfied"] * counts[0] + ["basically"] * counts[1] + ["dissatisfied"] * counts[2]
        )
        comments = list(spec.get("rating_comments", []))
        rows = []
        for i, (user, rating) in enumerate(zip(raters, ratings, strict=False)):
            text = next((c for r, c in comments if r == rating), "")
            if text:
                comments.remove((rating, text))
            rows.append((user, rating, text, start + (end - start) * (i + 1) / (len(raters) + 1)))
        evaluations_submit(result=result, ratings=rows)

    def close(self, spec, when) -> None:
        with self.stamped(when):
            evaluation_close(result=self.result(spec), now=when)

    def reopened_report(self, spec, i, who, text, progress, when) -> None:
        tasks, author = self.state[spec["title"]]["tasks"], self.cast.who(who)
        task = next((t for t in tasks if t.owner_id == author.pk), tasks[i % len(tasks)])
        task.refresh_from_db()
        with self.stamped(when):
            task_report_progress(actor=author, task=task, body=text, progress=progress, now=when)

    def extend(self, spec, when) -> None:
        for task in self.state[spec["title"]]["tasks"]:
            task_update_due(actor=self.cast.head, task=task,
                            due_on=self.clock.today + timedelta(days=spec["reopen_due"]), now=when)  # fmt: skip

    # --- ballots outside meetings -----------------------------------------------------------

    def plan_online_ballot(self, spec) -> None:
        """Deliberated at the last meeting; the compound votes online this week (still open)."""
        opened = self.clock.at(-3, 9)
        self.step(opened, lambda: self.online_ballot(spec, opened))

    def online_ballot(self, spec, opened: datetime) -> None:
        head = self.cast.head
        ballot = sv.ballot_create(
            actor=head, hall=self.hall, title=f"表决：{spec['title']}",
            description="公约条文已按议事会意见修改，请全体居民线上表决。", mode=BallotMode.ONLINE,
            secret=True, electorate_scope=ElectorateScope.COMPOUND, quorum_fraction="0.5",
            ends_at=self.clock.at(4, 20), proposal=self._proposal(spec, fresh=True), now=opened,
        )  # fmt: skip
        sv.ballot_open(actor=head, ballot=ballot, now=opened)
        voters = self.cast.sample(22)
        span = (self.clock.now - timedelta(hours=2)) - opened
        for i, person in enumerate(voters):
            choice = "for" if i % 5 else ("against" if i % 10 else "abstain")
            sv.ballot_cast(
                voter=person,
                ballot=ballot,
                choices=[choice],
                now=opened + span * (i + 1) / (len(voters) + 1),
            )

    def plan_poll(self) -> None:
        opened = self.clock.at(-POLL["ago"], 9)
        self.step(opened, lambda: self.poll(opened))

    def poll(self, opened: datetime) -> None:
        mod = self.cast.mod
        ends = opened + timedelta(days=POLL["days"])
        ballot = sv.ballot_create(
            actor=mod, hall=self.hall, title=POLL["title"], kind=BallotKind.SINGLE_CHOICE,
            options=POLL["options"], mode=BallotMode.ONLINE, secret=True,
            electorate_scope=ElectorateScope.COMPOUND, quorum_fraction="0.5", ends_at=ends, now=opened,
        )  # fmt: skip
        sv.ballot_open(actor=mod, ballot=ballot, now=opened)
        keys = [o.key for o in ballot.options.all()]
        choices = [k for k, n in zip(keys, POLL["votes"], strict=True) for _ in range(n)]
        voters = self.cast.sample(len(choices))
        for i, (person, choice) in enumerate(zip(voters, choices, strict=True)):
            sv.ballot_cast(voter=person, ballot=ballot, choices=[choice],
                           now=opened + (ends - opened) * (i + 1) / (len(choices) + 1))  # fmt: skip
        sv.ballot_close(actor=None, ballot=ballot, now=ends)

    # --- the end ----------------------------------------------------------------------------

    def finish(self, mark: int) -> None:
        """Proposals' last activity from their history; old notifications read; states checked."""
        for st in self.state.values():
            p = st.get("proposal")
            if p is None:
                continue
            last = p.events.order_by("-at").values_list("at", flat=True).first()
            Proposal.objects.filter(pk=p.pk).update(last_activity_at=last)
            p.refresh_from_db()
            if p.state != st["spec"]["end"]:
                raise AssertionError(f"{p.title}: {p.state}, expected {st['spec']['end']}")
        week_ago = self.clock.now - timedelta(days=7)
        Notification.objects.filter(
            pk__gt=mark, created_at__lt=week_ago, read_at__isnull=True
        ).update(read_at=week_ago)


def is_seeded(hall) -> bool:
    return Proposal.objects.filter(hall=hall, title=MARKER_TITLE).exists()


def seed(*, hall, users) -> str:
    """Play the year unless it is there; return what was done (printed by seed_demo)."""
    # The votes demo's live tally is coalesced (realtime.coalesce, on another loop): let it
    # finish before the year holds the database (SQLite has one writer).
    coalesce.flush()
    return _seed(hall=hall, users=users)


@transaction.atomic
def _seed(*, hall, users) -> str:
    if is_seeded(hall):
        return "一年的演示数据已存在，未作改动。"
    if not Proposal.objects.filter(hall=hall, title=FOUNTAIN_TITLE).exists():
        return "缺少演示议题「修复中心花园喷泉」(demo/forum.py)，未加载一年的演示数据。"
    mark = Notification.objects.aggregate(n=Max("pk"))["n"] or 0
    with no_live_events():
        year = Year(hall, users)
        year.plan()
        year.play()
        year.finish(mark)
    return (
        f"已加载一年的演示数据：{len(PROPOSALS)} 个议题、{len(MEETINGS)} 次议事会议、"
        f"{len(year.cast.bulk)} 位居民。"
    )
