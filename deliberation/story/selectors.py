"""Read the whole story （全流程追溯） of a proposal in a constant number of queries.

`proposal_story(user=, pk=)` returns a `Story`: the proposal and its steps in the order the
issue goes through them (domain.md, "The flow of one issue"). Each step is plain data — the
page renders it, the API serialises it — with its state (done / current / pending), its
time, a link to its own page and the ledger entries （台账链） that record it.

Visibility follows the pages each step links to: the proposal's own rule (forum.selectors),
ballot counts only when the ballot shows them (`Ballot.results_visible`: a secret ballot
only after it closed), speakers' names only for people who may see the meeting (residents),
objections without the objector's name (as on the notice board).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Min, Prefetch, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from deliberation.ledger.choices import LedgerKind
from deliberation.models import (
    AgendaItem,
    Ballot,
    Evaluation,
    GovernanceTask,
    LedgerEntry,
    Objection,
    ProgressReport,
    Rating,
    Resolution,
    ResultPublication,
    ResultState,
    Speech,
    TaskEvent,
    TaskState,
)
from deliberation.models.meetings import SpeechState
from deliberation.results import selectors as result_selectors
from deliberation.tasks.workflow import task_progress
from deliberation.votes import selectors as vote_selectors
from deliberation.votes import workflow as vote_workflow
from deliberation.votes.choices import BallotState, OptionKey, ResolutionState
from forum.models import (
    Comment,
    ModerationState,
    Proposal,
    ProposalEvent,
    ProposalState,
    Second,
    Stance,
)
from forum.selectors import can_view

S = ProposalState

DONE, CURRENT, PENDING = "done", "current", "pending"
STATE_LABELS = {
    DONE: gettext_lazy("已完成"),
    CURRENT: gettext_lazy("进行中"),
    PENDING: gettext_lazy("尚未进行"),
}

# Ledger kinds shown on each step. A ballot_cast entry per vote would drown the rest: the
# hall's ledger page lists those.
K = LedgerKind
VOTE_KINDS = {K.BALLOT_OPENED, K.BALLOT_CLOSED, K.HAND_COUNT_ENTERED, K.PROXY_CAST}
VOTE_KINDS |= {K.OUTCOME_RECORDED}
RESOLUTION_KINDS = {K.RESOLUTION_PUBLISHED}
NOTICE_KINDS = {K.OBJECTION_LODGED, K.OBJECTION_ANSWERED, K.RESOLUTION_EFFECTIVE}
RESULT_KINDS = {K.RESULT_PUBLISHED}
EVALUATION_KINDS = {K.EVALUATION_CLOSED}
STORY_LEDGER_KINDS = sorted(
    VOTE_KINDS | RESOLUTION_KINDS | NOTICE_KINDS | RESULT_KINDS | EVALUATION_KINDS
)

# How far each proposal state has come along the flow (0 = draft).
PROGRESS = {
    S.DRAFT: 0,
    S.COLLECTING: 1,
    S.AWAITING_REVIEW: 2,
    S.ACCEPTED: 3,
    S.REJECTED: 3,
    S.MERGED: 3,
    S.ON_AGENDA: 4,
    S.DELIBERATING: 5,
    S.VOTED: 6,
    S.ON_NOTICE: 7,
    S.IMPLEMENTING: 8,
    S.COMPLETED: 9,
    S.EVALUATED: 10,
    S.ARCHIVED: 11,
}


@dataclass
class LedgerRef:
    seq: int
    kind: str
    label: str
    hash: str
    at: datetime
    url: str

    @property
    def short_hash(self) -> str:
        return self.hash[:12]


@dataclass
class Step:
    """One step of the story: what happened (or that it has not happened yet)."""

    key: str
    title: str
    state: str = PENDING
    at: datetime | None = None
    url: str | None = None
    summary: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    ledger: list[LedgerRef] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def reached(self) -> bool:
        return self.state != PENDING


@dataclass
class Story:
    proposal: Proposal
    steps: list[Step]
    current_label: str
    closed_early: bool  # rejected, merged, failed or returned: later steps will not happen


def _url(name: str, *args: Any) -> str | None:
    """A link to a named page, or None while that page does not exist (yet)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, round((end - start).total_seconds()))


def _event_at(events: list[ProposalEvent], *states: str) -> ProposalEvent | None:
    """The last event that moved the proposal into one of `states`."""
    found = None
    for e in events:
        if e.to_state in states:
            found = e
    return found


def _load_proposal(pk: int) -> Proposal | None:
    return (
        Proposal.objects.select_related(
            "hall__compound__community", "author", "brand", "building", "merged_into"
        )
        .filter(pk=pk)
        .first()
    )


def _effective(proposal: Proposal, data: dict[str, Any]) -> None:
    """Show what time has made due, in memory (selectors never write; cron records it).

    An online ballot past its window is closed with its tallied outcome (and a proposal being
    deliberated shown 已表决); a notice period that ended makes the resolution effective; a
    result round past its end shows the state it closes with.
    """
    now = timezone.now()
    for b in data["ballots"]:
        was_open = b.state == BallotState.OPEN
        vote_selectors.effective_ballot(b, now)
        if was_open and b.state == BallotState.CLOSED and proposal.state == S.DELIBERATING:
            # Shown as the close will record it (forum.workflow：议事中 → 已表决).
            proposal.state = S.VOTED
            proposal.outcome = vote_workflow.PROPOSAL_OUTCOME[b.result]
    for r in data["resolutions"]:
        vote_selectors.effective_resolution(r, now, list(r.objections.all()))
    for r in data["results"]:
        result_selectors.effective_result(r, now)


def proposal_story(*, user, pk: int) -> Story | None:
    """The story of proposal `pk` as `user` may see it, or None if the proposal is not visible."""
    proposal = _load_proposal(pk)
    if proposal is None or not can_view(user, proposal):
        return None
    data = _load(proposal, user)
    _effective(proposal, data)
    return _build(user, proposal, data)


def _load(proposal: Proposal, user) -> dict[str, Any]:
    """Every row the story needs, each kind in one query."""
    hall = proposal.hall
    events = list(
        ProposalEvent.objects.filter(proposal=proposal).select_related("actor").order_by("at", "pk")
    )
    seconds = Second.objects.filter(proposal=proposal).aggregate(
        n=Count("pk"), first=Min("at"), last=Max("at")
    )
    visible = Q(is_deleted=False, moderation=ModerationState.VISIBLE)
    top = visible & Q(parent__isnull=True)
    comments = Comment.objects.filter(proposal=proposal).aggregate(
        total=Count("pk", filter=visible),
        first=Min("created_at", filter=visible),
        last=Max("created_at", filter=visible),
        **{s: Count("pk", filter=top & Q(stance=s)) for s in Stance.values},
    )
    items = list(
        AgendaItem.objects.filter(proposal=proposal)
        .select_related("meeting__moderator")
        .annotate(present=Count("meeting__checkins", distinct=True))
        .order_by("meeting__starts_at", "pk")
    )
    speeches = list(
        Speech.objects.filter(item__in=items, started_at__isnull=False)
        .exclude(state=SpeechState.REMOVED)
        .select_related("user")
        .order_by("started_at", "pk")
    )
    ballots = list(
        Ballot.objects.filter(proposal=proposal)
        .select_related("agenda_item__meeting")
        .prefetch_related("options")
        .annotate(voted=Count("participations", distinct=True))
        .order_by("created_at", "pk")
    )
    resolutions = list(
        Resolution.objects.filter(Q(proposal=proposal) | Q(ballot__in=ballots))
        .prefetch_related(
            Prefetch(
                "objections",
                queryset=Objection.objects.select_related("answered_by").order_by(
                    "lodged_at", "pk"
                ),
            )
        )
        .order_by("published_at", "pk")
    )
    tasks = list(
        GovernanceTask.objects.filter(resolution__in=resolutions)
        .select_related("owner", "brand", "building")
        .prefetch_related(
            "subtasks",
            Prefetch("events", queryset=TaskEvent.objects.select_related("actor")),
            Prefetch(
                "reports",
                queryset=ProgressReport.objects.select_related("author").prefetch_related("images"),
            ),
        )
        .order_by("resolution_id", "due_on", "pk")
    )
    results = list(
        ResultPublication.objects.filter(resolution__in=resolutions).order_by("round", "pk")
    )
    ratings: dict[int, dict[str, int]] = defaultdict(lambda: {r: 0 for r in Rating.values})
    for row in (
        Evaluation.objects.filter(result__in=results)
        .values("result_id", "rating")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        ratings[row["result_id"]][row["rating"]] = row["n"]
    rated: set[int] = set()
    if results and user is not None and user.is_authenticated:
        rated = set(
            Evaluation.objects.filter(result__in=results, user=user).values_list(
                "result_id", flat=True
            )
        )
    ledger = []
    ballot_ids = [b.pk for b in ballots]
    res_ids = [r.pk for r in resolutions]
    result_ids = [r.pk for r in results]
    if ballot_ids or res_ids or result_ids:
        ledger = list(
            LedgerEntry.objects.filter(hall_id=hall.pk, kind__in=STORY_LEDGER_KINDS)
            .filter(
                Q(payload__ballot__in=ballot_ids or [0])
                | Q(payload__resolution__in=res_ids or [0])
                | Q(payload__result__in=result_ids or [0])
            )
            .only("seq", "kind", "hash", "at", "payload")
            .order_by("seq")
        )
        # outcome_recorded's payload spreads the outcome, whose "ballot" is the ballot's
        # settings, not its id: it is the entry right after the ballot's ballot_closed.
        closed = [e.seq + 1 for e in ledger if e.kind == LedgerKind.BALLOT_CLOSED]
        if closed:
            outcomes = LedgerEntry.objects.filter(
                hall_id=hall.pk, kind=LedgerKind.OUTCOME_RECORDED, seq__in=closed
            ).only("seq", "kind", "hash", "at", "payload")
            for e in outcomes:
                e.payload = {**e.payload, "ballot": ledger_ballot(ledger, e.seq - 1)}
                ledger.append(e)
            ledger.sort(key=lambda e: e.seq)
    return {
        "events": events,
        "seconds": seconds,
        "comments": comments,
        "items": items,
        "speeches": speeches,
        "ballots": ballots,
        "resolutions": resolutions,
        "tasks": tasks,
        "results": results,
        "ratings": ratings,
        "rated": rated,
        "ledger": ledger,
    }


def ledger_ballot(entries: list[LedgerEntry], seq: int) -> int | None:
    """The ballot id of the entry `seq` among `entries`."""
    for e in entries:
        if e.seq == seq:
            return e.payload.get("ballot")
    return None


def _ledger_refs(
    entries: list[LedgerEntry], slug: str, kinds: set[str], **match: list[int]
) -> list[LedgerRef]:
    """The entries of `kinds` whose payload names one of the given ids (e.g. ballot=[3])."""
    labels = dict(LedgerKind.choices)
    base = reverse("hall_ledger", args=[slug])
    refs = []
    for e in entries:
        payload = e.payload if isinstance(e.payload, dict) else {}
        if e.kind in kinds and any(payload.get(key) in ids for key, ids in match.items() if ids):
            refs.append(
                LedgerRef(
                    seq=e.seq,
                    kind=e.kind,
                    label=str(labels.get(e.kind, e.kind)),
                    hash=e.hash,
                    at=e.at,
                    url=f"{base}?seq={e.seq}#seq-{e.seq}",
                )
            )
    return refs


def _person(user) -> str:
    return str(user) if user is not None else _("系统")


def _build(user, proposal: Proposal, d: dict[str, Any]) -> Story:
    hall = proposal.hall
    events: list[ProposalEvent] = d["events"]
    progress = PROGRESS.get(proposal.state, 0)
    closed_early = proposal.state in (S.REJECTED, S.MERGED) or (
        proposal.state in (S.VOTED, S.ARCHIVED) and proposal.outcome in ("failed", "shelved")
    )
    proposal_url = reverse("proposal", args=[proposal.pk])
    steps: list[Step] = []

    # 1. posting
    posted = _event_at(events, S.COLLECTING)
    steps.append(
        Step(
            key="posted",
            title=_("提出议题"),
            state=DONE if proposal.published_at else CURRENT,
            at=proposal.published_at or proposal.created_at,
            url=proposal_url,
            summary=_("%(name)s 发布议题") % {"name": proposal.author}
            if proposal.published_at
            else _("草稿，尚未发布"),
            data={
                "author": str(proposal.author),
                "brand": proposal.brand.name if proposal.brand else "",
                "building": proposal.building.name if proposal.building else _("全小区"),
                "event_note": posted.note if posted else "",
            },
        )
    )

    # 2. seconds
    threshold = hall.seconding_threshold
    crossed = _event_at(events, S.AWAITING_REVIEW)
    n_seconds = d["seconds"]["n"]
    steps.append(
        Step(
            key="seconds",
            title=_("征集附议"),
            state=DONE if crossed or progress >= 2 else (CURRENT if progress == 1 else PENDING),
            at=crossed.at if crossed else d["seconds"]["first"],
            url=proposal_url,
            summary=_("%(n)d 人附议（门槛 %(t)d 人）") % {"n": n_seconds, "t": threshold},
            data={
                "count": n_seconds,
                "threshold": threshold,
                "crossed_at": crossed.at if crossed else None,
                "first_at": d["seconds"]["first"],
                "last_at": d["seconds"]["last"],
            },
        )
    )

    # 3. review
    review = _event_at(events, S.ACCEPTED, S.REJECTED, S.MERGED)
    review_data: dict[str, Any] = {}
    if review is not None:
        review_data = {
            "decision": review.to_state,
            "decision_label": str(S(review.to_state).label),
            "by": _person(review.actor),
            "note": review.note or proposal.review_reason,
        }
        if review.to_state == S.MERGED and proposal.merged_into_id:
            review_data["merged_into"] = {
                "id": proposal.merged_into_id,
                "title": proposal.merged_into.title,
                "url": reverse("proposal", args=[proposal.merged_into_id]),
            }
    steps.append(
        Step(
            key="review",
            title=_("受理审核"),
            state=DONE if review else (CURRENT if progress == 2 else PENDING),
            at=review.at if review else None,
            url=proposal_url,
            summary=review_data.get("decision_label", ""),
            data=review_data,
        )
    )

    # 4. discussion
    c = d["comments"]
    steps.append(
        Step(
            key="discussion",
            title=_("讨论"),
            state=DONE if c["total"] else (CURRENT if 1 <= progress <= 5 else PENDING),
            at=c["last"],
            url=proposal_url + "#thread-h",
            summary=_("%(n)d 条评论") % {"n": c["total"]},
            data={
                "total": c["total"],
                "first_at": c["first"],
                "last_at": c["last"],
                "by_stance": [
                    {"stance": s, "label": str(Stance(s).label), "count": c[s]}
                    for s in Stance.values
                ],
            },
        )
    )

    # 5. meeting and agenda item; 6. speakers
    items: list[AgendaItem] = d["items"]
    opened = [i for i in items if i.opened_at]
    item = opened[-1] if opened else (items[-1] if items else None)
    meeting_data: dict[str, Any] = {}
    may_see_meeting = False
    if item is not None:
        m = item.meeting
        may_see_meeting = bool(
            user is not None
            and user.is_authenticated
            and user.has_perm("deliberation.view_meeting", proposal.hall)
        )
        meeting_data = {
            "meeting": {
                "id": m.pk,
                "title": m.title,
                "starts_at": m.starts_at,
                "held_at": m.held_at,  # when it really opened (else as scheduled)
                "off_schedule": m.off_schedule,
                "venue": m.venue,
                "state": m.state,
                "state_label": str(m.get_state_display()),
                "url": reverse("meeting", args=[m.pk]),
                "minutes_url": reverse("meeting_minutes", args=[m.pk]),
                "present": item.present,
            },
            "item": {
                "id": item.pk,
                "title": item.title,
                "state": item.state,
                "state_label": str(item.get_state_display()),
                "opened_at": item.opened_at,
                "closed_at": item.closed_at,
            },
            "earlier": [
                {"title": i.meeting.title, "starts_at": i.meeting.held_at}
                for i in items
                if i is not item
            ],
        }
    steps.append(
        Step(
            key="meeting",
            title=_("列入议程，会议审议"),
            state=DONE
            if item is not None and item.closed_at
            else (CURRENT if item is not None else PENDING),
            at=(item.opened_at or item.meeting.starts_at) if item is not None else None,
            url=meeting_data["meeting"]["url"] if item is not None else None,
            summary=(f"{item.meeting.title} · {item.title}" if item is not None else ""),
            data=meeting_data,
        )
    )
    speeches: list[Speech] = d["speeches"]
    stance_counts = {s: 0 for s in ("for", "against", "order")}
    speakers = []
    for sp in speeches:
        stance_counts[sp.stance] = stance_counts.get(sp.stance, 0) + 1
        speakers.append(
            {
                "name": str(sp.user) if may_see_meeting else None,
                "stance": sp.stance,
                "stance_label": str(sp.get_stance_display()),
                "started_at": sp.started_at,
                "seconds": _seconds(sp.started_at, sp.ended_at),
            }
        )
    steps.append(
        Step(
            key="speakers",
            title=_("会上发言"),
            state=DONE
            if speeches
            else (CURRENT if item is not None and item.opened_at else PENDING),
            at=speeches[0].started_at if speeches else None,
            url=meeting_data["meeting"]["minutes_url"] if item is not None else None,
            summary=_("%(n)d 人次发言") % {"n": len(speeches)} if speeches else "",
            data={
                "speakers": speakers,
                "names_visible": may_see_meeting,
                "by_stance": stance_counts,
            },
        )
    )

    # 7. the vote
    ballots: list[Ballot] = d["ballots"]
    ledger = d["ledger"]
    ballot_rows = []
    for b in ballots:
        labels = {o.key: o.label for o in b.options.all()}
        labels[OptionKey.ABSTAIN] = vote_selectors.abstain_label(b)
        counts = None
        if b.results_visible:
            if b.state == BallotState.CLOSED and b.outcome:
                totals = b.outcome.get("totals", {})
            else:
                totals = vote_selectors.tally_data(b.pk).get("totals", {})
            counts = [
                {"key": k, "label": str(label), "count": totals.get(k, 0)}
                for k, label in labels.items()
                if k != "abstain" or b.kind == "for_against" or totals.get(k)
            ]
        outcome = b.outcome or {}
        voters = outcome.get("ballots", b.voted) if b.state == BallotState.CLOSED else b.voted
        ballot_rows.append(
            {
                "id": b.pk,
                "title": b.title,
                "state": b.state,
                "state_label": str(b.get_state_display()),
                "mode_label": str(b.get_mode_display()),
                "secret": b.secret,
                "opened_at": b.opened_at,
                "closed_at": b.closed_at,
                "electorate": b.electorate_size,
                "voters": voters if b.results_visible else None,
                "turnout": round(voters * 100 / b.electorate_size)
                if b.results_visible and b.electorate_size
                else None,
                "result": b.result,
                "result_label": str(b.get_result_display()) if b.result else "",
                "counts": counts,
                "quorum_met": outcome.get("quorum_met"),
                "url": reverse("ballot_results", args=[b.pk])
                if b.state == BallotState.CLOSED
                else reverse("ballot", args=[b.pk]),
            }
        )
    last_ballot = ballots[-1] if ballots else None
    steps.append(
        Step(
            key="vote",
            title=_("表决"),
            state=DONE
            if last_ballot is not None and last_ballot.state == BallotState.CLOSED
            else (CURRENT if last_ballot is not None or progress == 5 else PENDING),
            at=(last_ballot.closed_at or last_ballot.opened_at) if last_ballot else None,
            url=ballot_rows[-1]["url"] if ballot_rows else None,
            summary=ballot_rows[-1]["result_label"] if ballot_rows else "",
            data={"ballots": ballot_rows},
            ledger=_ledger_refs(ledger, hall.slug, VOTE_KINDS, ballot=[b.pk for b in ballots]),
        )
    )

    # 8. the resolution; 9. the notice period and objections
    resolutions: list[Resolution] = d["resolutions"]
    res = resolutions[-1] if resolutions else None
    res_ids = [r.pk for r in resolutions]
    steps.append(
        Step(
            key="resolution",
            title=_("形成决议"),
            state=DONE
            if res is not None
            else (CURRENT if progress == 6 and not closed_early else PENDING),
            at=res.published_at if res else None,
            url=reverse("resolution", args=[res.pk]) if res else None,
            summary=res.title if res else "",
            data={
                "resolutions": [
                    {
                        "id": r.pk,
                        "title": r.title,
                        "published_at": r.published_at,
                        "url": reverse("resolution", args=[r.pk]),
                        "print_url": reverse("resolution_print", args=[r.pk]),
                    }
                    for r in resolutions
                ]
            },
            ledger=_ledger_refs(ledger, hall.slug, RESOLUTION_KINDS, resolution=res_ids),
        )
    )
    notice_rows = []
    for r in resolutions:
        notice_rows.append(
            {
                "resolution_id": r.pk,
                "title": r.title,
                "state": r.state,
                "state_label": str(r.get_state_display()),
                "from": r.published_at,
                "until": r.notice_ends_at,
                "effective_at": r.effective_at,
                "returned_at": r.returned_at,
                "objections": [
                    {
                        "reason": o.reason,
                        "lodged_at": o.lodged_at,
                        "answer": o.answer,
                        "upheld": o.upheld,
                        "answered_at": o.answered_at,
                        "answered_by": str(o.answered_by) if o.answered_by else "",
                    }
                    for o in r.objections.all()
                ],
            }
        )
    notice_state = PENDING
    if res is not None:
        notice_state = CURRENT if res.state == ResolutionState.ON_NOTICE else DONE
    n_objections = sum(len(n["objections"]) for n in notice_rows)
    steps.append(
        Step(
            key="notice",
            title=_("公示与异议"),
            state=notice_state,
            at=(res.effective_at or res.returned_at or res.published_at) if res else None,
            url=reverse("resolution", args=[res.pk]) + "#obj-h" if res else None,
            summary=(
                f"{res.get_state_display()} · " + _("%(n)d 条异议") % {"n": n_objections}
                if res
                else ""
            ),
            data={"notices": notice_rows},
            ledger=_ledger_refs(ledger, hall.slug, NOTICE_KINDS, resolution=res_ids),
        )
    )

    # 10. tasks with their events and reports
    tasks: list[GovernanceTask] = d["tasks"]
    today = timezone.localdate()
    task_rows = []
    for t in tasks:
        task_rows.append(
            {
                "id": t.pk,
                "title": t.title,
                "url": _url("task", t.pk),
                "owner": str(t.owner),
                "brand": t.brand.name if t.brand else "",
                "place": t.building.name if t.building else _("全小区"),
                "due_on": t.due_on,
                "state": t.state,
                "state_label": str(t.get_state_display()),
                "state_reason": t.state_reason,
                "overdue": t.is_overdue(today),
                "progress": task_progress(t),
                "done_at": t.done_at,
                "events": [
                    {
                        "at": e.at,
                        "from": e.from_state,
                        "to": e.to_state,
                        "to_label": str(TaskState(e.to_state).label),
                        "by": _person(e.actor),
                        "note": e.note,
                    }
                    for e in t.events.all()
                ],
                "reports": [
                    {
                        "at": r.created_at,
                        "author": str(r.author),
                        "progress": r.progress,
                        "body": r.body,
                        "body_html": r.body_html,
                        "images": [
                            {"url": im.image.url, "width": im.width, "height": im.height}
                            for im in r.images.all()
                        ],
                    }
                    for r in t.reports.all()
                ],
            }
        )
    open_tasks = [t for t in tasks if t.is_open]
    tasks_state = PENDING
    if tasks:
        tasks_state = CURRENT if open_tasks else DONE
    elif res is not None and res.state == ResolutionState.EFFECTIVE:
        tasks_state = CURRENT
    steps.append(
        Step(
            key="tasks",
            title=_("落实治理任务"),
            state=tasks_state,
            at=min((t.created_at for t in tasks), default=None),
            url=task_rows[0]["url"] if len(task_rows) == 1 else None,
            summary=_("%(done)d/%(n)d 项任务完成")
            % {"done": sum(1 for t in tasks if t.state == TaskState.DONE), "n": len(tasks)}
            if tasks
            else "",
            data={"tasks": task_rows},
        )
    )

    # 11. result rounds; 12. evaluation
    results: list[ResultPublication] = d["results"]
    result_rows = []
    for r in results:
        counts = d["ratings"].get(r.pk) or {k: 0 for k in Rating.values}
        total = sum(counts.values())
        # As on the result page (docs/results.md): the number of ratings is public, the
        # breakdown only once the round is closed or to someone who has rated it.
        breakdown = r.state != ResultState.EVALUATING or r.pk in d["rated"]
        result_rows.append(
            {
                "id": r.pk,
                "round": r.round,
                "url": _url("result", r.pk) or result_selectors.result_url(r),
                "published_at": r.published_at,
                "summary": r.summary,
                "summary_html": r.summary_html,
                "evaluation_ends_at": r.evaluation_ends_at,
                "state": r.state,
                "state_label": str(r.get_state_display()),
                "closed_at": r.closed_at,
                "ratings": [
                    {"rating": k, "label": str(Rating(k).label), "count": counts.get(k, 0)}
                    for k in Rating.values
                ]
                if breakdown
                else None,
                "total": total,
            }
        )
    last_result = results[-1] if results else None
    steps.append(
        Step(
            key="result",
            title=_("实施结果公开"),
            state=DONE if results else PENDING,
            at=last_result.published_at if last_result else None,
            url=result_rows[-1]["url"] if result_rows else None,
            summary=_("第 %(n)d 轮") % {"n": last_result.round} if last_result else "",
            data={"results": result_rows},
            ledger=_ledger_refs(ledger, hall.slug, RESULT_KINDS, result=[r.pk for r in results]),
        )
    )
    evaluated = _event_at(events, S.EVALUATED)
    archived = _event_at(events, S.ARCHIVED)
    eval_state = PENDING
    if last_result is not None:
        eval_state = CURRENT if last_result.state == ResultState.EVALUATING else DONE
    steps.append(
        Step(
            key="evaluation",
            title=_("居民评议"),
            state=eval_state,
            at=(last_result.closed_at or last_result.published_at) if last_result else None,
            url=result_rows[-1]["url"] if result_rows else None,
            summary=(
                _("%(n)d 人评议") % {"n": result_rows[-1]["total"]}
                + f" · {last_result.get_state_display()}"
                if last_result
                else ""
            ),
            data={
                "rounds": [
                    {
                        "round": r["round"],
                        "ratings": r["ratings"],
                        "total": r["total"],
                        "state_label": r["state_label"],
                    }
                    for r in result_rows
                ],
                "evaluated_at": evaluated.at if evaluated else None,
                "archived_at": archived.at if archived else None,
            },
            ledger=_ledger_refs(
                ledger, hall.slug, EVALUATION_KINDS, result=[r.pk for r in results]
            ),
        )
    )
    if closed_early:
        for step in steps:
            if step.state == CURRENT and step.key not in ("posted", "seconds", "review"):
                step.state = PENDING
    return Story(
        proposal=proposal,
        steps=steps,
        current_label=str(proposal.get_state_display()),
        closed_early=closed_early,
    )


def story_as_dict(story: Story) -> dict[str, Any]:
    """The story as JSON-ready data (times as aware datetimes; ninja encodes them)."""
    p = story.proposal
    return {
        "proposal": {
            "id": p.pk,
            "title": p.title,
            "state": p.state,
            "state_label": story.current_label,
            "hall": {"id": p.hall_id, "slug": p.hall.slug, "name": p.hall.name},
            "url": reverse("proposal", args=[p.pk]),
        },
        "closed_early": story.closed_early,
        "steps": [
            {
                "key": s.key,
                "title": s.title,
                "state": s.state,
                "state_label": s.state_label,
                "at": s.at,
                "url": s.url,
                "summary": s.summary,
                "data": _jsonable(s.data),
                "ledger": [_ledger_dict(r) for r in s.ledger],
            }
            for s in story.steps
        ],
    }


def _ledger_dict(ref: LedgerRef) -> dict[str, Any]:
    return {
        "seq": ref.seq,
        "kind": ref.kind,
        "label": ref.label,
        "hash": ref.hash,
        "at": ref.at,
        "url": ref.url,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, LedgerRef):
        return _ledger_dict(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
