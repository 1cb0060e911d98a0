"""Schemathesis against /api/v1/openapi.json, with the API token of a hall's head (issue 11).

Every operation of the schema is called with generated requests — valid ones and invalid ones
(wrong types, missing fields, huge integers, NUL characters…) — through Django's WSGI handler in
this process, on a hall seeded with a proposal, a comment, a meeting, a ballot, a resolution, a
task and a published result. Each answer must be no 5xx (`not_a_server_error`), a status code
the schema documents for that operation (`status_code_conformance`: the 400/401/403/404/422
answers included), and a body that matches the schema for that code
(`response_schema_conformance`).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from community.models import ApiToken
from config.api import api
from deliberation.meetings import services as meeting_services
from deliberation.meetings.commands import COMMANDS
from deliberation.tasks.services import ACTIONS as TASK_ACTIONS
from deliberation.votes import services as vote_services
from forum import services as forum_services
from tests.deliberation.results.factories import published_result
from tests.deliberation.tasks.factories import task_world
from tests.deliberation.votes.factories import make_ballot, resolution_on_notice
from tests.forum.factories import proposal as make_proposal

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = WSGIHandler()
schema.config.generation.update(
    # Our token is sent on every request; random tokens and session cookies would only be 401s.
    with_security_parameters=False,
    deterministic=True,
    database="none",
)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# The seeded rows, by the path's first segment and the parameter's name (set by `head_token`).
WORLD: dict[tuple[str, str], int] = {}
# The names an `{action}` in a path takes (else every drawn one is a 404 or a 400).
ACTIONS = {"meetings": sorted(COMMANDS), "tasks": sorted(TASK_ACTIONS)}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Mostly the ids of the seeded rows, so requests reach the services; else what was drawn."""
    if not path_parameters:
        return st.just(path_parameters)
    segment = context.operation.path.strip("/").split("/")[2]  # /api/v1/<segment>/…
    out = {}
    for name, value in path_parameters.items():
        known = WORLD.get((segment, name)) or WORLD.get(("*", name))
        if known is not None and isinstance(value, int) and not isinstance(value, bool):
            out[name] = st.sampled_from([known, known, value])
        elif name == "action" and segment in ACTIONS:
            out[name] = st.sampled_from(ACTIONS[segment]) | st.just(value)
        else:
            out[name] = st.just(value)
    return st.fixed_dictionaries(out)


@pytest.fixture
def head_token(db):
    """A hall with every kind of record, and the raw API token of its head."""
    world = task_world()
    hall, head = world.hall, world.head
    task = world.task(subtasks=[("准备", 1)])
    result = published_result(hall, head=head)
    p = make_proposal(hall, world.member)
    comment = forum_services.comment_post(
        author=world.member, proposal=p, body="赞成", stance="for"
    )
    meeting = meeting_services.meeting_schedule(
        actor=head,
        hall=hall,
        title="十月议事会",
        starts_at=timezone.now() + timedelta(days=2),
        venue="妇女微家活动室",
        moderator=head,
        recorder=world.member,
        proposals=[],
        free_items=[("其他事项", None)],
    )
    ballot = make_ballot(hall, head)
    # published now (the factory backdates by the notice period), so objections are open
    later = timezone.now() + timedelta(days=hall.notice_period_days + 1)
    on_notice = resolution_on_notice(hall, head, title="加装楼道扶手", now=later)
    objection = vote_services.objection_lodge(
        author=world.resident, resolution=on_notice, reason="扶手应装在两侧"
    )
    WORLD.clear()
    WORLD.update(
        {
            ("*", "hall_id"): hall.pk,
            ("*", "meeting_id"): meeting.pk,
            ("*", "task_id"): task.pk,
            ("*", "subtask_id"): task.subtasks.first().pk,
            ("*", "resolution_id"): world.resolution.pk,
            ("proposals", "pk"): p.pk,
            ("comments", "pk"): comment.pk,
            ("ballots", "pk"): ballot.pk,
            ("resolutions", "pk"): on_notice.pk,
            ("objections", "pk"): objection.pk,
            ("results", "pk"): result.pk,
            ("memberships", "pk"): world.member.memberships.get(hall=hall).pk,
            ("communities", "pk"): hall.compound.community_id,
            ("streets", "pk"): hall.compound.community.street_id,
        }
    )
    _token, raw = ApiToken.issue(user=head, name="schemathesis")
    return raw


@pytest.fixture(autouse=True)
def keep_the_test_transaction():
    """Django's WSGI handler closes the connection after each request (`close_old_connections`);
    inside the test's transaction that would throw the seeded rows away, as the test client
    knows (it disconnects the same receivers)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_schema_says(case, head_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {head_token}", "Host": "testserver"}, checks=CHECKS
    )


def test_every_operation_documents_its_error_answers(client):
    """A new operation without `answers(...)` fails here even before schemathesis meets it."""
    spec = client.get("/api/v1/openapi.json").json()
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            codes = set(op["responses"])
            where = f"{method.upper()} {path}"
            if op.get("security"):
                assert "401" in codes, where
            if op.get("parameters") or op.get("requestBody"):
                assert "422" in codes, where
            if "{" in path:
                assert "404" in codes, where
            if any(p["in"] == "query" for p in op.get("parameters", [])) or op.get("requestBody"):
                assert "400" in codes, f"{where}: a NUL in its input is a 400"
            for code in codes - {"200", "201"}:
                ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/InvalidOut" if code == "422" else "/ErrorOut"), where
