"""`manage.py export_taizhang --hall SLUG|ID [--month YYYY-MM] [--out FILE.xlsx]`: the month's 台账."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from community.models import Hall
from deliberation.taizhang.rows import Month, all_tables
from deliberation.taizhang.xlsx import workbook_bytes


def find_hall(ref: str) -> Hall:
    found = Hall.objects.filter(slug=ref).first()
    if found is None and ref.isdigit():
        found = Hall.objects.filter(pk=int(ref)).first()
    if found is None:
        raise CommandError(f"没有这个议事厅：{ref!r}（请给出短名或编号）")
    return found


class Command(BaseCommand):
    help = (
        "Write a hall's monthly 台账 workbook (议题，会议，表决，决议，任务；dates in "
        "Asia/Shanghai). --month defaults to the previous month, for a monthly cron job."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hall", required=True, help="the hall's slug or id")
        parser.add_argument(
            "--month", help="YYYY-MM (default: the month before this one, Asia/Shanghai)"
        )
        parser.add_argument(
            "--out", help="the .xlsx file to write (default: taizhang-<slug>-<YYYY-MM>.xlsx)"
        )

    def handle(self, *args, hall: str, month: str | None = None, out: str | None = None, **opts):
        if month is None:
            target = Month.current(timezone.now()).previous()
        else:
            try:
                target = Month.parse(month)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
        found = find_hall(hall)
        path = Path(out or f"taizhang-{found.slug}-{target}.xlsx")
        if path.suffix.lower() != ".xlsx":
            raise CommandError(f"输出文件应以 .xlsx 结尾：{path}")
        if path.is_dir():
            raise CommandError(f"无法写入 {path}：这是一个目录")
        tables = all_tables(found, target)
        data = workbook_bytes(found, target, tables)
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"无法写入 {path}:{exc.strerror or exc}") from None
        counts = ",".join(f"{sheet.title} {len(rows)} 条" for sheet, (_h, rows) in tables)
        self.stdout.write(f"已写入 {path}({found.name} · {target.label}):{counts}。")
