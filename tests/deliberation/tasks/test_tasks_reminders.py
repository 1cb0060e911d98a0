"""督办：`send_reminders` sends each due-soon and overdue notice once, to the right people."""

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from community.roles import Role
from deliberation.models import GovernanceTask
from deliberation.tasks import services
from forum.models import Notification, NotificationKind
from tests.community.factories import member
from tests.deliberation.tasks.factories import task_world

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
DAY0 = date(2030, 3, 1)  # the tasks are created on this day
NOW0 = datetime(2030, 3, 1, 9, 0, tzinfo=TZ)


def run(today: date, *extra: str) -> str:
    out = io.StringIO()
    now = datetime.combine(today, datetime.min.time(), tzinfo=TZ).replace(hour=8)
    call_command("send_reminders", *extra, today=today.isoformat(), now=now, stdout=out)
    return out.getvalue()


def task_notes(user):
    return list(
        Notification.objects.filter(recipient=user, kind=NotificationKind.TASK)
        .exclude(text__contains="被指定")
        .exclude(text__contains="被邀请")
        .values_list("text", flat=True)
    )


def test_due_soon_then_overdue_each_sent_once(w):
    assert w.hall.task_due_soon_days == 3
    task = w.task(due_on=DAY0 + timedelta(days=10), now=NOW0)
    far = w.task(title="远期任务", due_on=DAY0 + timedelta(days=30), now=NOW0)
    second_head = member(w.hall, Role.HEAD, display_name="王副主任")

    out = run(DAY0 + timedelta(days=6))  # 4 days left: not yet
    assert "到期提醒 0 条" in out and task_notes(w.owner) == []

    out = run(DAY0 + timedelta(days=7))  # 3 days left
    assert "到期提醒 1 条" in out and "清洗喷泉池" in out
    assert len(task_notes(w.owner)) == 1 and "还有 3 天" in task_notes(w.owner)[0]
    assert task_notes(w.head) == []  # due-soon goes to the owner only
    assert "到期提醒 0 条" in run(DAY0 + timedelta(days=8))  # not again

    out = run(DAY0 + timedelta(days=12))  # two days late
    assert "逾期督办 1 条" in out
    for person in (w.owner, w.head, second_head):
        assert any("已逾期 2 天" in t for t in task_notes(person)), person
    assert task_notes(w.volunteer) == []
    before = Notification.objects.count()
    out = run(DAY0 + timedelta(days=13))
    assert "到期提醒 0 条" in out and "逾期督办 0 条" in out
    assert Notification.objects.count() == before
    task.refresh_from_db()
    far.refresh_from_db()
    assert task.due_soon_sent_at and task.overdue_sent_at
    assert far.due_soon_sent_at is None and far.overdue_sent_at is None


def test_dry_run_sends_and_marks_nothing(w):
    w.task(due_on=DAY0 + timedelta(days=1), now=NOW0)
    before = Notification.objects.count()
    out = run(DAY0, "--dry-run")
    assert "将发送到期提醒 1 条" in out and "演练" in out
    assert Notification.objects.count() == before
    assert GovernanceTask.objects.get().due_soon_sent_at is None
    assert "已发送到期提醒 1 条" in run(DAY0 + timedelta(days=1))
    assert "今天（2030-03-02）到期" in task_notes(w.owner)[0]


def test_closed_tasks_are_not_chased(w):
    done = w.task(due_on=DAY0 + timedelta(days=1), now=NOW0)
    cancelled = w.task(title="取消的", due_on=DAY0 + timedelta(days=1), now=NOW0)
    services.task_cancel(actor=w.head, task=cancelled, reason="不需要了")
    services.task_start(actor=w.owner, task=done)
    services.task_complete(actor=w.owner, task=done)
    out = run(DAY0 + timedelta(days=5))
    assert "到期提醒 0 条" in out and "逾期督办 0 条" in out


def test_moving_the_due_date_rearms_the_reminders(w):
    task = w.task(due_on=DAY0 + timedelta(days=2), now=NOW0)
    run(DAY0)
    run(DAY0 + timedelta(days=3))
    task.refresh_from_db()
    assert task.due_soon_sent_at and task.overdue_sent_at
    services.task_update(
        actor=w.head,
        task=task,
        due_on=DAY0 + timedelta(days=20),
        now=datetime(2030, 3, 4, 9, tzinfo=TZ),
    )
    task.refresh_from_db()
    assert task.due_soon_sent_at is None and task.overdue_sent_at is None
    assert "到期提醒 1 条" in run(DAY0 + timedelta(days=18))


def test_a_hall_setting_widens_the_window(w):
    w.hall.task_due_soon_days = 7
    w.hall.save(update_fields=["task_due_soon_days"])
    w.task(due_on=DAY0 + timedelta(days=7), now=NOW0)
    assert "到期提醒 1 条" in run(DAY0)


def test_bad_today_is_an_error(w):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("send_reminders", today="明天", stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_notice_once():
    """Two cron runs overlapping (a slow run, a retry) still notify each person once."""
    import threading

    from django.db import connections

    from tests.deliberation.votes.test_votes_concurrency import _need_postgres

    _need_postgres()
    w = task_world()
    tasks = [w.task(title=f"任务{i}", due_on=DAY0 + timedelta(days=1), now=NOW0) for i in range(5)]
    barrier = threading.Barrier(4)
    sent: list[int] = []
    lock = threading.Lock()

    def one_run():
        try:
            barrier.wait(timeout=10)
            result = services.reminders_send(today=DAY0, now=NOW0)
            with lock:
                sent.append(len(result["due_soon"]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(sent) == len(tasks)
    assert len(task_notes(w.owner)) == len(tasks)
