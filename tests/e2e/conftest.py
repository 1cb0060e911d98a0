"""Browser tests: a real daphne serving the test database, driven by Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The server's text messages (SMS_BACKEND=file): one JSON line each, read by the tests.
SMS_FILE = ROOT / ".e2e-sms.jsonl"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url(settings_dict: dict) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture(scope="session")
def server_url(django_db_setup, django_db_blocker):
    """Start daphne on a free port against the test database; yield its base URL."""
    from django.db import connection

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": _database_url(connection.settings_dict), "DEBUG": "1"}
    env.update(SMS_BACKEND="file", SMS_FILE_PATH=str(SMS_FILE))
    SMS_FILE.unlink(missing_ok=True)
    log = open(ROOT / ".e2e-daphne.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "config.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            break
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log.close()
                raise RuntimeError(
                    "daphne did not start: " + (ROOT / ".e2e-daphne.log").read_text()
                ) from None
            time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        # A publish racing the shutdown can block daphne's exit (see docs/meetings.md).
        proc.kill()
        proc.wait(10)
    log.close()


@pytest.fixture(scope="module")
def browser():
    # Module scope: Playwright's sync API keeps an event loop running in this thread while
    # open; closing it after each browser module lets later async tests run their own loop.
    if not Path(CHROMIUM).exists():
        message = f"Chromium is not installed at {CHROMIUM} (.ci/run installs Debian's chromium)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # The test's own ORM calls stay synchronous and safe inside Playwright's loop (the documented
    # workaround for Django + Playwright); the variable must not leak into later tests.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield b
            b.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def csp_violations():
    """Console messages of Content-Security-Policy refusals seen by the test's pages."""
    return []


def watch_csp(ctx, violations: list) -> None:
    """Record every CSP refusal (an inline handler, a CDN script…) a page of `ctx` reports."""

    def on_console(message):
        if "Content Security Policy" in message.text:
            violations.append(f"{message.page.url if message.page else ''}: {message.text}")

    ctx.on("console", on_console)


@pytest.fixture
def phone(browser, csp_violations):
    """Make browser contexts sized like a phone; all are closed after the test.

    Every page they open runs under the site's Content-Security-Policy: a refusal fails the test.
    """
    contexts = []

    def make(**kwargs):
        options = {
            "viewport": {"width": 390, "height": 844},
            "device_scale_factor": 2,
            "is_mobile": True,
            "has_touch": True,
            "locale": "zh-CN",
        }
        ctx = browser.new_context(**{**options, **kwargs})  # e.g. a narrower viewport
        ctx.set_default_timeout(10_000)
        watch_csp(ctx, csp_violations)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()
    assert not csp_violations, "\n".join(csp_violations)


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#password-login button[type=submit]")  # under the phone sign-in
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
