"""Production refuses the development key; `check --deploy` passes with the documented variables."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_debug_off_with_the_development_key_refuses_to_start():
    result = run({"DEBUG": "0", "ALLOWED_HOSTS": "example.org"}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_off_with_a_short_key_refuses_to_start():
    result = run({"DEBUG": "0", "SECRET_KEY": "short", "ALLOWED_HOSTS": "example.org"}, "check")
    assert result.returncode != 0


def test_check_deploy_passes_with_the_documented_production_variables():
    result = run(
        {
            "DEBUG": "0",
            "SECRET_KEY": "k" * 20 + "x7#Qm2!pLr9@Zt4$Wv8^Yb1&Nc6*Hd3(Fg5)Js0",
            "ALLOWED_HOSTS": "yishi.example.org",
            "CSRF_TRUSTED_ORIGINS": "https://yishi.example.org",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_development_defaults_need_no_environment():
    result = run({}, "check")
    assert result.returncode == 0, result.stderr
