"""Backups of the whole site: the database and the uploaded files, with a manifest to check them.

`backup_create(out)` writes into the directory `out`:

- `database.sqlite3` — SQLite, an online copy through sqlite3's backup API (a consistent snapshot
  while the server writes, WAL included), or `database.pgdump` — PostgreSQL, `pg_dump
  --format=custom`;
- `media/…` — every file of MEDIA_ROOT, copied after the database;
- `manifest.json` — when, which engine, the code's git commit, the latest applied migration of
  each app, and the size and SHA-256 of every file above. It is written last: a directory without
  one is an unfinished backup.

`backup_restore(src, force=...)` checks every file against the manifest first and changes nothing
when one is missing or differs, refuses a target that holds data unless `force`, then restores the
database (SQLite: the file replaced in place — stop the servers first; PostgreSQL: `pg_restore
--clean --if-exists --no-owner` into the configured database) and the media files.
The `backup` and `restore` commands (community/management/commands) run these; `restore` then
runs `verify_ledger`. docs/deployment.md, "Backups".
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

MANIFEST = "manifest.json"
FORMAT = 1
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Tables Django fills by itself (migrate writes them): rows there are not "data" of a site.
BOOKKEEPING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class RestoreOutcome:
    manifest: dict
    media_files: int
    unapplied: list[str]  # migrations of the code the restored database lacks (run migrate)


def engine() -> str:
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"不支持的数据库：{vendor}（只支持 SQLite 和 PostgreSQL）")
    return vendor


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def git_commit() -> str | None:
    """The code's commit (`git describe --always --dirty`), or None outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "-C", str(settings.BASE_DIR), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def migration_state() -> dict[str, str]:
    """The latest applied migration of each app in the configured database."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def _pg_command(tool: str) -> tuple[list[str], dict[str, str]]:
    """The connection options of pg_dump/pg_restore and their environment (the password in
    PGPASSWORD, never on the command line, where `ps` would show it)."""
    conf = connection.settings_dict
    args = [tool, "--no-password"]
    if conf.get("HOST"):
        args += ["--host", str(conf["HOST"])]
    if conf.get("PORT"):
        args += ["--port", str(conf["PORT"])]
    if conf.get("USER"):
        args += ["--username", str(conf["USER"])]
    env = dict(os.environ)
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    options = conf.get("OPTIONS") or {}
    for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(key):
            env[var] = str(options[key])
    return args, env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(
            f"找不到 {args[0]}：请安装 PostgreSQL 客户端（apt install postgresql-client）"
        ) from None
    if done.returncode != 0:
        raise BackupError(
            f"{what}失败（{args[0]} 退出码 {done.returncode}）：{done.stderr.strip()}"
        )


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return found


def backup_create(out: Path) -> dict:
    """Write a backup of the configured database and MEDIA_ROOT into `out` (new or empty)."""
    kind = engine()
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"{out} 已存在且不是空目录：每份备份请用一个新目录")
    out.mkdir(parents=True, exist_ok=True)
    db_file = out / DATABASE_FILES[kind]
    if kind == "sqlite":
        _sqlite_backup(Path(connection.settings_dict["NAME"]), db_file)
    else:
        args, env = _pg_command("pg_dump")
        args += [
            "--format=custom",
            "--file",
            str(db_file),
            "--dbname",
            connection.settings_dict["NAME"],
        ]
        _run(args, env, "pg_dump 导出数据库")
    media_root = Path(settings.MEDIA_ROOT)
    for path in _media_files(media_root):
        target = out / "media" / path.relative_to(media_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    files = []
    for path in [db_file, *_media_files(out / "media")]:
        files.append(
            {
                "path": path.relative_to(out).as_posix(),
                "size": path.stat().st_size,
                "sha256": sha256_of(path),
            }
        )
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": kind,
        "database": DATABASE_FILES[kind],
        "git_commit": git_commit(),
        "migrations": migration_state(),
        "files": files,
    }
    (out / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


def _sqlite_backup(source: Path, target: Path) -> None:
    """An online copy: sqlite3's backup API reads one consistent snapshot (WAL included) while
    the server goes on writing; the copy is a single file (rollback journal, not WAL)."""
    if not source.is_file():
        raise BackupError(f"SQLite 数据库文件不存在：{source}")
    src = sqlite3.connect(source, timeout=20)  # it only reads (the file exists: checked above)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("SQLite 备份文件未通过 quick_check")
    finally:
        dst.close()
        src.close()


def _safe_path(root: Path, relative: str) -> Path:
    """A manifest's path inside the backup directory (never absolute, never `..`)."""
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        raise BackupError(f"清单中的路径不合法：{relative!r}")
    return root.joinpath(*parts)


def backup_check(src: Path) -> dict:
    """Read the manifest of the backup in `src` and check every file it lists (size, SHA-256).

    Raises BackupError naming each missing or differing file; reads, never writes."""
    src = Path(src)
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{src} 里没有 {MANIFEST}：这不是一份备份，或者备份没有完成") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{MANIFEST} 无法读取：{exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST} 的格式不认识（应为 format {FORMAT}）")
    kind = manifest.get("engine")
    if kind not in DATABASE_FILES or manifest.get("database") != DATABASE_FILES[kind]:
        raise BackupError(f"{MANIFEST} 中的数据库类型不认识：{kind!r}")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(isinstance(entry, dict) for entry in files):
        raise BackupError(f"{MANIFEST} 的文件清单不认识")
    listed = {entry.get("path") for entry in files}
    if manifest["database"] not in listed:
        raise BackupError(f"{MANIFEST} 没有列出数据库文件 {manifest['database']}")
    problems = []
    for entry in files:
        path = _safe_path(src, str(entry.get("path")))
        if not path.is_file():
            problems.append(f"{entry['path']}：缺失")
        elif path.stat().st_size != entry.get("size"):
            problems.append(f"{entry['path']}：大小不符")
        elif sha256_of(path) != entry.get("sha256"):
            problems.append(f"{entry['path']}:SHA-256 校验和不符")
    if problems:
        raise BackupError("备份已损坏，没有做任何更改：" + ";".join(problems))
    return manifest


def target_data() -> list[str]:
    """What the configured database and MEDIA_ROOT already hold ([] when there is nothing to
    overwrite): tables with rows (Django's own bookkeeping aside) and files under MEDIA_ROOT."""
    found = []
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite" and (
        not Path(name).is_file() or Path(name).stat().st_size == 0
    ):
        tables = []  # do not let the check create the file
    else:
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
            for table in tables:
                if table in BOOKKEEPING_TABLES:
                    continue
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
                if cursor.fetchone() is not None:
                    found.append(table)
        connection.close()
    shown = ", ".join(found[:5]) + (" …" if len(found) > 5 else "")
    result = [f"数据库 {name} 的 {len(found)} 个表有数据（{shown}）"] if found else []
    media = _media_files(Path(settings.MEDIA_ROOT))
    if media:
        result.append(f"MEDIA_ROOT({settings.MEDIA_ROOT})有 {len(media)} 个文件")
    return result


def _check_compatible(manifest: dict) -> None:
    kind = engine()
    if manifest["engine"] != kind:
        raise BackupError(
            f"这份备份是 {manifest['engine']} 数据库的，而当前配置的数据库是 {kind}"
            "(DATABASE_URL)：没有做任何更改"
        )
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    newer = [
        f"{app}.{name}"
        for app, name in (manifest.get("migrations") or {}).items()
        if (app, name) not in known
    ]
    if newer:
        raise BackupError(
            "这份备份来自更新版本的程序(代码里没有这些迁移："
            + ", ".join(newer)
            + ")：请先把代码更新到备份时的版本（清单中的 git_commit），没有做任何更改"
        )


def backup_restore(src: Path, *, force: bool = False) -> RestoreOutcome:
    """Restore the backup in `src` into the configured database and MEDIA_ROOT.

    Nothing changes when the backup is damaged, of another engine or of newer code, or when the
    target holds data and `force` is not given."""
    src = Path(src)
    manifest = backup_check(src)
    _check_compatible(manifest)
    if not force:
        try:
            held = target_data()
        except DatabaseError as exc:
            raise BackupError(
                f"连不上要恢复到的数据库（{exc}）：请先建好它（PostgreSQL:createdb），"
                "检查 DATABASE_URL；没有做任何更改"
            ) from None
        if held:
            raise BackupError(
                "目标已有数据，没有做任何更改："
                + ";".join(held)
                + "。确定要用备份覆盖它们，请加 --force"
            )
    db_file = src / manifest["database"]
    connection.close()
    if manifest["engine"] == "sqlite":
        _sqlite_restore(db_file, Path(connection.settings_dict["NAME"]))
    else:
        args, env = _pg_command("pg_restore")
        args += [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            connection.settings_dict["NAME"],
            str(db_file),
        ]
        _run(args, env, "pg_restore 恢复数据库")
    media_root = Path(settings.MEDIA_ROOT)
    media = [e["path"] for e in manifest["files"] if e["path"].startswith("media/")]
    for relative in media:
        target = _safe_path(media_root, relative.removeprefix("media/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(_safe_path(src, relative), target)
    connection.close()
    loader = MigrationLoader(connection)
    unapplied = sorted(
        f"{app}.{name}"
        for app, name in loader.disk_migrations
        if (app, name) not in loader.applied_migrations
    )
    return RestoreOutcome(manifest=manifest, media_files=len(media), unapplied=unapplied)


def _sqlite_restore(backup_file: Path, target: Path) -> None:
    """Put the backup's file in place of the database: copied next to it, flushed, the old WAL
    and shared-memory files removed (a stale WAL must never be replayed onto the new file), then
    renamed over it in one step. No server may have the database open meanwhile."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".restoring")
    shutil.copyfile(backup_file, partial)
    with partial.open("rb+") as f:
        os.fsync(f.fileno())
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(partial, target)
