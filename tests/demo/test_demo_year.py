"""The demo's year (demo/year.py): every page and chart has something true to show,
and the fountain of the seed article can be followed from its posting to its archive."""

import itertools
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from community.models import Hall, User
from deliberation.ledger.selectors import ledger_verify
from deliberation.models import (
    AgendaItem,
    Ballot,
    CheckIn,
    Evaluation,
    GovernanceTask,
    HandCount,
    LedgerEntry,
    Meeting,
    Objection,
    ProgressReport,
    Resolution,
    ResultPublication,
    Speech,
    TaskEvent,
)
from demo.year_data import FOUNTAIN_TITLE
from forum.models import Comment, Proposal, ProposalEvent, ProposalState, Second

pytestmark = pytest.mark.django_db

FULL_PATH = [
    "draft", "collecting", "awaiting_review", "accepted", "on_agenda", "deliberating", "voted",
    "on_notice", "implementing", "completed", "evaluated", "archived",
]  # fmt: skip
COUNTED = [User, Proposal, ProposalEvent, Comment, Second, Meeting, AgendaItem, CheckIn, Speech,
           Ballot, Resolution, Objection, GovernanceTask, TaskEvent, ProgressReport,
           ResultPublication, Evaluation, LedgerEntry]  # fmt: skip


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One seed_demo for the module (it takes seconds); the tables are emptied afterwards."""
    with django_db_blocker.unblock():
        try:
            call_command("seed_demo", "--quiet")
            yield
        finally:
            call_command("flush", "--no-input", verbosity=0)


@pytest.fixture
def hall(seeded, db):
    return Hall.objects.get(slug="fanghua")


def test_the_year_has_every_state_brand_and_kind_of_thing(hall):
    now = timezone.now()
    proposals = Proposal.objects.filter(hall=hall)
    assert set(proposals.values_list("state", flat=True)) == set(ProposalState.values)
    assert proposals.count() >= 40
    assert proposals.exclude(brand=None).values("brand").distinct().count() == 5
    # Everything happened in the twelve months before now.
    assert not proposals.filter(created_at__lt=now - timedelta(days=366)).exists()
    assert not proposals.filter(created_at__gt=now).exists()

    past = Meeting.objects.filter(hall=hall, starts_at__lt=now)
    assert past.count() == 10
    for meeting in past:
        assert meeting.state == "closed" and meeting.minutes_locked
        assert meeting.checkins.count() >= 30
        assert Speech.objects.filter(meeting=meeting, state="done").exists()
        assert meeting.starts_at < meeting.closed_at < meeting.recorder_confirmed_at < now
    # One summer meeting had too few people: its votes were shelved and taken again.
    assert Ballot.objects.filter(hall=hall, result="no_quorum").exists()

    ballots = Ballot.objects.filter(hall=hall)
    assert ballots.filter(secret=True).exists() and ballots.filter(secret=False).exists()
    assert HandCount.objects.filter(ballot__hall=hall).count() >= 10
    assert ballots.filter(mode="online", state="closed").exists()
    assert ballots.filter(mode="online", state="open", proposal__state="deliberating").exists()
    assert Objection.objects.filter(answered_at__isnull=False).count() >= 2
    assert Objection.objects.filter(answered_at__isnull=True).exists()

    today = timezone.localdate()
    tasks = GovernanceTask.objects.filter(hall=hall)
    assert {"pending", "in_progress", "blocked", "done", "cancelled"} <= set(
        tasks.values_list("state", flat=True)
    )
    assert any(t.is_overdue(today) for t in tasks)
    assert ProgressReport.objects.filter(task__hall=hall).count() >= 40

    results = ResultPublication.objects.filter(hall=hall)
    assert results.filter(state="accepted").count() >= 10
    assert results.filter(state="evaluating", evaluation_ends_at__gt=now).exists()
    # Only the documented demo accounts can log in.
    residents = User.objects.filter(username__startswith="mingyuan")
    assert residents.count() == 60
    assert not any(u.has_usable_password() for u in residents)
    assert User.objects.get(username="huangxiufen").has_usable_password()

    verified = ledger_verify()
    assert verified.ok
    # Every entry of the year is certifiable: its records were recomputed and match.
    assert verified.uncertifiable == 0 and verified.certified == verified.entries
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    assert "intact" in out.getvalue()


def test_every_history_reads_in_order(hall):
    """Each proposal's history, sorted by time, is a chain of moves; each task's too."""
    for p in Proposal.objects.filter(hall=hall).prefetch_related("events"):
        events = sorted(p.events.all(), key=lambda e: (e.at, e.pk))
        for before, after in itertools.pairwise(events):
            assert after.from_state == before.to_state, (p.title, before, after)
        assert events[-1].to_state == p.state, p.title
    for task in GovernanceTask.objects.filter(hall=hall).prefetch_related("events", "reports"):
        events = sorted(task.events.all(), key=lambda e: (e.at, e.pk))
        assert events[0].from_state == "" and events[-1].to_state == task.state
        for before, after in itertools.pairwise(events):
            assert after.from_state == before.to_state and before.at <= after.at, task.title
        assert all(task.created_at <= r.created_at for r in task.reports.all()), task.title
    # A report that says it is finished says 100 %.
    assert not ProgressReport.objects.filter(task__hall=hall, body__contains="完成", progress=0)


def test_one_result_was_reopened_by_residents_and_its_tasks_are_back_in_progress(hall):
    reopened = ResultPublication.objects.get(hall=hall, state="reopened")
    ratings = list(reopened.evaluations.values_list("rating", flat=True))
    assert len(ratings) >= hall.evaluation_min_ratings
    assert ratings.count("dissatisfied") > hall.dissatisfaction_threshold * len(ratings)
    resolution = reopened.resolution
    assert resolution.proposal.state == "implementing"
    assert not resolution.results.filter(round=2).exists()  # round 2 comes when done again
    tasks = list(resolution.tasks.all())
    assert tasks and all(t.state == "in_progress" for t in tasks)
    assert all(t.due_on > timezone.localdate() for t in tasks)  # given a new due date
    assert all(t.events.filter(from_state="done", to_state="in_progress").exists() for t in tasks)
    assert ProgressReport.objects.filter(task__in=tasks, created_at__gt=reopened.closed_at).exists()


def test_the_fountain_goes_all_the_way_in_a_believable_order(hall):
    p = Proposal.objects.get(hall=hall, title=FOUNTAIN_TITLE)
    assert p.state == "archived"
    events = list(p.events.order_by("at", "pk"))
    path = [e.to_state for e in events if e.from_state != e.to_state]
    assert path == FULL_PATH
    assert [e.at for e in events] == sorted(e.at for e in events)
    at = {e.to_state: e.at for e in events}

    own_seconds = p.seconds.filter(carried_from=None)
    assert own_seconds.count() == 3
    assert all(at["collecting"] < s.at <= at["awaiting_review"] for s in own_seconds)
    assert all(at["collecting"] < c.created_at < at["accepted"] for c in p.comments.all())
    assert p.merged_from.exists()  # a duplicate about the smelly pool was merged into it

    item = AgendaItem.objects.get(proposal=p)
    meeting = item.meeting
    assert at["accepted"] < meeting.created_at < meeting.starts_at <= item.opened_at
    assert item.speeches.filter(state="done").count() >= 2
    ballot = Ballot.objects.get(agenda_item=item)
    assert ballot.result == "passed" and not ballot.secret
    assert item.opened_at < ballot.closed_at < item.closed_at

    resolution = Resolution.objects.get(proposal=p)
    assert ballot.closed_at < resolution.published_at < resolution.effective_at
    objection = resolution.objections.get()
    assert resolution.published_at < objection.lodged_at < objection.answered_at
    assert objection.answered_at < resolution.effective_at
    assert resolution.state == "effective"

    tasks = list(resolution.tasks.all())
    assert len(tasks) == 3 and all(t.state == "done" for t in tasks)
    result = resolution.results.get()
    assert result.state == "accepted" and "喷泉" in result.summary
    for task in tasks:
        reports = list(task.reports.all())
        assert reports
        assert resolution.effective_at < task.created_at < task.started_at
        assert task.started_at < reports[0].created_at <= reports[-1].created_at < task.done_at
        assert task.done_at <= result.published_at
    evaluations = list(result.evaluations.all())
    assert len(evaluations) >= 20
    assert all(result.published_at < e.created_at < result.closed_at for e in evaluations)
    assert at["completed"] == result.published_at and at["archived"] == result.closed_at
    assert result.closed_at < timezone.now()


def test_running_the_seed_again_changes_nothing_and_says_so(hall):
    before = {model.__name__: model.objects.count() for model in COUNTED}
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "已存在" in out.getvalue()
    assert {model.__name__: model.objects.count() for model in COUNTED} == before
