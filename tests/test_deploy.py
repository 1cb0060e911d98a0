"""deploy/ stays consistent with the app (docs/deployment.md).

- deploy/fanghua.env.example lists every environment variable the app reads, and nothing else;
- deploy/nginx.conf: websocket upgrade on /ws/, the client's address as nginx saw it, uploads as
  large as the app accepts, static and media from the app's folders; `nginx -t` when nginx is
  installed;
- deploy/systemd/: the units parse (`systemd-analyze verify` when available), and the timers run
  exactly the jobs of docs/operations.md's cron lines on the same schedule, as deploy/crontab does.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
APP_PACKAGES = ("config", "community", "forum", "deliberation", "realtime", "demo")
ENV_HELPERS = {"env_bool", "env_list"}  # config/settings.py's readers


# --- the environment ---------------------------------------------------------------------------


def _is_os_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def variables_read(source: str) -> set[str]:
    """Names read with os.environ.get / os.environ[...] / os.getenv / env_bool / env_list."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        name_arg = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "get"
                and _is_os_environ(func.value)
            ):
                name_arg = node.args[0]
            elif isinstance(func, ast.Attribute) and func.attr == "getenv":
                name_arg = node.args[0]
            elif isinstance(func, ast.Name) and func.id in ENV_HELPERS:
                name_arg = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            name_arg = node.slice
        if isinstance(name_arg, ast.Constant) and isinstance(name_arg.value, str):
            found.add(name_arg.value)
    return found


def app_variables() -> set[str]:
    found = variables_read((ROOT / "manage.py").read_text())
    for package in APP_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found |= variables_read(path.read_text(encoding="utf-8"))
    return found


def example_variables() -> set[str]:
    """VAR=value lines, set or commented out (#VAR=default)."""
    text = (DEPLOY / "fanghua.env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", text, flags=re.M))


def test_the_reader_finds_every_form_of_reading_the_environment():
    source = (
        "import os\n"
        "a = os.environ.get('A', '1')\nb = os.environ['B']\nc = os.getenv('C')\n"
        "d = env_bool('D', True)\ne = env_list('E', '')\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'x')\n"
    )
    assert variables_read(source) == {"A", "B", "C", "D", "E"}


def test_the_example_environment_lists_every_variable_the_app_reads_and_no_other():
    read = app_variables()
    listed = example_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "MEDIA_ROOT"} <= read
    assert not read - listed, f"read by the app but missing in fanghua.env.example: {read - listed}"
    assert not listed - read, f"in fanghua.env.example but never read: {listed - read}"


def test_the_example_environment_sets_what_production_needs():
    text = (DEPLOY / "fanghua.env.example").read_text(encoding="utf-8")
    set_now = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.M))
    assert {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "DATABASE_URL",
        "REDIS_URL",
    } <= set_now
    assert re.search(r"^DEBUG=0$", text, flags=re.M)


# --- nginx ---------------------------------------------------------------------------------------


def nginx_conf() -> str:
    return (DEPLOY / "nginx.conf").read_text(encoding="utf-8")


def location(conf: str, prefix: str) -> str:
    """The body of `location PREFIX { … }` in the HTTPS server."""
    conf = conf.split("listen 443", 1)[1]
    match = re.search(r"location " + re.escape(prefix) + r" \{(.*?)\n    \}", conf, flags=re.S)
    assert match, f"no location {prefix} in deploy/nginx.conf"
    return match.group(1)


def test_nginx_upgrades_websockets_and_passes_the_client_address_it_saw():
    conf = nginx_conf()
    ws = location(conf, "/ws/")
    assert "proxy_http_version 1.1;" in ws
    assert "proxy_set_header Upgrade $http_upgrade;" in ws
    assert re.search(r"map \$http_upgrade \$fanghua_connection \{\s*default upgrade;", conf)
    assert "proxy_set_header Connection $fanghua_connection;" in ws
    for prefix in ("/ws/", "/"):
        block = location(conf, prefix)
        assert "proxy_pass http://fanghua;" in block
        # daphne --proxy-headers takes the FIRST address of X-Forwarded-For: appending
        # ($proxy_add_x_forwarded_for) would let a client name its own address.
        assert "proxy_set_header X-Forwarded-For $remote_addr;" in block
        assert "proxy_add_x_forwarded_for" not in block
        assert "proxy_set_header X-Forwarded-Proto $scheme;" in block
    unit = (SYSTEMD / "fanghua@.service").read_text()
    assert "--proxy-headers" in unit and "-b 127.0.0.1" in unit
    upstream = re.search(r"upstream fanghua \{(.*?)\}", conf, flags=re.S).group(1)
    assert "least_conn;" in upstream
    assert len(re.findall(r"server 127\.0\.0\.1:\d+", upstream)) >= 2


def test_nginx_accepts_an_upload_as_large_as_the_app_does_and_serves_its_files():
    from django.conf import settings

    from community.images import MAX_UPLOAD_BYTES
    from forum.services import MAX_IMAGES

    conf = nginx_conf()
    size = re.search(r"client_max_body_size (\d+)m;", conf)
    assert size, "client_max_body_size in megabytes"
    largest_upload = MAX_IMAGES * MAX_UPLOAD_BYTES
    assert largest_upload <= int(size.group(1)) * 1024 * 1024 <= largest_upload + 16 * 1024 * 1024
    static_root = Path(settings.STATIC_ROOT).relative_to(settings.BASE_DIR)
    assert f"alias /srv/fanghua/{static_root}/;" in location(conf, "/static/")
    env = (DEPLOY / "fanghua.env.example").read_text(encoding="utf-8")
    media_root = re.search(r"^MEDIA_ROOT=(.+)$", env, flags=re.M).group(1)
    assert f"alias {media_root}/;" in location(conf, "/media/")
    assert settings.STATIC_URL == "/static/" and settings.MEDIA_URL == "/media/"


def test_nginx_accepts_the_site(tmp_path):
    nginx = shutil.which("nginx") or (Path("/usr/sbin/nginx").exists() and "/usr/sbin/nginx")
    if not nginx:
        pytest.skip("nginx is not installed here (apt install nginx to run `nginx -t` on the site)")
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed here (needed for a throwaway certificate)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=yishi.example.org", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", nginx_conf())
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n{mime}\n"
        + "".join(
            f"{kind}_temp_path {tmp_path}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"access_log off;\ninclude {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [nginx, "-t", "-e", "stderr", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


# --- systemd and the scheduled jobs -------------------------------------------------------------


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed here")
    # The units name /srv/fanghua; verify checks that the programs exist, so point them here.
    (tmp_path / "taizhang").mkdir()
    for unit in SYSTEMD.iterdir():
        text = unit.read_text(encoding="utf-8").replace("/srv/fanghua", str(ROOT))
        (tmp_path / unit.name).write_text(text.replace("/srv/taizhang", str(tmp_path / "taizhang")))
    (tmp_path / "fanghua@8001.service").symlink_to(tmp_path / "fanghua@.service")
    units = sorted(
        str(p) for p in tmp_path.iterdir() if p.name != "fanghua@.service" and p.is_file()
    )
    done = subprocess.run(
        [analyze, "verify", *units], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    for complaint in ("ignoring", "Unknown", "Failed", "not executable", "bad unit"):
        assert complaint not in output, output


def cron_lines(text: str) -> list[tuple[str, str]]:
    """(schedule, command after `manage.py `) of every cron line running manage.py."""
    out = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) > 5 and "manage.py" in line and not line.lstrip().startswith("#"):
            command = line.split("manage.py ", 1)[1].strip()
            out.append((" ".join(fields[:5]), normalise(command.replace("\\%", "%"))))
    return out


def normalise(command: str) -> str:
    """The same command as cron and systemd write it: `$(date …)` (`$$(date …)`) → <date>."""
    command = re.sub(r"\$+\(date [^)]*\)", "<date>", command)
    return " ".join(command.strip("'\"").split())


def on_calendar(cron: str) -> str:
    """The OnCalendar= of a cron schedule, for the forms docs/operations.md uses."""
    minute, hour, dom, month, dow = cron.split()
    assert dow == "*", f"weekday schedules are not translated: {cron}"

    def part(field: str) -> str:
        if field == "*":
            return "*"
        if field.startswith("*/"):
            return f"00/{int(field[2:]):02d}"
        return f"{int(field):02d}"

    return f"*-{part(month)}-{part(dom)} {part(hour)}:{part(minute)}:00"


def test_the_cron_translation():
    assert on_calendar("*/10 * * * *") == "*-*-* *:00/10:00"
    assert on_calendar("30 0 1 * *") == "*-*-01 00:30:00"
    assert on_calendar("15 3 * * *") == "*-*-* 03:15:00"


def operations_jobs() -> list[tuple[str, str]]:
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = text.split("## Scheduled jobs", 1)[1].split("\n## ", 1)[0]
    block = [line for line in section.splitlines() if line.startswith("    ")]
    return cron_lines("\n".join(block))


def unit_setting(text: str, key: str) -> list[str]:
    return re.findall(rf"^{key}=(.*)$", text, flags=re.M)


def timer_jobs() -> list[tuple[str, str]]:
    """(OnCalendar, command after `manage.py `) of every timer in deploy/systemd."""
    out = []
    for timer in sorted(SYSTEMD.glob("*.timer")):
        text = timer.read_text(encoding="utf-8")
        service = SYSTEMD / unit_setting(text, "Unit")[0]
        (start,) = unit_setting(service.read_text(encoding="utf-8"), "ExecStart")
        command = start.split("manage.py ", 1)[1]
        out.append((unit_setting(text, "OnCalendar")[0], normalise(command.replace("%%", "%"))))
    return out


def test_the_timers_run_the_jobs_of_docs_operations_on_their_schedules():
    from django.core.management import get_commands

    jobs = operations_jobs()
    names = {command.split()[0] for _, command in jobs}
    assert {"close_notices", "verify_ledger", "backup"} <= names
    assert names <= set(get_commands()), "every job is a management command of the app"
    assert sorted((on_calendar(s), c) for s, c in jobs) == sorted(timer_jobs())
    assert sorted(cron_lines((DEPLOY / "crontab").read_text(encoding="utf-8"))) == sorted(jobs)


def test_every_unit_runs_as_the_site_with_its_environment_file():
    for unit in SYSTEMD.glob("*.service"):
        text = unit.read_text(encoding="utf-8")
        assert unit_setting(text, "User") == ["fanghua"], unit.name
        assert unit_setting(text, "EnvironmentFile") == ["/etc/fanghua/fanghua.env"], unit.name
