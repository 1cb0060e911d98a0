"""The state tables of meetings, agenda items and speeches (deliberation/meetings/workflow.py).

Every move in a table is allowed, every other pair is refused with a Chinese message and
changes nothing, and no other module of deliberation/meetings moves a state by hand.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from deliberation.meetings import workflow
from deliberation.models import (
    AgendaItem,
    AgendaItemState,
    Meeting,
    MeetingState,
    Speech,
    SpeechState,
    Stance,
)
from tests.deliberation.meetings.factories import meeting_people, scheduled_meeting

pytestmark = pytest.mark.django_db

CHOICES = {Meeting: MeetingState, AgendaItem: AgendaItemState, Speech: SpeechState}
ALL_PAIRS = [
    (model, frm, to)
    for model, choices in CHOICES.items()
    for frm, to in itertools.product(choices.values, repeat=2)
]
MEETINGS_PACKAGE = Path(__file__).resolve().parents[3] / "deliberation" / "meetings"


def row_in(model, state: str, hall):
    """A saved row of `model` in `state` (set directly: this is the table's own test)."""
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people)
    item = meeting.items.get()
    if model is Meeting:
        Meeting.objects.filter(pk=meeting.pk).update(state=state)
        return Meeting.objects.get(pk=meeting.pk)
    if model is AgendaItem:
        AgendaItem.objects.filter(pk=item.pk).update(state=state)
        return AgendaItem.objects.get(pk=item.pk)
    return Speech.objects.create(
        meeting=meeting, item=item, user=people["wang"], stance=Stance.FOR, state=state
    )


def test_every_table_names_only_real_states():
    for model, (table, choices, _what) in workflow.TABLES.items():
        assert choices is CHOICES[model]
        for frm, to in table:
            assert frm in choices.values and to in choices.values and frm != to


@pytest.mark.parametrize(
    "model,frm,to", ALL_PAIRS, ids=[f"{m.__name__}:{f}->{t}" for m, f, t in ALL_PAIRS]
)
def test_a_move_happens_only_if_its_table_has_it(hall, model, frm, to):
    obj = row_in(model, frm, hall)
    allowed = (frm, to) in workflow.TABLES[model][0]
    before = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
    if allowed:
        workflow.transition(obj, to)
        obj.refresh_from_db()
        assert obj.state == to
        assert to in workflow.allowed_targets(model, frm)
        return
    with pytest.raises(ValidationError) as exc:
        workflow.transition(obj, to, closed_at=timezone.now())
    message = exc.value.messages[0]
    assert "不能变为" in message and str(CHOICES[model](frm).label) in message
    assert obj.state == frm  # not even the object in memory moved
    obj.refresh_from_db()
    assert {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields} == before
    assert to not in workflow.allowed_targets(model, frm)


def test_a_bulk_move_is_checked_against_the_table_and_moves_only_rows_in_its_state(hall):
    people = meeting_people(hall)
    meeting = scheduled_meeting(hall, people)
    item = meeting.items.get()
    waiting = Speech.objects.create(
        meeting=meeting, item=item, user=people["wang"], stance=Stance.FOR
    )
    done = Speech.objects.create(
        meeting=meeting, item=item, user=people["zhang"], stance=Stance.FOR, state="done"
    )
    hands = Speech.objects.filter(item=item)
    with pytest.raises(ValidationError):
        workflow.bulk_transition(hands, SpeechState.DONE, SpeechState.WAITING)
    assert workflow.bulk_transition(hands, SpeechState.WAITING, SpeechState.WITHDRAWN) == 1
    waiting.refresh_from_db(), done.refresh_from_db()
    assert (waiting.state, done.state) == (SpeechState.WITHDRAWN, SpeechState.DONE)


# --- nobody else moves a state ----------------------------------------------------------------


def _state_moves(tree: ast.AST) -> list[int]:
    """Lines that assign `.state`, `setattr(..., "state", ...)` or pass `state=` to a write."""
    writes = {"update", "create", "bulk_create", "update_or_create", "get_or_create"}
    lines = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for t in ast.walk(target):
                if isinstance(t, ast.Attribute) and t.attr == "state":
                    lines.append(node.lineno)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) > 1:
                arg = node.args[1]
                if not isinstance(arg, ast.Constant) or arg.value == "state":
                    lines.append(node.lineno)
            if isinstance(func, ast.Attribute) and func.attr in writes:
                if any(k.arg == "state" for k in node.keywords):
                    lines.append(node.lineno)
            if isinstance(func, ast.Attribute) and func.attr == "save":
                for k in node.keywords:
                    if k.arg == "update_fields" and "state" in ast.unparse(k.value):
                        lines.append(node.lineno)
    return lines


def test_the_check_finds_every_way_of_moving_a_state_by_hand():
    source = """
m.state = "open"
item.state, x = "done", 1
Speech.objects.filter(item=i).update(state="withdrawn")
Speech.objects.create(meeting=m, state="speaking")
setattr(m, "state", "closed")
setattr(m, name, "closed")
m.save(update_fields=["state"])
"""
    assert _state_moves(ast.parse(source)) == [2, 3, 4, 5, 6, 7, 8]


def test_no_module_of_meetings_but_workflow_moves_a_state():
    modules = sorted(MEETINGS_PACKAGE.glob("*.py"))
    assert len(modules) > 5
    found = {
        path.name: lines
        for path in modules
        if path.name != "workflow.py"
        and (lines := _state_moves(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert found == {}, f"states moved outside workflow.py (file: lines): {found}"
