"""The daily digest: one e-mail per person who chose it, with their notifications since the last."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from forum.notifications import digests_send


class Command(BaseCommand):
    help = "给选择“每天汇总”的人发送当天的通知汇总邮件（每人每天一封）。"

    def handle(self, *args, **options):
        sent = digests_send()
        self.stdout.write(f"已发送每日汇总 {len(sent)} 封，共 {sum(sent.values())} 条通知。")
