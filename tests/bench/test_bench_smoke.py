"""The benchmark harness runs end to end in quick mode and reports sane numbers.

These check that the harness works, never how fast anything is: performance thresholds belong
to `make bench`, where baseline and scenario are measured side by side.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]


def bench(*args: str, timeout_s: float = 100) -> str:
    """`python -m bench --quick ...`'s table."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--warmup", "0.3", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "p50 ms" in completed.stdout
    return completed.stdout


def run_bench(results_dir: Path, *args: str, timeout_s: float = 100) -> dict[str, Any]:
    bench("--results-dir", str(results_dir), *args, timeout_s=timeout_s)
    [path] = results_dir.glob("*.json")
    result: dict[str, Any] = json.loads(path.read_text())
    return result


def positive(value: float | None) -> bool:
    return value is not None and math.isfinite(value) and value > 0


def assert_sane(row: dict[str, Any]) -> None:
    assert row["throughput"] > 0
    assert row["errors"] == 0, row["errors_by_code"]
    assert 0 < row["p50_ms"] <= row["p99_ms"] <= row["p999_ms"]
    assert row["server_cpu_s_per_1k"] > 0
    assert row["rss_end_mib"] > 0


def test_echo_baseline_alone(tmp_path: Path) -> None:
    result = run_bench(tmp_path, "--scenarios", "echo", "--duration", "1.5")

    [row] = result["summary"]
    assert row["scenario"] == "echo"
    assert row["role"] == "baseline"
    assert_sane(row)
    [measurement] = result["measurements"]
    assert measurement["ok_calls"] == measurement["latency"]["samples"] > 0
    assert result["environment"]["grpcio"]


def test_get_current_user_beside_the_baseline(tmp_path: Path) -> None:
    result = run_bench(tmp_path, "--scenarios", "GetCurrentUser", "--duration", "1.5", "--no-floors")

    rows = {row["scenario"]: row for row in result["summary"]}
    assert set(rows) == {"echo", "GetCurrentUser"}
    for row in rows.values():
        assert_sane(row)
    assert rows["GetCurrentUser"]["store_cpu_s_per_1k"] is not None
    ratio = rows["GetCurrentUser"]["throughput_ratio"]
    assert ratio is not None
    assert math.isfinite(ratio)
    assert ratio > 0
    assert result["server_loop"] in ("uvloop", "asyncio")
    # The per-call cost goal sits beside the figure it judges, with a verdict on it.
    row = rows["GetCurrentUser"]
    assert row["goal"] == {"server_x_echo": 1.5, "db_ms_per_call": None}
    assert math.isfinite(row["server_cpu_ratio"])
    assert row["verdict"] == ("met" if row["server_cpu_ratio"] <= 1.5 else "missed: srv")


def test_no_save_writes_nothing(tmp_path: Path) -> None:
    results = REPO_ROOT / "bench" / "results"
    before = {path: path.stat().st_mtime_ns for path in results.iterdir()}
    table = bench("--scenarios", "echo", "--duration", "1", "--no-save")
    assert "results:" not in table
    assert {path: path.stat().st_mtime_ns for path in results.iterdir()} == before


def test_floors_beside_the_scenarios_that_name_them(tmp_path: Path) -> None:
    # GetCurrentUser names echo-pg; echo-redis is asked for by name.
    result = run_bench(tmp_path, "--scenarios", "GetCurrentUser,echo-redis", "--duration", "1.5", timeout_s=150)

    rows = {row["scenario"]: row for row in result["summary"]}
    assert set(rows) == {"echo", "echo-pg", "echo-redis", "GetCurrentUser"}
    for row in rows.values():
        assert_sane(row)
    # Floors come right after the baseline, each with its own cost against echo's.
    assert [row["role"] for row in result["summary"]] == ["baseline", "floor", "floor", "scenario"]
    for name in ("echo-pg", "echo-redis"):
        assert positive(rows[name]["server_cpu_ratio"])
        # Each call of a floor reads its store: the store's CPU shows, where bare echo has none.
        assert positive(rows[name]["store_cpu_s_per_1k"])
        assert rows[name]["floor"] is None
    assert rows["echo"]["store_cpu_s_per_1k"] is None
    scenario = rows["GetCurrentUser"]
    assert scenario["floor"] == "echo-pg"
    assert positive(scenario["floor_cpu_ratio"])
    # One run (--quick): x echo = x floor * the floor's x echo, when each ratio pairs the run's own measurements.
    assert math.isclose(
        scenario["server_cpu_ratio"], scenario["floor_cpu_ratio"] * rows["echo-pg"]["server_cpu_ratio"], rel_tol=1e-6
    )


def test_two_versions_in_one_run(tmp_path: Path) -> None:
    # This checkout against itself: both servers are the same code, started from the same venv.
    result = run_bench(
        tmp_path / "results",
        *("--scenarios", "GetCurrentUser", "--duration", "1.5", "--no-floors", "--old", str(REPO_ROOT)),
        timeout_s=150,
    )

    rows = {(row["scenario"], row["version"]): row for row in result["summary"]}
    assert set(rows) == {("echo", None), ("GetCurrentUser", "new"), ("GetCurrentUser", "old")}
    for row in rows.values():
        assert_sane(row)
    new, old = rows["GetCurrentUser", "new"], rows["GetCurrentUser", "old"]
    assert positive(new["server_cpu_ratio"])
    assert positive(old["server_cpu_ratio"])
    assert positive(new["old_cpu_ratio"])
    assert old["old_cpu_ratio"] is None
    assert result["old"]["path"] == str(REPO_ROOT)
    assert result["old"]["git_commit"] == result["environment"]["git_commit"]
    # The two servers were distinct processes, each measured in the run.
    measured = {(m["scenario"], m["version"]) for m in result["measurements"]}
    assert measured == set(rows)


def test_comparing_with_other_migrations_is_refused_before_anything_starts(tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(REPO_ROOT / "storage" / "migrations", other / "storage" / "migrations")
    versions = other / "storage" / "migrations" / "versions"
    first = sorted(versions.glob("0001_*.py"))[0]
    first.write_text(first.read_text() + "\n# changed\n")
    (versions / "9999_only_here.py").write_text('"""A migration the other checkout has and this one lacks."""\n')
    results = tmp_path / "results"

    completed = subprocess.run(
        [
            *(sys.executable, "-m", "bench", "--quick", "--scenarios", "GetCurrentUser"),
            *("--old", str(other), "--results-dir", str(results)),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert completed.returncode == 2, completed.stderr
    assert "migrations differ" in completed.stderr
    assert f"changed: versions/{first.name}" in completed.stderr
    assert "only in the old checkout: versions/9999_only_here.py" in completed.stderr
    # Refused before any server started or any measurement was made.
    assert "starting" not in completed.stderr
    assert not results.exists()


def test_an_old_checkout_without_this_checkouts_newest_migration_runs_on_the_new_schema(tmp_path: Path) -> None:
    # The old checkout: this checkout's migrations but the newest, and this checkout's server (a
    # branch that added one migration, beside the main it started from, whose code it still runs).
    old = tmp_path / "old"
    shutil.copytree(
        REPO_ROOT / "storage" / "migrations",
        old / "storage" / "migrations",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    newest = sorted((old / "storage" / "migrations" / "versions").glob("[0-9]*.py"))[-1]
    newest.unlink()
    (old / ".venv" / "bin").mkdir(parents=True)
    (old / ".venv" / "bin" / "helpdesk").symlink_to(REPO_ROOT / ".venv" / "bin" / "helpdesk")
    results = tmp_path / "results"

    completed = subprocess.run(
        [
            *(sys.executable, "-m", "bench", "--quick", "--warmup", "0.3", "--duration", "1.5", "--no-floors"),
            *("--scenarios", "GetCurrentUser", "--old", str(old), "--results-dir", str(results)),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    # Said before anything starts, and again under the table.
    assert f"lacks 1 of this checkout's migrations (versions/{newest.name})" in completed.stderr
    assert "The old server ran on this checkout's schema, 1 migration(s) newer than its own" in completed.stdout
    [path] = results.glob("*.json")
    result = json.loads(path.read_text())
    assert result["old"]["newer_migrations"] == [f"versions/{newest.name}"]
    rows = {(row["scenario"], row["version"]): row for row in result["summary"]}
    # The old server served every call on the shared schema.
    assert_sane(rows["GetCurrentUser", "old"])
    assert_sane(rows["GetCurrentUser", "new"])
