"""GET /healthz: a real round trip through the database and the channel layer."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from realtime.health import channel_layer_roundtrip

log = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone()[0] != 1:
            raise RuntimeError("SELECT 1 returned something else")


def check_channel_layer() -> None:
    async_to_sync(channel_layer_roundtrip)()


CHECKS = {"database": check_database, "channel_layer": check_channel_layer}


@never_cache
@require_GET
def healthz(request):
    body: dict[str, str] = {"status": "ok"}
    failing = []
    for name, check in CHECKS.items():
        try:
            check()
            body[name] = "ok"
        except Exception as exc:
            log.warning("health check %s failed: %s", name, exc)
            body[name] = f"error: {type(exc).__name__}"
            failing.append(name)
    if failing:
        body["status"] = "error"
        body["failing"] = ", ".join(failing)
        return JsonResponse(body, status=503, json_dumps_params={"ensure_ascii": False})
    return JsonResponse(body)
