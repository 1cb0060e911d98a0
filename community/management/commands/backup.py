"""`manage.py backup --out DIR`: the database (SQLite online backup or pg_dump), the uploaded
files and a manifest with their checksums, into a new directory (community/backup.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from community.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite: online copy; PostgreSQL: pg_dump --format=custom) and "
        "MEDIA_ROOT into a new directory, with manifest.json (checksums, migrations, git commit)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", required=True, help="a new (or empty) directory to write the backup into"
        )

    def handle(self, *args, out, **options):
        try:
            manifest = backup_create(Path(out))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        size = sum(entry["size"] for entry in manifest["files"])
        media = sum(1 for entry in manifest["files"] if entry["path"].startswith("media/"))
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"备份完成：{out}({manifest['engine']} 数据库 + {media} 个媒体文件，"
                f"共 {size / 1024 / 1024:.1f} MB，代码 {manifest['git_commit'] or '未知'})"
            )
