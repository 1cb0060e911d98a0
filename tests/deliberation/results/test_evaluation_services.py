"""评议：who may rate a published result, once, while it is open; closing accepts or reopens it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from community.models import Membership
from community.roles import Role
from deliberation.ledger import selectors as ledger_selectors
from deliberation.ledger import services as ledger
from deliberation.models import (
    Evaluation,
    GovernanceTask,
    LedgerEntry,
    Rating,
    ResultPublication,
    ResultState,
    TaskEvent,
    TaskState,
)
from deliberation.results.evaluation import (
    evaluation_close,
    evaluation_submit,
    settle_evaluations,
)
from deliberation.results.services import result_publish_if_complete, result_summary_update
from deliberation.tasks.workflow import task_transition
from forum.models import Notification, NotificationKind, ProposalEvent, ProposalState
from tests.community.factories import HallFactory, UserFactory, member
from tests.deliberation.results.factories import building, published_result, resident

pytestmark = pytest.mark.django_db

S, B, D = Rating.SATISFIED, Rating.BASICALLY, Rating.DISSATISFIED


def rate(result, ratings, place=None):
    """One new resident of `place` per rating, each rating once."""
    for rating in ratings:
        evaluation_submit(user=resident(result.hall, place), result=result, rating=rating)


def after_period(result):
    return result.evaluation_ends_at + timedelta(seconds=1)


# --- submitting ---------------------------------------------------------------------------------


def test_a_resident_of_the_place_rates_once_with_a_plain_comment():
    hall = HallFactory()
    b1 = building(hall, "1栋")
    result = published_result(hall, places=[b1])
    person = resident(hall, b1)
    ev = evaluation_submit(
        user=person,
        result=result,
        rating=S,
        comment="  <b>喷泉</b>修好了，谢谢！<script>x</script>\x07 ",
    )
    assert ev.rating == S
    assert ev.comment == "喷泉修好了，谢谢！x"
    with pytest.raises(ValidationError, match="每人只能评议一次"):
        evaluation_submit(user=person, result=result, rating=D)
    assert list(Evaluation.objects.values_list("rating", flat=True)) == [S]


def test_the_building_approved_with_the_membership_counts_not_the_accounts():
    hall = HallFactory()
    b1, b2 = building(hall, "1栋"), building(hall, "2栋")
    result = published_result(hall, places=[b1])
    approved_b1 = member(hall)
    Membership.objects.filter(user=approved_b1, hall=hall).update(building=b1)
    moved_to_b1 = resident(hall, b2)  # approved as 2栋，later set her account to 1栋
    moved_to_b1.building = b1
    moved_to_b1.save(update_fields=["building"])
    evaluation_submit(user=approved_b1, result=result, rating=S)
    with pytest.raises(PermissionDenied, match="涉及1栋"):
        evaluation_submit(user=moved_to_b1, result=result, rating=B)
    assert Evaluation.objects.count() == 1


def test_a_whole_compound_result_is_open_to_every_member():
    hall = HallFactory()
    result = published_result(hall, places=[None])
    assert result.building_ids == []
    evaluation_submit(user=resident(hall, building(hall)), result=result, rating=S)
    evaluation_submit(user=member(hall), result=result, rating=B)  # no building registered
    assert Evaluation.objects.count() == 2


def test_refusals_are_clear_and_change_nothing():
    hall = HallFactory()
    b1, b2 = building(hall, "1栋"), building(hall, "2栋")
    result = published_result(hall, places=[b1])
    with pytest.raises(PermissionDenied, match="只有本议事厅的成员"):
        evaluation_submit(user=UserFactory(building=b1), result=result, rating=S)
    other_hall_member = member(HallFactory(), building=b1)
    with pytest.raises(PermissionDenied, match="只有本议事厅的成员"):
        evaluation_submit(user=other_hall_member, result=result, rating=S)
    with pytest.raises(PermissionDenied, match="涉及1栋"):
        evaluation_submit(user=resident(hall, b2), result=result, rating=S)
    head_elsewhere = resident(hall, b2, Role.HEAD)
    with pytest.raises(PermissionDenied, match="只有住在那里的居民"):
        evaluation_submit(user=head_elsewhere, result=result, rating=S)
    ok = resident(hall, b1)
    with pytest.raises(ValidationError, match="请选择"):
        evaluation_submit(user=ok, result=result, rating="great")
    with pytest.raises(ValidationError, match="不能超过 500 字"):
        evaluation_submit(user=ok, result=result, rating=S, comment="好" * 501)
    evaluation_submit(user=ok, result=result, rating=S, comment="好" * 500)
    late = resident(hall, b1)
    with pytest.raises(ValidationError, match="评议期已于"):
        evaluation_submit(user=late, result=result, rating=S, now=result.evaluation_ends_at)
    assert Evaluation.objects.count() == 1


def test_an_inactive_membership_cannot_rate():
    hall = HallFactory()
    result = published_result(hall)
    person = member(hall)
    Membership.objects.filter(user=person).update(status="left")
    with pytest.raises(PermissionDenied):
        evaluation_submit(user=person, result=result, rating=S)


def test_a_closed_round_refuses_even_before_its_end_time():
    hall = HallFactory()
    result = published_result(hall)
    ResultPublication.objects.filter(pk=result.pk).update(state=ResultState.ACCEPTED)
    result.refresh_from_db()
    with pytest.raises(ValidationError, match="本轮评议已经结束"):
        evaluation_submit(user=member(hall), result=result, rating=S)


# --- closing: accepted ------------------------------------------------------------------------


def test_accepted_moves_the_proposal_to_evaluated_then_archived_with_a_ledger_entry():
    hall = HallFactory(evaluation_min_ratings=3, dissatisfaction_threshold=Decimal("0.3"))
    result = published_result(hall)
    rate(result, [S, S, B, D])  # 25% 不满意
    assert (
        evaluation_close(result=result, now=result.evaluation_ends_at - timedelta(seconds=1))
        is False
    )
    assert evaluation_close(result=result, now=after_period(result)) is True
    result.refresh_from_db()
    assert result.state == ResultState.ACCEPTED and result.closed_at is not None
    proposal = result.resolution.proposal
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ARCHIVED
    moves = list(
        ProposalEvent.objects.filter(proposal=proposal)
        .order_by("pk")
        .values_list("from_state", "to_state")
    )[-2:]
    assert moves == [
        (ProposalState.COMPLETED, ProposalState.EVALUATED),
        (ProposalState.EVALUATED, ProposalState.ARCHIVED),
    ]
    entry = LedgerEntry.objects.get(hall=hall, kind=ledger.EVALUATION_CLOSED)
    assert entry.payload["outcome"] == "accepted"
    assert (
        entry.payload["satisfied"],
        entry.payload["basically"],
        entry.payload["dissatisfied"],
    ) == (
        2,
        1,
        1,
    )
    assert entry.payload["ratings"] == 4 and entry.payload["dissatisfied_share"] == "0.250"
    assert ledger_selectors.ledger_verify(hall).ok
    # Idempotent: a second close, or a settle, changes nothing.
    assert evaluation_close(result=result, now=after_period(result)) is False
    assert settle_evaluations(now=after_period(result)) == 0
    assert LedgerEntry.objects.filter(kind=ledger.EVALUATION_CLOSED).count() == 1
    assert all(t.state == TaskState.DONE for t in GovernanceTask.objects.all())


def test_enough_ratings_within_the_threshold_mark_it_evaluated_while_the_round_stays_open():
    hall = HallFactory(evaluation_min_ratings=3, dissatisfaction_threshold=Decimal("0.3"))
    result = published_result(hall)
    proposal = result.resolution.proposal
    rate(result, [S, B])
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.COMPLETED  # 2 of the 3 ratings needed
    rate(result, [S])
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.EVALUATED
    event = ProposalEvent.objects.filter(proposal=proposal).latest("pk")
    assert "3 位居民评议" in event.note and "评议期结束后归档" in event.note
    # The round is still open: more residents may rate; it is archived at the end.
    result.refresh_from_db()
    assert result.state == ResultState.EVALUATING
    rate(result, [S])
    evaluation_close(result=result, now=after_period(result))
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ARCHIVED


def test_too_many_dissatisfied_at_first_keeps_it_completed():
    hall = HallFactory(evaluation_min_ratings=3, dissatisfaction_threshold=Decimal("0.3"))
    result = published_result(hall)
    rate(result, [S, D, D])
    proposal = result.resolution.proposal
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.COMPLETED


def test_late_dissatisfied_ratings_still_reopen_an_evaluated_result_at_the_end():
    hall = HallFactory(evaluation_min_ratings=3, dissatisfaction_threshold=Decimal("0.3"))
    result = published_result(hall)
    proposal = result.resolution.proposal
    rate(result, [S, S, S])
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.EVALUATED
    rate(result, [D, D, D])  # 50% by the end of the period
    evaluation_close(result=result, now=after_period(result))
    result.refresh_from_db()
    proposal.refresh_from_db()
    assert result.state == ResultState.REOPENED
    assert proposal.state == ProposalState.IMPLEMENTING
    assert all(t.state == TaskState.IN_PROGRESS for t in result.resolution.tasks.all())


def test_exactly_at_the_threshold_is_not_a_reopen():
    hall = HallFactory(evaluation_min_ratings=4, dissatisfaction_threshold=Decimal("0.5"))
    result = published_result(hall)
    rate(result, [S, B, D, D])  # exactly 50%
    evaluation_close(result=result, now=after_period(result))
    result.refresh_from_db()
    assert result.state == ResultState.ACCEPTED


def test_fewer_ratings_than_the_minimum_is_never_a_reopen():
    hall = HallFactory(evaluation_min_ratings=5, dissatisfaction_threshold=Decimal("0.3"))
    result = published_result(hall)
    rate(result, [D, D, D, D])  # 100% 不满意，but only 4 of the 5 needed
    evaluation_close(result=result, now=after_period(result))
    result.refresh_from_db()
    assert result.state == ResultState.ACCEPTED
    assert LedgerEntry.objects.get(kind=ledger.EVALUATION_CLOSED).payload["dissatisfied"] == 4


def test_no_ratings_at_all_is_accepted():
    hall = HallFactory()
    result = published_result(hall)
    assert settle_evaluations(hall=hall, now=after_period(result)) == 1
    result.refresh_from_db()
    assert result.state == ResultState.ACCEPTED
    assert LedgerEntry.objects.get(kind=ledger.EVALUATION_CLOSED).payload["ratings"] == 0


# --- closing: reopened, and round 2 -------------------------------------------------------------


def test_dissatisfied_reopens_the_tasks_and_the_next_completion_publishes_round_two():
    hall = HallFactory(evaluation_min_ratings=3, dissatisfaction_threshold=Decimal("0.3"))
    head = member(hall, Role.HEAD)
    owner = member(hall, Role.VOLUNTEER)
    b1 = building(hall)
    result = published_result(hall, places=[b1, b1], head=head, owner=owner)
    cancelled = GovernanceTask.objects.create(
        hall=hall,
        resolution=result.resolution,
        title="不需要的任务",
        owner=owner,
        due_on=result.published_at.date(),
        created_by=head,
    )
    task_transition(task=cancelled, to=TaskState.CANCELLED, actor=head, note="并入物业维修")
    rate(result, [S, D, D], place=b1)  # 66.7% 不满意 > 30%, 3 ratings ≥ 3
    closed_at = after_period(result)
    assert settle_evaluations(now=closed_at) == 1
    result.refresh_from_db()
    assert result.state == ResultState.REOPENED
    tasks = list(
        GovernanceTask.objects.filter(resolution=result.resolution).exclude(pk=cancelled.pk)
    )
    assert [t.state for t in tasks] == [TaskState.IN_PROGRESS, TaskState.IN_PROGRESS]
    cancelled.refresh_from_db()
    assert cancelled.state == TaskState.CANCELLED
    reopen = TaskEvent.objects.filter(task=tasks[0], to_state=TaskState.IN_PROGRESS).last()
    assert reopen.from_state == TaskState.DONE
    assert "评议不满意" in reopen.note and "66.7%" in reopen.note and "超过 30%" in reopen.note
    proposal = result.resolution.proposal
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.IMPLEMENTING
    assert (
        Notification.objects.filter(recipient=head, kind=NotificationKind.RESULT)
        .filter(text__contains="评议不满意")
        .exists()
    )
    assert Notification.objects.filter(recipient=owner, kind=NotificationKind.TASK).exists()
    entry = LedgerEntry.objects.get(kind=ledger.EVALUATION_CLOSED)
    assert entry.payload["outcome"] == "reopened" and entry.payload["dissatisfied"] == 2
    # Running again changes nothing.
    assert settle_evaluations(now=closed_at + timedelta(days=1)) == 0
    assert TaskEvent.objects.filter(note__contains="评议不满意").count() == 2

    # The tasks are done again: round 2 is published and rated.
    later = closed_at + timedelta(days=3)
    task_transition(task=tasks[0], to=TaskState.DONE, actor=owner, now=later)
    assert result_publish_if_complete(resolution=result.resolution, now=later) is None
    task_transition(task=tasks[1], to=TaskState.DONE, actor=owner, now=later)
    second = result_publish_if_complete(resolution=result.resolution, now=later)
    assert second is not None and second.round == 2
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.COMPLETED
    rate(second, [S, S, B], place=b1)
    settle_evaluations(now=after_period(second))
    second.refresh_from_db()
    proposal.refresh_from_db()
    assert second.state == ResultState.ACCEPTED
    assert proposal.state == ProposalState.ARCHIVED
    assert LedgerEntry.objects.filter(kind=ledger.EVALUATION_CLOSED).count() == 2
    assert LedgerEntry.objects.filter(kind=ledger.RESULT_PUBLISHED).count() == 2
    assert ledger_selectors.ledger_verify(hall).ok


def test_the_close_command_settles_due_rounds_only_and_is_safe_to_repeat(capsys):
    hall = HallFactory()
    now = timezone.now()
    due = published_result(hall, now=now - timedelta(days=hall.evaluation_days + 1))
    running = published_result(hall, now=now, title="清洁楼道")
    call_command("close_evaluations")
    assert "closed 1 evaluation round(s)" in capsys.readouterr().out
    due.refresh_from_db()
    running.refresh_from_db()
    assert due.state == ResultState.ACCEPTED and running.state == ResultState.EVALUATING
    call_command("close_evaluations", hall=hall.pk)
    assert "closed 0 evaluation round(s)" in capsys.readouterr().out
    assert LedgerEntry.objects.filter(kind=ledger.EVALUATION_CLOSED).count() == 1


def test_settle_by_hall_leaves_other_halls_alone():
    a, b = HallFactory(), HallFactory()
    past = timezone.now() - timedelta(days=30)
    ra, rb = published_result(a, now=past), published_result(b, now=past)
    assert settle_evaluations(hall=a) == 1
    ra.refresh_from_db()
    rb.refresh_from_db()
    assert ra.state == ResultState.ACCEPTED and rb.state == ResultState.EVALUATING


# --- the summary -------------------------------------------------------------------------------


def test_a_head_corrects_the_summary_until_someone_rates_then_may_only_append():
    hall = HallFactory()
    head = member(hall, Role.HEAD)
    result = published_result(hall, head=head)
    with pytest.raises(PermissionDenied):
        result_summary_update(actor=member(hall), result=result, text="改")
    result_summary_update(actor=head, result=result, text="喷泉已修复<script>alert(1)</script>")
    assert "<script>" not in result.summary_html and "喷泉已修复" in result.summary_html
    evaluation_submit(user=member(hall), result=result, rating=S)
    with pytest.raises(ValidationError, match="只能在后面补充"):
        result_summary_update(actor=head, result=result, text="另一种说法")
    result_summary_update(actor=head, result=result, text="水泵保修一年。", append=True)
    result.refresh_from_db()
    assert result.summary.startswith("喷泉已修复") and "补充说明" in result.summary
    assert "水泵保修一年" in result.summary_html
    with pytest.raises(ValidationError, match="请填写内容"):
        result_summary_update(actor=head, result=result, text="  ", append=True)
