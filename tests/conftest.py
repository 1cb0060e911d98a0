"""Shared fixtures: a hall with people in every role, a fresh channel layer per test."""

from __future__ import annotations

import os
import socket

import pytest
from channels.layers import channel_layers

from community.models import AdminAssignment
from community.roles import Role
from realtime.db import close_kept_connection
from tests.factories import HallFactory, UserFactory, member

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


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """Each test gets its own channel layer instance (and so its own event-loop bindings)."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
    close_kept_connection()  # websocket code keeps one (realtime/db.py); flush/drop need it shut


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
