"""The rules the docs state, checked in the source of votes, ledger, results, story and tasks.

- Only the workflow modules move a state: no other module of votes, results or tasks assigns
  `.state` or passes `state=` to a queryset's update()/create() (docs/votes.md, docs/results.md).
- Selectors never write: no save/create/update/delete, no publish, no ledger append, and no
  import of a services module.
- Enums are not redefined: tally uses the models' TextChoices.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PARTS = ("votes", "results", "tasks")
WORKFLOWS = {
    "deliberation/votes/workflow.py",
    "deliberation/results/workflow.py",
    "deliberation/tasks/workflow.py",
}
WRITE_METHODS = {
    "save",
    "delete",
    "create",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "publish",
    "ledger_append",
    "ledger_append_secret_ballots",
    "notify",
}
SELECTORS = [
    "deliberation/votes/selectors.py",
    "deliberation/ledger/selectors.py",
    "deliberation/results/selectors.py",
    "deliberation/story/selectors.py",
]


def modules(*parts: str) -> list[str]:
    return sorted(
        str(p.relative_to(ROOT))
        for part in parts
        for p in (ROOT / "deliberation" / part).rglob("*.py")
    )


def tree(path: str) -> ast.Module:
    return ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)


def state_moves(module: ast.Module) -> list[int]:
    """Lines that assign `.state` or pass `state=` to update()/create() and friends."""
    lines = []
    for node in ast.walk(module):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and part.attr == "state":
                    if isinstance(part.ctx, ast.Store):
                        lines.append(node.lineno)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"update", "create", "get_or_create", "update_or_create"}
            and any(k.arg == "state" for k in node.keywords)
        ):
            lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "setattr" and len(node.args) > 1:
                name = node.args[1]
                if isinstance(name, ast.Constant) and name.value == "state":
                    lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", [m for m in modules(*PARTS) if m not in WORKFLOWS])
def test_only_the_workflow_modules_move_a_state(path):
    assert state_moves(tree(path)) == [], f"{path} moves a state outside its workflow module"


def test_the_check_catches_a_state_move():
    caught = ast.parse(
        "ballot.state = 'closed'\n"
        "a.state, b = 1, 2\n"
        "Ballot.objects.filter(pk=1).update(state='open')\n"
        "setattr(result, 'state', 'accepted')\n"
    )
    assert state_moves(caught) == [1, 2, 3, 4]
    assert state_moves(ast.parse("x = ballot.state\ntask_transition(task=t, to='done')")) == []


def writes(module: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(module):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in WRITE_METHODS:
                found.append(f"{name}() line {node.lineno}")
            # A queryset's update (a Counter's or a dict's update on a plain name is a read).
            if (
                isinstance(func, ast.Attribute)
                and func.attr in {"update", "delete"}
                and isinstance(func.value, ast.Call | ast.Attribute)
            ):
                found.append(f"{func.attr}() line {node.lineno}")
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            if any(n.endswith(".services") or n.endswith("services") for n in names):
                found.append(f"imports {node.module} line {node.lineno}")
    return found


@pytest.mark.parametrize("path", SELECTORS)
def test_selectors_never_write(path):
    assert writes(tree(path)) == []


def test_the_write_check_catches_a_write():
    source = (
        "from deliberation.votes import services as sv\n"
        "Ballot.objects.filter(pk=1).update(title='x')\n"
        "ballot.save()\n"
        "ledger.ledger_append(hall=h, kind=k, payload={})\n"
        "totals.update(votes)\n"
    )
    assert len(writes(ast.parse(source))) == 4


def test_tally_does_not_redefine_the_enums():
    module = tree("deliberation/votes/tally.py")
    classes = {n.name for n in ast.walk(module) if isinstance(n, ast.ClassDef)}
    assert not classes & {"BallotKind", "QuorumBasis", "Source", "Result", "BallotResult"}
    from deliberation.models import votes as models
    from deliberation.votes import tally

    assert tally.BallotKind is models.BallotKind
    assert tally.QuorumBasis is models.QuorumBasis
    assert tally.BallotResult is models.BallotResult


# ledger < votes < results < tasks < story: a part imports only the parts below it.
FORBIDDEN = {
    "ledger": {"votes", "results", "tasks", "meetings", "story"},
    "votes": {"results", "tasks", "meetings", "story"},
    "results": {"tasks", "meetings", "story"},
    "tasks": {"meetings", "story"},
}


def imported_parts(path: str) -> set[str]:
    parts = set()
    for node in ast.walk(tree(path)):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            bits = name.split(".")
            if bits[0] == "deliberation" and len(bits) > 1:
                parts.add(bits[1])
    return parts


@pytest.mark.parametrize(
    "path",
    [
        m
        for part in FORBIDDEN
        for m in modules(part)
        if part != "tasks" or m.endswith("services.py")
    ],
)
def test_parts_import_only_the_parts_below_them(path):
    part = path.split("/")[1]
    assert imported_parts(path) & FORBIDDEN[part] == set()
