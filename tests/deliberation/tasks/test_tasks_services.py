"""Governance tasks through their services: creation, the state machine, progress, reports."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from deliberation.ledger import selectors as ledger_selectors
from deliberation.ledger import services as ledger
from deliberation.models import (
    GovernanceTask,
    LedgerEntry,
    ProgressReport,
    ResultPublication,
    ResultState,
    SubTask,
    TaskEvent,
    TaskState,
)
from deliberation.tasks import services
from deliberation.tasks.workflow import TRANSITIONS, task_progress
from forum.models import Notification, NotificationKind, ProposalState
from tests.community.factories import BuildingFactory, ServiceBrandFactory, jpeg_with_gps, member
from tests.deliberation.tasks.factories import task_world

pytestmark = pytest.mark.django_db
T = TaskState


def snapshot():
    """What a refused write must leave untouched."""
    return (
        list(
            GovernanceTask.objects.values_list("pk", "state", "title", "due_on", "manual_progress")
        ),
        TaskEvent.objects.count(),
        list(SubTask.objects.values_list("pk", "done").order_by("pk")),
        ProgressReport.objects.count(),
        Notification.objects.count(),
    )


# --- creation


def test_first_task_moves_the_proposal_to_implementing_and_notifies(w):
    task = w.task(subtasks=[("放水", 1), ("清洗", 3)])
    assert task.state == T.PENDING and task.hall == w.hall
    assert "<strong>放水</strong>" in task.description_html
    assert list(task.volunteers.all()) == [w.volunteer]
    assert [(s.title, s.weight) for s in task.subtasks.all()] == [("放水", 1), ("清洗", 3)]
    event = TaskEvent.objects.get(task=task)
    assert (event.from_state, event.to_state, event.actor) == ("", T.PENDING, w.head)
    w.resolution.proposal.refresh_from_db()
    assert w.resolution.proposal.state == ProposalState.IMPLEMENTING
    notes = Notification.objects.filter(kind=NotificationKind.TASK, url=f"/tasks/{task.pk}/")
    assert {n.recipient for n in notes} == {w.owner, w.volunteer}
    w.task(title="第二个任务")  # the proposal is already 落实中：nothing else moves
    w.resolution.proposal.refresh_from_db()
    assert w.resolution.proposal.state == ProposalState.IMPLEMENTING


def test_description_is_sanitised(w):
    task = w.task(description="<script>alert(1)</script>[x](javascript:alert(1))")
    assert "<script>" not in task.description_html
    assert "javascript:" not in task.description_html


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda w: {"title": "  "}, "title"),
        (lambda w: {"title": "长" * 81}, "title"),
        (lambda w: {"owner": w.resident}, "owner"),  # a resident is not a member
        (lambda w: {"owner": w.outsider}, "owner"),
        (lambda w: {"volunteers": [w.outsider]}, "volunteers"),
        (lambda w: {"building": BuildingFactory()}, "building"),  # another compound
        (lambda w: {"brand": ServiceBrandFactory()}, "brand"),  # another hall
        (lambda w: {"due_on": timezone.localdate() - timedelta(days=1)}, "due_on"),
        (lambda w: {"subtasks": [("", 1)]}, "subtasks"),
        (lambda w: {"subtasks": [("放水", 0)]}, "subtasks"),
        (lambda w: {"subtasks": [("放水", "很多")]}, "subtasks"),
    ],
)
def test_bad_input_changes_nothing(w, change, field):
    before = snapshot()
    state = w.resolution.proposal.state
    with pytest.raises(ValidationError) as exc:
        w.task(**change(w))
    assert field in exc.value.message_dict
    assert snapshot() == before
    w.resolution.proposal.refresh_from_db()
    assert w.resolution.proposal.state == state


def test_only_an_effective_resolution_is_broken_into_tasks(w):
    from deliberation.models.votes import ResolutionState

    w.resolution.state = ResolutionState.ON_NOTICE
    w.resolution.notice_ends_at = timezone.now() + timedelta(days=1)
    w.resolution.save(update_fields=["state", "notice_ends_at"])
    with pytest.raises(ValidationError, match="已生效"):
        w.task()
    assert not GovernanceTask.objects.exists()


def test_a_notice_period_that_ended_is_recorded_by_the_first_task(w):
    """The next write settles: breaking a resolution into tasks records it effective first."""
    from deliberation.models.votes import ResolutionState

    w.resolution.state = ResolutionState.ON_NOTICE
    w.resolution.effective_at = None
    w.resolution.notice_ends_at = timezone.now() - timedelta(hours=1)
    w.resolution.save(update_fields=["state", "effective_at", "notice_ends_at"])
    before = LedgerEntry.objects.filter(kind=ledger.RESOLUTION_EFFECTIVE).count()
    w.task()
    w.resolution.refresh_from_db()
    assert w.resolution.state == ResolutionState.EFFECTIVE
    assert w.resolution.effective_at == w.resolution.notice_ends_at
    assert LedgerEntry.objects.filter(kind=ledger.RESOLUTION_EFFECTIVE).count() == before + 1


def test_inactive_membership_cannot_own(w):
    w.owner.memberships.update(status="left")
    with pytest.raises(ValidationError):
        w.task()


# --- the state machine


def moves(task):
    return list(task.events.values_list("from_state", "to_state", "note"))


def test_every_allowed_move_writes_history(w):
    task = w.task()
    services.task_start(actor=w.owner, task=task)
    services.task_block(actor=w.owner, task=task, reason="等物业停水")
    assert task.state == T.BLOCKED and task.state_reason == "等物业停水"
    services.task_unblock(actor=w.owner, task=task)
    assert task.state_reason == ""
    services.task_complete(actor=w.owner, task=task)
    assert task.done_at is not None
    services.task_reopen(actor=w.head, task=task, note="还有一处漏水")
    assert task.done_at is None and task.state == T.IN_PROGRESS
    services.task_cancel(actor=w.head, task=task, reason="改由物业维修")
    assert moves(task) == [
        ("", T.PENDING, "创建任务"),
        (T.PENDING, T.IN_PROGRESS, ""),
        (T.IN_PROGRESS, T.BLOCKED, "等物业停水"),
        (T.BLOCKED, T.IN_PROGRESS, ""),
        (T.IN_PROGRESS, T.DONE, ""),
        (T.DONE, T.IN_PROGRESS, "还有一处漏水"),
        (T.IN_PROGRESS, T.CANCELLED, "改由物业维修"),
    ]


@pytest.mark.parametrize("frm, to", sorted(TRANSITIONS))
def test_each_table_entry_is_reachable_through_a_service(w, frm, to):
    task = w.task()
    path = {
        T.PENDING: [],
        T.IN_PROGRESS: ["start"],
        T.BLOCKED: ["start", "block"],
        T.DONE: ["start", "complete"],
    }[frm]
    for action in path:
        services.task_move(actor=w.head, task=task, action=action, note="原因")
    action = TRANSITIONS[(frm, to)]
    services.task_move(actor=w.head, task=task, action=action, note="原因")
    assert task.state == to
    assert moves(task)[-1][:2] == (frm, to)


@pytest.mark.parametrize(
    "path, action",
    [
        ([], "complete"),  # pending → done is not in the table
        ([], "unblock"),
        ([], "reopen"),
        (["start"], "start"),
        (["start", "complete"], "block"),
        (["start", "complete"], "cancel"),
        (["cancel"], "start"),
        (["cancel"], "reopen"),
    ],
)
def test_forbidden_moves_change_nothing(w, path, action):
    task = w.task()
    for step in path:
        services.task_move(actor=w.head, task=task, action=step, note="原因")
    before = snapshot()
    with pytest.raises(ValidationError):
        services.task_move(actor=w.head, task=task, action=action, note="原因")
    assert snapshot() == before


@pytest.mark.parametrize("action", ["block", "cancel"])
def test_reasons_are_required(w, action):
    task = w.task()
    before = snapshot()
    with pytest.raises(ValidationError, match="原因"):
        services.task_move(actor=w.head, task=task, action=action, note="  ")
    assert snapshot() == before


def test_unknown_action_is_refused(w):
    with pytest.raises(ValidationError):
        services.task_move(actor=w.head, task=w.task(), action="explode")


# --- progress


def test_progress_from_weights_manual_and_done(w):
    task = w.task(subtasks=[("放水", 1), ("清洗", 3)])
    steps = list(task.subtasks.all())
    assert task_progress(task) == 0
    services.subtask_toggle(actor=w.volunteer, task=task, subtask=steps[1])
    assert task_progress(GovernanceTask.objects.get(pk=task.pk)) == 75
    services.subtask_toggle(actor=w.owner, task=task, subtask=steps[1])  # untick
    assert task_progress(GovernanceTask.objects.get(pk=task.pk)) == 0
    with pytest.raises(ValidationError, match="子任务"):
        services.task_set_progress(actor=w.owner, task=task, progress=50)
    manual = w.task(title="手工进度")
    services.task_set_progress(actor=w.owner, task=manual, progress=40)
    assert task_progress(GovernanceTask.objects.get(pk=manual.pk)) == 40
    for bad in (-1, 101, "abc", "4.5"):
        with pytest.raises(ValidationError):
            services.task_set_progress(actor=w.owner, task=manual, progress=bad)
    assert GovernanceTask.objects.get(pk=manual.pk).manual_progress == 40
    services.task_start(actor=w.owner, task=manual)
    services.task_complete(actor=w.owner, task=manual)
    assert task_progress(GovernanceTask.objects.get(pk=manual.pk)) == 100


def test_subtasks_added_and_removed(w):
    task = w.task()
    step = services.subtask_add(actor=w.owner, task=task, title="买清洁剂", weight=2)
    assert task.subtasks.count() == 1
    with pytest.raises(ValidationError):
        services.subtask_add(actor=w.owner, task=task, title="", weight=2)
    with pytest.raises(ValidationError):
        services.subtask_add(actor=w.owner, task=task, title="x", weight=101)
    other = w.task(title="别的任务", subtasks=[("甲", 1)])
    with pytest.raises(ValidationError):  # a step of another task
        services.subtask_remove(actor=w.owner, task=task, subtask=other.subtasks.get())
    services.subtask_remove(actor=w.owner, task=task, subtask=step)
    assert task.subtasks.count() == 0 and other.subtasks.count() == 1


def test_closed_tasks_refuse_progress_changes(w):
    task = w.task(subtasks=[("甲", 1)])
    services.task_cancel(actor=w.head, task=task, reason="不做了")
    with pytest.raises(ValidationError):
        services.subtask_toggle(actor=w.owner, task=task, subtask=task.subtasks.get())
    with pytest.raises(ValidationError):
        services.task_report_progress(actor=w.owner, task=task, body="还在做")


# --- the proposal and the result


def test_result_published_and_proposal_completed_after_the_last_task(w):
    a, b = w.task(title="清洗喷泉池"), w.task(title="更换水泵")
    proposal = w.resolution.proposal
    for t in (a, b):
        services.task_start(actor=w.owner, task=t)
    services.task_report_progress(actor=w.owner, task=a, body="池底已清洗干净")
    services.task_complete(actor=w.owner, task=a)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.IMPLEMENTING
    assert not ResultPublication.objects.exists()
    services.task_complete(actor=w.owner, task=b)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.COMPLETED
    result = ResultPublication.objects.get()
    assert result.round == 1 and "池底已清洗干净" in result.summary
    # The head reopens a task: the round ends, the proposal goes back to 落实中.
    services.task_reopen(actor=w.head, task=b, note="水泵异响")
    proposal.refresh_from_db()
    result.refresh_from_db()
    assert proposal.state == ProposalState.IMPLEMENTING and result.state == ResultState.REOPENED
    closed = LedgerEntry.objects.get(kind=ledger.EVALUATION_CLOSED)
    assert closed.payload["result"] == result.pk and closed.payload["outcome"] == "reopened"
    assert ledger_selectors.ledger_verify(w.resolution.hall).ok
    services.task_complete(actor=w.owner, task=b)
    assert ResultPublication.objects.filter(state=ResultState.EVALUATING).get().round == 2
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.COMPLETED


def test_no_new_task_while_the_result_is_under_evaluation(w):
    task = w.task()
    services.task_start(actor=w.owner, task=task)
    services.task_complete(actor=w.owner, task=task)
    with pytest.raises(ValidationError, match="实施结果"):
        w.task(title="再加一个")


def test_cancelling_the_last_open_task_publishes_when_one_is_done(w):
    a, b = w.task(title="甲"), w.task(title="乙")
    services.task_start(actor=w.owner, task=a)
    services.task_complete(actor=w.owner, task=a)
    services.task_cancel(actor=w.admin, task=b, reason="并入甲")
    assert ResultPublication.objects.count() == 1


# --- updates


def test_update_moves_due_date_and_clears_reminders(w):
    task = w.task()
    now = timezone.now()
    GovernanceTask.objects.filter(pk=task.pk).update(due_soon_sent_at=now, overdue_sent_at=now)
    new_owner = member(w.hall, "volunteer", display_name="新负责人")
    updated = services.task_update(
        actor=w.head,
        task=task,
        title="清洗并消毒喷泉池",
        due_on=task.due_on + timedelta(days=7),
        owner=new_owner,
        volunteers=[w.volunteer, w.member],
        building=None,
        brand=None,
    )
    assert updated.title == "清洗并消毒喷泉池" and updated.building is None
    assert updated.due_soon_sent_at is None and updated.overdue_sent_at is None
    assert updated.owner == new_owner
    assert set(updated.volunteers.all()) == {w.volunteer, w.member}
    assert Notification.objects.filter(recipient=new_owner, kind=NotificationKind.TASK).exists()
    before = snapshot()
    with pytest.raises(ValidationError):
        services.task_update(actor=w.head, task=task, title="", due_on=task.due_on)
    with pytest.raises(ValidationError):
        services.task_update(actor=w.head, task=task, due_on=timezone.localdate() - timedelta(1))
    assert snapshot() == before


def test_unchanged_due_date_keeps_reminders(w):
    task = w.task()
    now = timezone.now()
    GovernanceTask.objects.filter(pk=task.pk).update(due_soon_sent_at=now)
    services.task_update(actor=w.head, task=task, title="新名字", due_on=task.due_on)
    assert GovernanceTask.objects.get(pk=task.pk).due_soon_sent_at == now


# --- reports


def test_report_with_photos_is_sanitised_and_snapshots_progress(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    task = w.task(subtasks=[("放水", 1), ("清洗", 1)])
    services.subtask_toggle(actor=w.owner, task=task, subtask=task.subtasks.first())
    report = services.task_report_progress(
        actor=w.volunteer,
        task=task,
        body="已放水 <img src=x onerror=alert(1)>",
        images=[SimpleUploadedFile("a.jpg", jpeg_with_gps())],
    )
    assert report.progress == 50 and report.author == w.volunteer
    assert "<img" not in report.body_html and "&lt;img" in report.body_html  # shown as text
    stored = Image.open(report.images.get().image.path)
    assert len(stored.getexif()) == 0 and not stored.getexif().get_ifd(0x8825)
    assert Notification.objects.filter(recipient=w.head, url=f"/tasks/{task.pk}/").exists()


def test_report_refuses_non_images_and_too_many(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    task = w.task()
    before = snapshot()
    with pytest.raises(ValidationError):
        services.task_report_progress(
            actor=w.owner, task=task, body="进展", images=[SimpleUploadedFile("a.jpg", b"not")]
        )
    with pytest.raises(ValidationError):
        services.task_report_progress(
            actor=w.owner,
            task=task,
            body="进展",
            images=[SimpleUploadedFile(f"{i}.jpg", jpeg_with_gps()) for i in range(7)],
        )
    with pytest.raises(ValidationError):
        services.task_report_progress(actor=w.owner, task=task, body="  ")
    assert snapshot() == before


def test_report_may_set_manual_progress(w):
    task = w.task()
    report = services.task_report_progress(actor=w.owner, task=task, body="过半", progress=60)
    assert report.progress == 60
    with pytest.raises(PermissionDenied):  # a volunteer reports but does not set progress
        services.task_report_progress(actor=w.volunteer, task=task, body="快了", progress=90)
    assert GovernanceTask.objects.get(pk=task.pk).manual_progress == 60


# --- selectors


def test_overdue_selector_and_filters_take_today(w):
    from deliberation.tasks import selectors

    a = w.task(title="甲", due_on=timezone.localdate() + timedelta(days=2))
    b = w.task(title="乙", due_on=timezone.localdate() + timedelta(days=5))
    later = timezone.localdate() + timedelta(days=4)
    assert [t.title for t in selectors.overdue_tasks(hall=w.hall, today=later)] == ["甲"]
    assert selectors.overdue_tasks(hall=w.hall, today=later)[0].days_overdue == 2
    services.task_start(actor=w.owner, task=a)
    services.task_complete(actor=w.owner, task=a)  # done: no longer chased
    assert selectors.overdue_tasks(hall=w.hall, today=later) == []
    page = selectors.tasks_of_hall(hall=w.hall, overdue=False, today=later)
    assert {t.title for t in page.object_list} == {"甲", "乙"}
    page = selectors.tasks_of_hall(hall=w.hall, state=T.DONE, today=later)
    assert [t.title for t in page.object_list] == ["甲"] and page.object_list[0].progress == 100
    assert selectors.tasks_of_hall(hall=task_world().hall).paginator.count == 0  # other hall
    assert b.pk in [t.pk for t in selectors.tasks_of_resolution(resolution=w.resolution)]
