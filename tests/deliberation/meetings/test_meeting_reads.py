"""Reads of the meeting room never write: what time has made due is shown, not persisted.

A ballot past its window is shown closed (with its result) and a speech past its deadline is
shown ended — by the meeting API's GET, the room page and the websocket snapshot — while every
INSERT, UPDATE or DELETE of the app fails. Cron, the room's timer watcher and the next command
persist them.
"""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.asgi import application
from deliberation.meetings.commands import COMMANDS
from deliberation.models import Ballot, Speech, SpeechState
from deliberation.models.votes import BallotState
from realtime import coalesce
from tests.community.factories import BrowserClient, HallFactory
from tests.deliberation.meetings.factories import (
    accepted_proposal,
    meeting_people,
    scheduled_meeting,
)
from tests.wsclient import receive, session_cookie

MEETINGS_PACKAGE = Path(__file__).resolve().parents[3] / "deliberation" / "meetings"
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class WriteRefused(AssertionError):
    pass


def refuse_writes(*, except_prefix: str | None = None, seen: list[str] | None = None):
    """An execute wrapper that fails on any write (but those to tables named `except_prefix…`);
    it appends every statement it sees to `seen`."""

    def wrapper(execute, sql, params, many, context):
        if seen is not None:
            seen.append(sql)
        if sql.lstrip().upper().startswith(WRITES):
            if except_prefix is None or f'"{except_prefix}' not in sql:
                raise WriteRefused(f"a read wrote: {sql[:200]}")
        return execute(sql, params, many, context)

    return wrapper


def room_with_due_things(hall):
    """An open meeting whose current item has an online ballot past its window (one vote cast)
    and a speech past its deadline: both due, neither persisted yet."""
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people, proposals=[accepted_proposal(hall, people["wang"])])
    mod = people["moderator"]
    run = lambda who, name, **data: COMMANDS[name](who, meeting.pk, data)  # noqa: E731
    run(mod, "open_meeting")
    for name in ("wang", "zhang", "liu", "head", "recorder"):
        run(mod, "check_in_member", user_id=people[name].pk)
    run(mod, "next_item")
    ballot_id = run(mod, "ballot_open", secret=False)["ballot_id"]
    run(people["wang"], "ballot_cast", choice="for")
    run(people["zhang"], "raise_hand", stance="for")
    run(mod, "give_floor")
    past = timezone.now() - timedelta(minutes=5)
    # The room shows whichever ballot is on its item; this one as if put to an online vote
    # whose window has just ended (only cron or a write would close it).
    Ballot.objects.filter(pk=ballot_id).update(
        mode="online", starts_at=past - timedelta(hours=1), ends_at=past
    )
    Speech.objects.filter(meeting=meeting, state=SpeechState.SPEAKING).update(deadline=past)
    return people, meeting, ballot_id


def assert_shown_due_and_nothing_persisted(snapshot: dict, meeting, ballot_id: int) -> None:
    ballot = snapshot["votes"]["ballot"]
    assert ballot["id"] == ballot_id
    assert ballot["state"] == BallotState.CLOSED and ballot["state_label"] == "已结束"
    assert ballot["results_visible"] and ballot["totals"]["for"] == 1
    assert ballot["result"] in ("passed", "failed", "no_quorum") and ballot["result_label"]
    assert snapshot["floor"]["speaker"] is None
    assert Ballot.objects.get(pk=ballot_id).state == BallotState.OPEN  # shown, not written
    assert Speech.objects.filter(meeting=meeting, state=SpeechState.SPEAKING).exists()


@pytest.mark.django_db
def test_the_meeting_api_and_the_room_page_show_due_state_without_writing(hall):
    people, meeting, ballot_id = room_with_due_things(hall)
    client = BrowserClient()
    client.force_login(people["zhang"], backend="django.contrib.auth.backends.ModelBackend")
    with connection.execute_wrapper(refuse_writes()):
        api = client.get(f"/api/v1/meetings/{meeting.pk}")
        page = client.get(f"/meetings/{meeting.pk}/")
        screen = client.get(f"/meetings/{meeting.pk}/screen/")
    assert api.status_code == page.status_code == screen.status_code == 200
    assert_shown_due_and_nothing_persisted(api.json(), meeting, ballot_id)
    assert_shown_due_and_nothing_persisted(page.context["snapshot"], meeting, ballot_id)
    assert page.context["snapshot"]["votes"] == api.json()["votes"]


@pytest.mark.django_db
def test_the_refusing_wrapper_does_refuse_a_write(hall):
    """The guard above is real: a command under it fails."""
    people, meeting, _ballot_id = room_with_due_things(hall)
    with connection.execute_wrapper(refuse_writes()), pytest.raises(WriteRefused):
        COMMANDS["set_checkin"](people["moderator"], meeting.pk, {"open": False})


@pytest.mark.django_db(transaction=True)
async def test_the_websocket_snapshot_shows_due_state_without_writing():
    hall = await sync_to_async(HallFactory)()
    people, meeting, ballot_id = await sync_to_async(room_with_due_things)(hall)
    cookie = await session_cookie(people["zhang"])
    seen: list[str] = []

    def install_guard():
        # Runs on the thread the room's database calls run on, so it guards their connection.
        # Writes of the transport itself (presence, the room's seq row) are not the room's state.
        # (The timer watcher started on connect may try to end the speech meanwhile: it is a
        # command, refused here and retried by the watcher; the snapshot is what is checked.)
        guard = connection.execute_wrapper(refuse_writes(except_prefix="realtime_", seen=seen))
        guard.__enter__()
        return guard

    guard = await sync_to_async(install_guard)()
    try:
        comm = WebsocketCommunicator(
            application,
            f"/ws/meetings/{meeting.pk}/",
            headers=[
                (b"host", b"127.0.0.1"),
                (b"origin", b"http://127.0.0.1"),
                (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()),
            ],
        )
        connected, _ = await comm.connect(timeout=5)
        assert connected
        snap = await receive(comm)
    finally:
        await sync_to_async(guard.__exit__)(None, None, None)
    assert snap["type"] == "snapshot"
    # The guard was on the connection the snapshot was read with.
    assert any(q.startswith("SELECT") and 'FROM "deliberation_speech"' in q for q in seen)
    await sync_to_async(assert_shown_due_and_nothing_persisted)(snap["data"], meeting, ballot_id)
    await comm.disconnect()
    # The vote cast in the setup scheduled a coalesced tally: let it run before the database goes.
    assert await sync_to_async(coalesce.flush, thread_sensitive=False)(10)


# --- no selector module writes or locks, read paths call no services --------------------------

WRITE_CALLS = {
    "save",
    "update",
    "create",
    "bulk_create",
    "bulk_update",
    "update_or_create",
    "get_or_create",
    "delete",
    "publish",
    "select_for_update",
    "ledger_append",
}


def _calls(tree: ast.AST) -> set[str]:
    return {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }


def _imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names |= {f"{node.module}.{a.name}" for a in node.names} | {node.module}
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
    return names


def test_the_selectors_of_meetings_neither_write_nor_lock_nor_call_services():
    tree = ast.parse((MEETINGS_PACKAGE / "selectors.py").read_text(encoding="utf-8"))
    assert _calls(tree) & WRITE_CALLS == set()
    assert not [name for name in _imports(tree) if "services" in name or "locks" in name]


def test_the_meeting_api_get_calls_only_selectors():
    tree = ast.parse((MEETINGS_PACKAGE / "api.py").read_text(encoding="utf-8"))
    get = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "meeting_state"
    )
    used = {
        node.value.id
        for node in ast.walk(get)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    }
    assert "services" not in used and "selectors" in used


def test_a_function_level_import_in_meetings_says_which_cycle_it_breaks():
    for path in sorted(MEETINGS_PACKAGE.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    around = " ".join(lines[inner.lineno - 2 : inner.lineno])
                    assert "# cycle:" in around, f"{path.name}:{inner.lineno} imports in a function"


def test_meetings_read_ballots_through_the_votes_selectors_only():
    """Only the room's vote commands call the ballot services; every read goes through
    `deliberation.votes.selectors`."""
    callers = {
        path.name
        for path in MEETINGS_PACKAGE.glob("*.py")
        if any(
            name.startswith("deliberation.votes.services")
            for name in _imports(ast.parse(path.read_text(encoding="utf-8")))
        )
    }
    assert callers == {"ballots.py"}
    readers = {
        path.name
        for path in MEETINGS_PACKAGE.glob("*.py")
        if "deliberation.votes.selectors" in _imports(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert readers == {"selectors.py"}
