"""`make bench`: the fan-out benchmark, then every other bench/*_bench.py through its main().

Each other script runs in its own Python process (`import bench.<name>; bench.<name>.main()`),
so its settings and database are its own; a script without main() is skipped with a note.
`--only=fanout` / `--only=forum` runs just those; other arguments go to the fan-out benchmark
(see `python bench/fanout.py --help`).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def has_main(script: Path) -> bool:
    tree = ast.parse(script.read_text())
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "main"
        for node in tree.body
    )


def main(argv: list[str]) -> int:
    only = {a.split("=", 1)[1] for a in argv if a.startswith("--only=")}
    argv = [a for a in argv if not a.startswith("--only=")]
    failed = 0
    if not only or "fanout" in only:
        from bench import fanout

        # The fan-out benchmark sets a production-like environment in this process (DEBUG=0,
        # its own ALLOWED_HOSTS and key); the other scripts get the environment we were given.
        given = dict(os.environ)
        try:
            fanout.main(argv)
        finally:
            os.environ.clear()
            os.environ.update(given)
    for script in sorted((ROOT / "bench").glob("*_bench.py")):
        name = script.stem
        if only and name.removesuffix("_bench") not in only:
            continue
        if not has_main(script):
            print(f"\nskipping bench/{script.name}: it has no main()")
            continue
        print(f"\n== bench/{script.name}", flush=True)
        code = f"import bench.{name} as m; m.main()"
        failed += subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
