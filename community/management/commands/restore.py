"""`manage.py restore DIR [--force]`: check a backup's checksums, restore the database and the
uploaded files into the configured ones, then run verify_ledger (community/backup.py)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from community.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup`: checks every file against manifest.json first, "
        "refuses a database or MEDIA_ROOT that holds data unless --force, then runs "
        "verify_ledger. SQLite: stop the servers first. Exit status 0 only when all succeeded."
    )

    def add_arguments(self, parser):
        parser.add_argument("dir", help="the backup directory (with manifest.json)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="overwrite a database and MEDIA_ROOT that already hold data",
        )

    def handle(self, *args, dir, force=False, **options):
        try:
            outcome = backup_restore(Path(dir), force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = outcome.manifest
        self.stdout.write(
            f"已恢复：{manifest['engine']} 数据库(备份于 {manifest['created_at']},"
            f"代码 {manifest.get('git_commit') or '未知'})和 {outcome.media_files} 个媒体文件。"
        )
        if outcome.unapplied:
            self.stdout.write(
                f"备份来自较旧的版本，还差 {len(outcome.unapplied)} 个迁移："
                "请运行 python manage.py migrate。"
            )
        out, err = StringIO(), StringIO()
        try:
            call_command("verify_ledger", stdout=out, stderr=err)
        except Exception as exc:  # a CommandError, or a schema the old backup lacks
            self.stderr.write(err.getvalue().rstrip())
            raise CommandError(f"台账校验（verify_ledger）没有通过：{exc}") from None
        self.stdout.write("台账校验（verify_ledger）：" + out.getvalue().strip())
