"""The benchmark harness runs end to end in quick mode and reports sane numbers.

These check that the harness works, never how fast anything is: performance thresholds belong
to `make bench`, where baseline and scenario are measured side by side.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]


def bench(*args: str) -> str:
    """`python -m bench --quick ...`'s table."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--warmup", "0.3", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "p50 ms" in completed.stdout
    return completed.stdout


def run_bench(results_dir: Path, *args: str) -> dict[str, Any]:
    bench("--results-dir", str(results_dir), *args)
    [path] = results_dir.glob("*.json")
    result: dict[str, Any] = json.loads(path.read_text())
    return result


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
    result = run_bench(tmp_path, "--scenarios", "GetCurrentUser", "--duration", "1.5")

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
