"""`manage.py backup` and `manage.py restore` (community/backup.py, docs/deployment.md "Backups").

The source is the suite's own test database (SQLite, or PostgreSQL under `make test-pg`) filled
with a whole proposal's story — ledger entries included — and an uploaded photo. The restore
target is separate: a fresh SQLite file, or a fresh PostgreSQL database this test creates. The
restore and every look at the target run in a subprocess whose DATABASE_URL and MEDIA_ROOT point
at the target, so the test database is never touched by them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from community.backup import BackupError, backup_check, backup_restore
from deliberation.models import LedgerEntry, Resolution
from forum import services as fs
from forum.models import ProposalImage
from realtime import coalesce
from tests.community.factories import jpeg_with_gps
from tests.conftest import need_service
from tests.deliberation.story.factories import full_flow

ROOT = Path(settings.BASE_DIR)


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        try:
            return super().default(o)
        except TypeError:
            return repr(o)


def rows() -> str:
    """Every row of every table of the project's models, in primary-key order, as JSON."""
    out = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        out[model._meta.db_table] = list(model.objects.order_by("pk").values_list())
    return json.dumps(out, cls=_Encoder, ensure_ascii=False, sort_keys=True)


def media_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@dataclass
class Target:
    """A database and MEDIA_ROOT apart from the test database, reached through subprocesses."""

    url: str
    media: Path
    sqlite_file: Path | None = None
    pg_name: str | None = None

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "DATABASE_URL": self.url, "MEDIA_ROOT": str(self.media)}
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    def rows(self) -> str:
        done = self.manage(
            "shell", "-c", "from tests.community.test_backup import rows; print('ROWS:' + rows())"
        )
        assert done.returncode == 0, done.stderr
        line = next(x for x in done.stdout.splitlines() if x.startswith("ROWS:"))
        return line.removeprefix("ROWS:")

    def is_empty(self) -> bool:
        if self.sqlite_file is not None:
            return not self.sqlite_file.exists()
        with _pg_admin(self.pg_name) as conn:
            count = conn.execute(
                "select count(*) from information_schema.tables where table_schema = 'public'"
            ).fetchone()[0]
        return count == 0


def _pg_admin(dbname: str = "postgres"):
    import psycopg

    conf = connection.settings_dict
    return psycopg.connect(
        host=conf["HOST"] or None,
        port=conf["PORT"] or None,
        user=conf["USER"] or None,
        password=conf["PASSWORD"] or None,
        dbname=dbname,
        autocommit=True,
        connect_timeout=5,
    )


@pytest.fixture
def target(tmp_path):
    """A fresh, empty target of the suite's engine."""
    media = tmp_path / "restored-media"
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield Target(url=f"sqlite:///{path}", media=media, sqlite_file=path)
        return
    conf = connection.settings_dict
    need_service("PostgreSQL", conf["HOST"] or "127.0.0.1", int(conf["PORT"] or 5432))
    name = f"{conf['NAME']}_restored"
    with _pg_admin() as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')
        admin.execute(f'create database "{name}"')
    auth = quote(conf["USER"] or "", safe="")
    if conf["PASSWORD"]:
        auth += ":" + quote(conf["PASSWORD"], safe="")
    url = f"postgres://{auth}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{name}"
    yield Target(url=url, media=media, pg_name=name)
    with _pg_admin() as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def source(transactional_db, settings, tmp_path, hall):
    """Committed data (pg_dump and the SQLite backup read other connections): a proposal's whole
    story with its ledger entries, and a proposal with an uploaded photo."""
    settings.MEDIA_ROOT = tmp_path / "media"
    flow = full_flow(hall)
    fs.proposal_create(
        author=flow.people["author"],
        hall=hall,
        title="楼道里的自行车",
        body="照片为证。",
        images=[SimpleUploadedFile("bikes.jpg", jpeg_with_gps(), content_type="image/jpeg")],
    )
    assert LedgerEntry.objects.count() > 5
    assert ProposalImage.objects.count() == 1
    # The rooms' coalesced broadcasts (a ballot's tally) write their seq a moment after commit:
    # let them finish, or the source moves on after its backup.
    assert coalesce.flush(timeout=20)
    return flow


def test_a_backup_restored_into_a_fresh_database_has_every_row_and_photo_and_its_ledger_verifies(
    source, target, tmp_path
):
    backup = tmp_path / "backup"
    call_command("backup", out=str(backup), verbosity=0)
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["engine"] == connection.vendor
    assert manifest["migrations"]["deliberation"].startswith("00")
    photo = ProposalImage.objects.get().image.name
    assert f"media/{photo}" in {f["path"] for f in manifest["files"]}

    done = target.manage("restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert "台账校验（verify_ledger）：OK" in done.stdout
    assert target.rows() == rows()
    assert media_files(target.media) == media_files(Path(settings.MEDIA_ROOT))

    # The target now holds data: without --force nothing is touched (the photo removed from the
    # target's MEDIA_ROOT is not put back).
    (target.media / photo).unlink()
    refused = target.manage("restore", str(backup))
    assert refused.returncode == 1
    assert "目标已有数据，没有做任何更改" in refused.stderr
    assert "--force" in refused.stderr
    assert not (target.media / photo).exists()

    # With --force it is overwritten, here by a backup whose records no longer say what the
    # ledger certified: restored (the photo is back), but the restore says the ledger check
    # failed and exits non-zero.
    Resolution.objects.filter(pk=source.resolution.pk).update(text="由居民自费维修。")
    tampered = tmp_path / "tampered"
    call_command("backup", out=str(tampered), verbosity=0)
    done = target.manage("restore", "--force", str(tampered))
    assert done.returncode == 1
    assert "已恢复" in done.stdout
    assert (target.media / photo).read_bytes() == (Path(settings.MEDIA_ROOT) / photo).read_bytes()
    assert "台账校验（verify_ledger）没有通过" in done.stderr
    assert f"resolution {source.resolution.pk} field" in done.stderr


def test_a_damaged_backup_is_refused_and_the_target_is_left_as_it_was(
    transactional_db, hall, target, tmp_path
):
    backup = tmp_path / "backup"
    call_command("backup", out=str(backup), verbosity=0)
    manifest = json.loads((backup / "manifest.json").read_text())
    database = backup / manifest["database"]
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, same size
    database.write_bytes(bytes(data))

    done = target.manage("restore", "--force", str(backup))
    assert done.returncode == 1
    assert "备份已损坏，没有做任何更改" in done.stderr
    assert f"{manifest['database']}:SHA-256 校验和不符" in done.stderr
    assert target.is_empty()
    assert not target.media.exists()


@pytest.fixture
def small_backup(tmp_path, settings):
    """A backup directory made by hand (no database needed): one database file and one photo."""
    from community.backup import DATABASE_FILES, sha256_of

    backup = tmp_path / "backup"
    (backup / "media" / "p").mkdir(parents=True)
    db_name = DATABASE_FILES[connection.vendor]
    (backup / db_name).write_bytes(b"database")
    (backup / "media" / "p" / "a.jpg").write_bytes(b"photo")
    files = [
        {"path": p, "size": (backup / p).stat().st_size, "sha256": sha256_of(backup / p)}
        for p in (db_name, "media/p/a.jpg")
    ]
    manifest = {
        "format": 1,
        "created_at": "2026-12-01T00:00:00+00:00",
        "engine": connection.vendor,
        "database": db_name,
        "git_commit": None,
        "migrations": {},
        "files": files,
    }
    (backup / "manifest.json").write_text(json.dumps(manifest))
    settings.MEDIA_ROOT = tmp_path / "media"
    return backup, manifest


def rewrite(backup: Path, manifest: dict) -> None:
    (backup / "manifest.json").write_text(json.dumps(manifest))


def test_the_manifest_check_names_a_missing_or_changed_file_and_refuses_paths_outside(
    small_backup,
):
    backup, manifest = small_backup
    assert backup_check(backup)["engine"] == connection.vendor
    (backup / "media" / "p" / "a.jpg").write_bytes(b"photO")
    with pytest.raises(BackupError, match=r"media/p/a\.jpg:SHA-256 校验和不符"):
        backup_check(backup)
    (backup / "media" / "p" / "a.jpg").unlink()
    with pytest.raises(BackupError, match=r"media/p/a\.jpg：缺失"):
        backup_check(backup)
    manifest["files"][1]["path"] = "media/../../etc/passwd"
    rewrite(backup, manifest)
    with pytest.raises(BackupError, match="路径不合法"):
        backup_check(backup)
    (backup / "manifest.json").unlink()
    with pytest.raises(BackupError, match=r"没有 manifest\.json"):
        backup_check(backup)


def test_a_backup_of_another_engine_or_of_newer_code_is_refused_before_anything_changes(
    small_backup, tmp_path
):
    backup, manifest = small_backup
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    from community.backup import DATABASE_FILES

    (backup / manifest["database"]).rename(backup / DATABASE_FILES[other])
    manifest.update(engine=other, database=DATABASE_FILES[other])
    manifest["files"][0]["path"] = DATABASE_FILES[other]
    rewrite(backup, manifest)
    with pytest.raises(BackupError, match=f"这份备份是 {other} 数据库的"):
        backup_restore(backup)
    (backup / DATABASE_FILES[other]).rename(backup / DATABASE_FILES[connection.vendor])
    manifest.update(engine=connection.vendor, database=DATABASE_FILES[connection.vendor])
    manifest["files"][0]["path"] = DATABASE_FILES[connection.vendor]
    manifest["migrations"] = {"deliberation": "9999_from_the_future"}
    rewrite(backup, manifest)
    with pytest.raises(BackupError, match=r"deliberation\.9999_from_the_future"):
        backup_restore(backup, force=True)
    assert not (tmp_path / "media").exists()
