from django.core.management.base import BaseCommand

from community.audit import audit_prune, retention_days


class Command(BaseCommand):
    help = "Delete audit-log entries older than AUDIT_RETENTION_DAYS (at least 183 days); for cron."

    def handle(self, *args, **options):
        deleted = audit_prune()
        self.stdout.write(f"审计日志：删除 {deleted} 条（保留最近 {retention_days()} 天）")
