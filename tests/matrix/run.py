"""Send a matrix row's request as one role, in a transaction rolled back afterwards, and name
what happened in one letter (the legend is in test_http_matrix.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.shortcuts import resolve_url

from tests.community.factories import BrowserClient, jpeg_with_gps
from tests.matrix.cases import JSON, PHOTO_FORM, Case

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# Writes that are not the request's effect: the session (messages, sign-in), the audit log
# (which records refusals and reads too) and django-axes' records of sign-ins.
NOT_EFFECTS = ("django_session", "community_auditentry", "axes_")
SAFE = ("GET", "HEAD", "OPTIONS")


_SAVEPOINT = re.compile(
    r'^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\s+"?(\w+)"?', re.I
)


@contextmanager
def effects() -> Iterator[set[str]]:
    """Collect the tables a block writes to and keeps: writes rolled back to a savepoint (a
    service that refused after a first update) are dropped, as are tables that are no one's
    effect."""
    frames: list[tuple[str, set[str]]] = [("", set())]

    def record(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        savepoint = _SAVEPOINT.match(sql)
        if savepoint:
            verb, name = savepoint.group(1).upper(), savepoint.group(2)
            if verb == "SAVEPOINT":
                frames.append((name, set()))
            elif any(n == name for n, _ in frames):
                while frames[-1][0] != name:
                    frames.pop()
                if verb.startswith("ROLLBACK"):
                    frames[-1][1].clear()
                else:
                    _n, kept = frames.pop()
                    frames[-1][1].update(kept)
            return result
        match = _WRITE.match(sql)
        if match and not match.group(1).startswith(NOT_EFFECTS):
            frames[-1][1].add(match.group(1))
        return result

    tables: set[str] = set()
    with connection.execute_wrapper(record):
        yield tables
    for _n, kept in frames:
        tables.update(kept)


def _login_url(location: str) -> bool:
    return location.startswith((resolve_url(settings.LOGIN_URL), "/admin/login/"))


def send(client: BrowserClient, case: Case):
    data = case.data
    if data == PHOTO_FORM:
        photo = SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")
        data = {"body": "照片", "images": [photo]}
    method = case.method.lower()
    if case.method == "GET":
        return client.get(case.path)
    if case.content_type == JSON:
        return getattr(client, method)(case.path, data, content_type=JSON)
    if case.method == "POST":
        return client.post(case.path, data)
    return getattr(client, method)(case.path, data)


def fresh_copy(client: BrowserClient) -> BrowserClient:
    """A second browser with the same cookies: what the request does to them stays in it."""
    copy = BrowserClient()
    for name, morsel in client.cookies.items():
        copy.cookies[name] = morsel.value
    return copy


def observe(client: BrowserClient, case: Case) -> str:
    """One letter for what `case` did for this client; every change is rolled back."""
    if case.fresh:
        client = fresh_copy(client)
    with transaction.atomic():
        with effects() as written:
            response = send(client, case)
        transaction.set_rollback(True)
    status = response.status_code
    if status == 401 or (status in (301, 302) and _login_url(response.get("Location", ""))):
        return "L"
    if status == 404:
        return "N"
    if status == 403:
        return "D"
    if status == 405:
        return "M"
    if case.method in SAFE or case.no_effect:
        if 200 <= status < 300:
            return "A"
        if 300 <= status < 400:
            return "R"
        return str(status)
    if written:
        return "A" if status < 400 else f"!{status}"  # a refusal that wrote is a bug
    if 300 <= status < 400:
        return "D"  # sent back with the reason (a message), nothing written
    if status == 400 or status == 422 or 200 <= status < 300:
        return "V"  # answered, changed nothing (a form with its errors, a 400 with the reason)
    return str(status)
