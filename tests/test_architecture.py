"""The layout docs/architecture.md describes, checked by reading the modules' imports with `ast`.

Nothing here imports the project: each rule is a function of a source tree, run once on the real
tree and once on a small synthetic tree in tmp_path that breaks the rule (so no check is vacuous).
"""

from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("config", "community", "forum", "deliberation", "realtime", "demo")
APPS = ("community", "forum", "deliberation", "demo")

# Deliberation's parts and the parts each may import (docs/architecture.md, "Import direction").
PARTS = ("ledger", "votes", "meetings", "tasks", "results", "story", "dashboard", "taizhang")
READ_ONLY_PARTS = ("story", "dashboard", "taizhang")
PART_MAY_IMPORT = {
    "ledger": set(),
    "votes": {"ledger"},
    "meetings": {"votes", "ledger"},
    "tasks": {"votes", "ledger"},
    "results": {"tasks", "votes", "ledger"},
    **{part: {"ledger", "votes", "meetings", "tasks", "results"} for part in READ_ONLY_PARTS},
}
# The read-only parts gather what the others computed through these modules of theirs (selectors,
# and the pure tally, choices and state tables), never their services, views or permissions.
READ_ONLY_MAY_USE = ("selectors", "tally", "choices", "workflow")
# deliberation modules outside the parts that only register or run the parts (they may import
# any part; no part imports them). Everything else outside the parts (models, locks,
# admin_base) is the base every part stands on and imports no part.
REGISTRIES = (
    "deliberation.apps",
    "deliberation.urls",
    "deliberation.api",
    "deliberation.rules",
    "deliberation.admin",
    "deliberation.routing",
    "deliberation.management",
    "deliberation.templatetags",
)
# Which apps each may import (config glues everything except demo).
APP_MAY_IMPORT = {
    "realtime": set(),
    "community": {"realtime"},
    "forum": {"community", "realtime"},
    "deliberation": {"community", "forum", "realtime"},
    "config": {"community", "forum", "deliberation", "realtime"},
    "demo": {"community", "forum", "deliberation", "realtime"},
}

WRITE_CALLS = (
    "save",
    "update",
    "create",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "delete",
    "select_for_update",
    "publish",
    "ledger_append*",
    "settle*",
    "*_transition",
)
# The module names of a part (the same in every part, as in forum/): a second family such as
# `views_votes.py` next to `views.py` is what the packages replaced.
STANDARD_MODULES = (
    "services",
    "selectors",
    "permissions",
    "views",
    "api",
    "urls",
    "forms",
    "admin",
    "consumers",
)
# What each part has: every part has pages (views, urls); the JSON API everywhere but the 台账
# export (files only); permissions wherever a page or API is not public or has write buttons.
PART_MODULES = {
    "ledger": {"views", "urls", "api", "services"},
    "votes": {"views", "urls", "api", "permissions", "services", "selectors", "forms", "admin"},
    "meetings": {"views", "urls", "api", "permissions", "services", "selectors", "forms", "admin"},
    "tasks": {"views", "urls", "api", "permissions", "services", "selectors", "forms", "admin"},
    "results": {"views", "urls", "api", "permissions", "services", "selectors", "admin"},
    "story": {"views", "urls", "api", "selectors"},
    "dashboard": {"views", "urls", "api", "permissions"},
    "taizhang": {"views", "urls", "permissions"},
}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the project module imported
    line: int
    module_level: bool  # runs at import time (not inside a function)
    type_checking: bool  # inside `if TYPE_CHECKING:`
    reason: str  # the `# cycle: …` comment on the line or the line above, if any


def project_modules(root: Path) -> dict[str, Path]:
    """Map every module of the project's packages under `root` to its file."""
    out = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module `name` denotes (its longest prefix that is a module), if any."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _reason(lines: list[str], lineno: int) -> str:
    """The `# cycle: …` comment on the import's line or above it (one covers a block of imports)."""
    i = lineno - 1
    while i >= 0:
        text = lines[i]
        if "# cycle:" in text:
            return text.split("# cycle:", 1)[1].strip()
        if i < lineno - 1 and not text.strip().startswith(("from ", "import ")):
            return ""
        i -= 1
    return ""


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import of a project module in `module`'s source, resolved to modules."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []

    def targets(node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.Import):
            return [t for alias in node.names if (t := _resolve(alias.name, modules))]
        if node.level:
            base = package.split(".") if package else []
            base = base[: len(base) - (node.level - 1)]
            origin = ".".join([*base, node.module] if node.module else base)
        else:
            origin = node.module or ""
        out = []
        for alias in node.names:
            sub = f"{origin}.{alias.name}"
            target = sub if sub in modules else _resolve(origin, modules)
            if target:
                out.append(target)
        return out

    def visit(node: ast.AST, *, in_function: bool, type_checking: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                for target in dict.fromkeys(targets(child)):
                    if target != module:
                        found.append(
                            Import(
                                source=module,
                                target=target,
                                line=child.lineno,
                                module_level=not in_function,
                                type_checking=type_checking,
                                reason=_reason(lines, child.lineno),
                            )
                        )
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                visit(child, in_function=True, type_checking=type_checking)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    visit(
                        ast.Module(body=[stmt], type_ignores=[]),
                        in_function=in_function,
                        type_checking=True,
                    )
                for stmt in child.orelse:
                    visit(
                        ast.Module(body=[stmt], type_ignores=[]),
                        in_function=in_function,
                        type_checking=type_checking,
                    )
            else:
                visit(child, in_function=in_function, type_checking=type_checking)

    visit(ast.parse(source, filename=str(path)), in_function=False, type_checking=False)
    return found


def all_imports(root: Path) -> list[Import]:
    modules = project_modules(root)
    return [imp for name, path in modules.items() for imp in imports_of(name, path, modules)]


def cycles(imports: list[Import]) -> list[list[str]]:
    """The import cycles among modules at import time (strongly connected components, Tarjan)."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        if imp.module_level and not imp.type_checking:
            graph.setdefault(imp.source, set()).add(imp.target)
            graph.setdefault(imp.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        # Iterative Tarjan: the graph is deep enough to make recursion a nuisance.
        work = [(node, iter(sorted(graph[node])))]
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        while work:
            current, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[current] = min(low[current], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[current])
            if low[current] == index[current]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == current:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def app_of(module: str) -> str:
    return module.split(".")[0]


def part_of(module: str) -> str | None:
    """The part of deliberation a module belongs to, "registry", or "base" (models, locks, …)."""
    if app_of(module) != "deliberation":
        return None
    segments = module.split(".")
    if len(segments) > 1 and segments[1] in PARTS:
        return segments[1]
    if any(module == r or module.startswith(r + ".") for r in REGISTRIES):
        return "registry"
    return "base"


def direction_violations(imports: list[Import]) -> list[str]:
    """Each import (module- or function-level) that goes against the documented direction."""
    out = []
    for imp in imports:
        src_app, dst_app = app_of(imp.source), app_of(imp.target)
        where = f"{imp.source}:{imp.line} imports {imp.target}"
        if src_app != dst_app:
            if dst_app not in APP_MAY_IMPORT[src_app]:
                out.append(f"{where} ({src_app} must not import {dst_app})")
            continue
        if src_app != "deliberation":
            continue
        src, dst = part_of(imp.source), part_of(imp.target)
        if src == dst or dst == "base":
            continue
        if dst == "registry":
            out.append(f"{where} (only Django loads the registries)")
        elif src == "base":
            out.append(f"{where} (models, locks and admin_base import no part)")
        elif src == "registry":
            continue
        elif dst in READ_ONLY_PARTS:
            out.append(f"{where} (nothing imports the read-only part {dst})")
        elif src in READ_ONLY_PARTS and imp.target.split(".")[2] not in READ_ONLY_MAY_USE:
            out.append(f"{where} (read-only parts use other parts' selectors)")
        elif dst not in PART_MAY_IMPORT[src]:
            out.append(f"{where} ({src} must not import {dst})")
    return out


def unexplained_function_imports(imports: list[Import]) -> list[str]:
    """Each function-level import of a project module without a `# cycle: …` reason."""
    return [
        f"{imp.source}:{imp.line} imports {imp.target} inside a function without `# cycle: …`"
        for imp in imports
        if not imp.module_level and not imp.reason
    ]


def _matches_write(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in WRITE_CALLS)


def selector_writes(root: Path) -> list[str]:
    """Each write a selector module makes: a write call, or an import of services or publish."""
    modules = project_modules(root)
    out = []
    for module, path in modules.items():
        rel = path.relative_to(root).as_posix()
        if not (rel.endswith("/selectors.py") or "/selectors/" in rel):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = (
                    func.attr
                    if isinstance(func, ast.Attribute)
                    else func.id
                    if isinstance(func, ast.Name)
                    else ""
                )
                if name and _matches_write(name):
                    out.append(f"{rel}:{node.lineno} calls {name}()")
        for imp in imports_of(module, path, modules):
            last = imp.target.split(".")
            if "services" in last or imp.target == "realtime.publish":
                out.append(f"{rel}:{imp.line} imports {imp.target}")
    return out


def layout_problems(root: Path) -> list[str]:
    """Where deliberation's layout differs from one package per part with the same module names."""
    deliberation = root / "deliberation"
    out = []
    for path in sorted(deliberation.glob("*.py")):
        if path.name.endswith(("_votes.py", "_results.py")):
            out.append(f"{path.relative_to(root)}: a suffix module (belongs in its part's package)")
    for package in PACKAGES:
        for path in sorted((root / package).rglob("prepared.py")):
            out.append(f"{path.relative_to(root)}: prepared.py re-implements Django internals")
    for part, needed in PART_MODULES.items():
        folder = deliberation / part
        if not (folder / "__init__.py").is_file():
            out.append(f"deliberation/{part}/ is not a package")
            continue
        names = {p.stem for p in folder.glob("*.py")} | {
            p.name for p in folder.iterdir() if (p / "__init__.py").is_file()
        }
        for missing in sorted(needed - names):
            out.append(f"deliberation/{part}/ has no {missing} module")
        for name in sorted(names):
            stem = name.split("_")[0]
            if stem in STANDARD_MODULES and name != stem:
                out.append(f"deliberation/{part}/{name}.py: a second {stem} module")
    return out


# ---------------------------------------------------------------------------------------------
# The real tree


@pytest.fixture(scope="module")
def real_imports() -> list[Import]:
    return all_imports(ROOT)


def test_no_import_cycle_between_project_modules(real_imports):
    found = cycles(real_imports)
    assert found == [], "\n".join(" → ".join(c) for c in found)


def test_imports_follow_the_documented_direction(real_imports):
    problems = direction_violations(real_imports)
    assert problems == [], "\n".join(problems)


def test_every_function_level_import_says_which_cycle_it_breaks(real_imports):
    problems = unexplained_function_imports(real_imports)
    assert problems == [], "\n".join(problems)


def test_selectors_never_write():
    problems = selector_writes(ROOT)
    assert problems == [], "\n".join(problems)


def test_deliberation_has_one_package_per_part_with_the_same_module_names():
    problems = layout_problems(ROOT)
    assert problems == [], "\n".join(problems)


def test_community_imports_neither_forum_nor_deliberation(real_imports):
    problems = [
        f"{imp.source}:{imp.line} imports {imp.target}"
        for imp in real_imports
        if app_of(imp.source) == "community" and app_of(imp.target) in ("forum", "deliberation")
    ]
    assert problems == [], "\n".join(problems)


def test_the_graph_is_read_from_the_whole_project(real_imports):
    """Guard against a vacuous pass: the reader finds the imports we know are there."""
    pairs = {(imp.source, imp.target) for imp in real_imports}
    assert ("deliberation.votes.services", "deliberation.ledger.services") in pairs
    assert ("forum.services", "forum.workflow") in pairs
    assert len(pairs) > 300


# ---------------------------------------------------------------------------------------------
# The same checks on small synthetic trees: each must fail where the rule is broken


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for package in PACKAGES:
        (root / package).mkdir(exist_ok=True)
        (root / package / "__init__.py").touch()
    return root


def test_a_cycle_through_a_submodule_and_a_relative_import_is_found(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "forum/a.py": "from forum import b\n",
            "forum/b.py": "from .c import thing\n",
            "forum/c.py": "import forum.a\nthing = 1\n",
            "forum/d.py": "from forum.a import x\n",  # into the cycle, not part of it
        },
    )
    assert cycles(all_imports(root)) == [["forum.a", "forum.b", "forum.c"]]


def test_function_level_and_type_checking_imports_make_no_cycle(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "forum/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from forum import b\n",
            "forum/b.py": "def f():\n    from forum import a  # cycle: a imports b\n",
            "forum/c.py": "from ..forum import d\n",  # relative, two levels up
            "forum/d.py": "from forum import c\n",
        },
    )
    assert cycles(all_imports(root)) == [["forum.c", "forum.d"]]


def test_an_import_against_the_direction_is_reported(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "realtime/hub.py": "from community import models\n",
            "community/models.py": "def f():\n    from forum.models import Proposal\n",
            "forum/models.py": "from deliberation.models import Meeting\n",
            "deliberation/models/__init__.py": "",
            "deliberation/models/x.py": "from deliberation.votes import selectors\n",
            "deliberation/votes/__init__.py": "",
            "deliberation/votes/selectors.py": "from deliberation.meetings import ballots\n",
            "deliberation/votes/services.py": "from deliberation.ledger import services\n",
            "deliberation/meetings/__init__.py": "",
            "deliberation/meetings/ballots.py": "from deliberation.story.selectors import s\n",
            "deliberation/ledger/__init__.py": "",
            "deliberation/ledger/services.py": "from deliberation.urls import urlpatterns\n",
            "deliberation/urls.py": "from deliberation.story import views\n",
            "deliberation/story/__init__.py": "",
            "deliberation/story/selectors.py": "from deliberation.votes.selectors import b\n",
            "deliberation/story/views.py": "from deliberation.votes.services import c\n",
            "config/urls.py": "from demo import seed\n",
            "demo/seed.py": "from deliberation import models\n",
        },
    )
    found = {line.split(" (")[0] for line in direction_violations(all_imports(root))}
    assert found == {
        "realtime.hub:1 imports community.models",
        "community.models:2 imports forum.models",
        "forum.models:1 imports deliberation.models",
        "deliberation.models.x:1 imports deliberation.votes.selectors",
        "deliberation.votes.selectors:1 imports deliberation.meetings.ballots",
        "deliberation.meetings.ballots:1 imports deliberation.story.selectors",
        "deliberation.ledger.services:1 imports deliberation.urls",
        "deliberation.story.views:1 imports deliberation.votes.services",
        "config.urls:1 imports demo.seed",
    }


def test_a_function_level_import_needs_a_cycle_reason(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "forum/a.py": "def f():\n    from forum import b\n",
            "forum/b.py": "def g():\n    # cycle: a imports b at module level\n"
            "    from forum import a\n",
            "forum/c.py": "def h():\n    import forum.b  # cycle: b is loaded late\n",
            "forum/e.py": "def k():\n    # cycle: a and b import e\n    from forum import a\n"
            "    from forum import b\n\n    x = 1\n    from forum import c\n",
            "forum/d.py": "class K:\n    def m(self):\n        from json import dumps\n",
        },
    )
    assert unexplained_function_imports(all_imports(root)) == [
        "forum.a:2 imports forum.b inside a function without `# cycle: …`",
        "forum.e:7 imports forum.c inside a function without `# cycle: …`",
    ]


def test_a_selector_that_writes_is_reported(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "forum/selectors.py": "def f(p):\n    return p.objects.filter(x=1)\n",
            "deliberation/votes/__init__.py": "",
            "deliberation/votes/services.py": "def ballot_settle(): ...\n",
            "deliberation/votes/selectors/__init__.py": "",
            "deliberation/votes/selectors/page.py": "from deliberation.votes import services\n"
            "from realtime.publish import publish\n"
            "from realtime import publish as p2\n"
            "def f(b):\n    b.save()\n    b.settle_if_due()\n    ledger_append_entry()\n"
            "    b.objects.select_for_update()\n    proposal_transition(b)\n",
            "realtime/publish.py": "def publish(): ...\n",
        },
    )
    assert selector_writes(root) == [
        "deliberation/votes/selectors/page.py:5 calls save()",
        "deliberation/votes/selectors/page.py:6 calls settle_if_due()",
        "deliberation/votes/selectors/page.py:7 calls ledger_append_entry()",
        "deliberation/votes/selectors/page.py:8 calls select_for_update()",
        "deliberation/votes/selectors/page.py:9 calls proposal_transition()",
        "deliberation/votes/selectors/page.py:1 imports deliberation.votes.services",
        "deliberation/votes/selectors/page.py:2 imports realtime.publish",
        "deliberation/votes/selectors/page.py:3 imports realtime.publish",
    ]


def test_a_layout_with_suffix_modules_or_missing_parts_is_reported(tmp_path):
    files = {
        f"deliberation/{part}/{name}.py": ""
        for part, names in PART_MODULES.items()
        for name in names
    }
    files.update({f"deliberation/{part}/__init__.py": "" for part in PART_MODULES})
    root = write_tree(tmp_path, files)
    assert layout_problems(root) == []

    (root / "deliberation/services_votes.py").touch()
    (root / "deliberation/tasks/api_results.py").touch()
    (root / "deliberation/meetings/prepared.py").touch()
    (root / "deliberation/story/urls.py").unlink()
    (root / "deliberation/results/__init__.py").unlink()
    assert sorted(layout_problems(root)) == [
        "deliberation/meetings/prepared.py: prepared.py re-implements Django internals",
        "deliberation/results/ is not a package",
        "deliberation/services_votes.py: a suffix module (belongs in its part's package)",
        "deliberation/story/ has no urls module",
        "deliberation/tasks/api_results.py: a second api module",
    ]
