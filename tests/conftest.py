"""Shared fixtures: a hall with people in every role, a fresh channel layer per test."""

from __future__ import annotations

import asyncio
import os
import socket
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from django.utils import translation

from community.models import AdminAssignment
from community.roles import Role
from realtime import coalesce
from tests.community.factories import BrowserClient, HallFactory, UserFactory, member

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def service_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    """Skip (with the reason) when a server does not answer; fail instead under REQUIRE_SERVICES."""
    if service_answers(host, port):
        return
    message = f"{name} does not answer on {host}:{port}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (REQUIRE_SERVICES=1: CI must run this test)")
    pytest.skip(message)


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: they are the slowest, and Playwright's sync API runs an event loop
    that async tests must never see (the browser fixture is module-scoped for the same reason)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def fast_password_hasher(request, settings):
    """Tests create many accounts; the slow production hasher adds nothing to what they prove.

    Not for browser tests: their daphne subprocess only knows the production hashers.
    """
    if request.node.get_closest_marker("browser"):
        return
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """Each test gets its own channel layer instance (and so its own event-loop bindings)."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache (sign-up counters, remembered form submissions)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language (zh-hans).

    LocaleMiddleware activates the request's language for the thread and nothing resets it, so a
    test that switches to English would otherwise leave later tests' messages in English.
    """
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def client() -> BrowserClient:
    """pytest-django's `client`, but as a browser meets CSRF: enforced, the token sent from the
    cookie (tests/community/factories.py, BrowserClient)."""
    return BrowserClient()


@pytest.fixture
def hall(db):
    return HallFactory()


@pytest.fixture
def people(hall):
    """One person per role in `hall`, plus an outsider, a pending applicant and an admin."""
    from community.models import Membership, MembershipStatus

    out = {role: member(hall, role, username=f"p_{role}") for role in Role.values}
    out["outsider"] = UserFactory(username="p_outsider")
    applicant = UserFactory(username="p_applicant")
    Membership.objects.create(user=applicant, hall=hall, status=MembershipStatus.REQUESTED)
    out["applicant"] = applicant
    admin = UserFactory(username="p_admin")
    AdminAssignment.objects.create(user=admin, community=hall.compound.community)
    out["admin"] = admin
    return out


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def background_work_done_before_the_flush(request):
    """A transactional test's database is emptied (TRUNCATE on PostgreSQL) when it ends. A room's
    work that outlives the test — a coalesced broadcast in a worker thread, a presence update
    queued on the websockets' database thread — would still be reading and locking rows then,
    and on PostgreSQL the two deadlock (seen in CI). This waits for that work first: set up after
    the database (so torn down before it), it waits for the coalesced jobs, then for the
    thread-sensitive queue (a no-op sent there runs after everything sent before it)."""
    if not _transactional(request):
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    coalesce.flush(timeout=10)
    # From a thread of its own: a browser test's thread runs Playwright's event loop.
    waiter = threading.Thread(
        target=asyncio.run, args=(sync_to_async(lambda: None, thread_sensitive=True)(),)
    )
    waiter.start()
    waiter.join(timeout=10)
    coalesce.flush(timeout=10)
