"""The web app's shell: the service worker at /sw.js (scope: the whole site) and the offline page.

static/js/sw.js keeps the shell (our stylesheets, scripts, icons and the offline page) and shows
the offline page when a page cannot be loaded. The list of shell files is written into the script
here, with the names the static storage gives them (hashed in production).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

SHELL_FILES = (
    "css/app.css",
    "js/page.js",
    "js/i18n.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "manifest.webmanifest",
)


@cache
def _source() -> str:
    return (settings.BASE_DIR / "static" / "js" / "sw.js").read_text()


def _shell() -> list[str]:
    return [reverse("offline"), *(static(name) for name in SHELL_FILES)]


@require_GET
@cache_control(no_cache=True, max_age=0)
def service_worker(request):
    shell = _shell()
    # The cache's name changes with the files' (hashed) names, so a new release replaces it.
    version = hashlib.sha256("\n".join(shell).encode()).hexdigest()[:12]
    code = (
        _source()
        .replace("const SHELL = [];", f"const SHELL = {json.dumps(shell)};")
        .replace('const VERSION = "dev";', f'const VERSION = "{version}";')
    )
    response = HttpResponse(code, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request):
    """What the service worker shows when a page cannot be loaded (no personal data: it is kept)."""
    return render(request, "offline.html")
