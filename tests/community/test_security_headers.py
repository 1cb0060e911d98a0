"""Security headers on every page: CSP without inline scripts, no framing, referrer, features."""

import re
from pathlib import Path

import pytest

from tests.community.factories import BrowserClient

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_every_page_sends_the_policy():
    r = BrowserClient().get("/accounts/login/")
    csp = r["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert script_src.strip() == "'self'"  # no 'unsafe-inline', no CDN
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert r["X-Frame-Options"] == "DENY"
    assert r["Referrer-Policy"] == "same-origin"
    assert "camera=()" in r["Permissions-Policy"] and "geolocation=()" in r["Permissions-Policy"]


def test_no_template_has_an_inline_script_or_handler():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{path.name}: {tag}")
        offenders += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+=\"", text)]
    assert not offenders, offenders
