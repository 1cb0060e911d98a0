"""Reminders, once each (run daily by cron): tomorrow's meetings, online ballots closing soon,
and 督办 — due-soon and overdue notices for governance tasks (docs/notifications.md)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from deliberation.meetings.notifications import meeting_reminders_send
from deliberation.tasks.services import reminders_send
from deliberation.votes.notifications import ballot_reminders_send


class Command(BaseCommand):
    help = "发送开会提醒、投票截止提醒和治理任务的到期提醒与逾期督办通知（每件事各发一次）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="只列出将要提醒的任务，不发送、不记录。"
        )
        parser.add_argument("--today", help="以这一天为“今天”(YYYY-MM-DD，测试或补发用)。")
        parser.add_argument(
            "--now", type=datetime.fromisoformat, help="记录为发送时间的时刻（ISO 格式，测试用）。"
        )

    def handle(self, *args, dry_run=False, today=None, now=None, **options):
        now = now or timezone.now()
        if isinstance(today, date):
            day = today
        elif today:
            try:
                day = date.fromisoformat(today)
            except ValueError:
                raise CommandError("--today 应为 YYYY-MM-DD。") from None
        else:
            day = timezone.localdate(now)
        if not dry_run:
            for meeting in meeting_reminders_send(now=now):
                self.stdout.write(
                    f"  开会提醒 · #{meeting.pk} {meeting.title} · {meeting.hall.name}"
                )
            for ballot in ballot_reminders_send(now=now):
                self.stdout.write(f"  投票提醒 · #{ballot.pk} {ballot.title}")
        sent = reminders_send(today=day, now=now, dry_run=dry_run)
        verb = "将发送" if dry_run else "已发送"
        for kind, label in (("due_soon", "到期提醒"), ("overdue", "逾期督办")):
            for task in sent[kind]:
                self.stdout.write(
                    f"  {label} · #{task.pk} {task.title} · {task.hall.name} · "
                    f"负责人 {task.owner} · 期限 {task.due_on.isoformat()}"
                )
        self.stdout.write(
            f"{day.isoformat()}:{verb}到期提醒 {len(sent['due_soon'])} 条，"
            f"逾期督办 {len(sent['overdue'])} 条。" + (" （演练，未发送）" if dry_run else "")
        )
