"""Every third-party package the product code imports is declared in pyproject.toml.

A package that arrives only as someone else's dependency (PyJWT through botbuilder, msrest
through botframework) disappears or changes version when that dependency does, and the bot
breaks at import in production. So the imports of the product packages are read from their
source (AST, no import side effects) and each top-level module is mapped to the distribution
that provides it (`importlib.metadata.packages_distributions()`).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_PACKAGES = ("actionbot", "domain", "bot", "handlers", "scheduler", "storage", "cards")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = set()
    for requirement in project["dependencies"]:
        names.add(_normalise(re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]))
    return names


def imported_top_level_modules() -> dict[str, set[str]]:
    """Top-level module → the product files importing it (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for package in PRODUCT_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    found.setdefault(module.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_third_party_import_is_a_declared_dependency():
    declared = declared_distributions()
    providers = packages_distributions()
    ours = set(PRODUCT_PACKAGES) | {"tests"}
    undeclared = {}
    for module, files in sorted(imported_top_level_modules().items()):
        if module in ours or module in sys.stdlib_module_names or module == "__future__":
            continue
        dists = {_normalise(d) for d in providers.get(module, [])}
        assert dists, f"{module} (imported by {sorted(files)}) is not installed by any distribution"
        if not dists & declared:
            undeclared[module] = (sorted(dists), sorted(files))
    assert undeclared == {}, f"imported but not declared in pyproject.toml dependencies: {undeclared}"


def test_the_walk_sees_what_it_must():
    """The checker itself: it finds the SDK and PyJWT imports, and no direct msrest import is left."""
    imports = imported_top_level_modules()
    assert "botbuilder" in imports and "jwt" in imports and "sqlalchemy" in imports
    assert "msrest" not in imports, imports.get("msrest")
    assert "pyjwt" in declared_distributions()
