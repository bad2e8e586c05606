"""The packages depend on each other one way only (ARCHITECTURE.md, "Folders"):

    domain ← storage ← bot ← {cards, scheduler} ← handlers ← actionbot

Read from the code's own imports (every `import`, lazy ones inside functions too), so a
shortcut taken anywhere shows here before it becomes a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER = {"domain": 0, "storage": 1, "bot": 2, "cards": 3, "scheduler": 3, "handlers": 4, "actionbot": 5}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out & set(LAYER)


def edges() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for package in LAYER:
        for path in (ROOT / package).rglob("*.py"):
            for target in imported_packages(path) - {package}:
                found.setdefault((package, target), []).append(str(path.relative_to(ROOT)))
    return found


def test_every_import_points_down_the_layers():
    wrong = {
        f"{src} -> {dst}": files
        for (src, dst), files in edges().items()
        if LAYER[dst] >= LAYER[src]
    }
    assert wrong == {}


def test_the_checker_sees_an_upward_import(tmp_path):
    """The check above can fail: an upward import in a scratch file is found."""
    scratch = tmp_path / "x.py"
    scratch.write_text("def f():\n    from actionbot.serve import serve\n", encoding="utf-8")
    assert imported_packages(scratch) == {"actionbot"}
