"""The table's ratios pair each measurement with the baseline, floor and old version of its own run.

Medians of per-run ratios survive a machine whose load drifts between runs; a ratio of medians
taken over different runs would not. The figures below are chosen so that the two disagree.
"""

from __future__ import annotations

import math

from bench.measure import Measurement, Role, Version
from bench.report import format_table, summarize
from bench.runner import BenchOptions, BenchResult
from bench.scenarios.echo import UNARY_PROFILE
from bench.stats import LatencySummary

CALLS = 1000


def measured(
    scenario: str, role: Role, run: int, cpu_ms_per_call: float, version: Version | None = None
) -> Measurement:
    return Measurement(
        run=run,
        scenario=scenario,
        role=role,
        profile=UNARY_PROFILE,
        window_s=1.0,
        ok_calls=CALLS,
        errors={},
        latency=LatencySummary.of([0.001] * CALLS),
        server_cpu_s=cpu_ms_per_call * CALLS / 1000,
        store_cpu_s=None if role == "baseline" else 0.1,
        client_cpu_s=0.5,
        server_rss_start_bytes=1 << 20,
        server_rss_end_bytes=1 << 20,
        setup_s=0.0,
        version=version,
    )


# Per run: echo, echo-pg, GetCurrentUser new, GetCurrentUser old (server CPU ms per call).
RUNS = [(1.0, 1.0, 2.0, 4.0), (1.0, 2.0, 3.0, 2.0), (1.0, 4.0, 10.0, 4.0)]


def measurements() -> list[Measurement]:
    items: list[Measurement] = []
    for run, (echo, floor, new, old) in enumerate(RUNS):
        items += [
            measured("echo", "baseline", run, echo),
            measured("echo-pg", "floor", run, floor),
            measured("GetCurrentUser", "scenario", run, new, "new"),
            measured("GetCurrentUser", "scenario", run, old, "old"),
        ]
    return items


def result(old: dict[str, object] | None) -> BenchResult:
    return BenchResult(
        options=BenchOptions(scenarios=("GetCurrentUser",)),
        started_at="",
        finished_at="",
        server_loop="uvloop",
        echo_loop="uvloop",
        environment={},
        measurements=measurements(),
        old=old,
    )


def test_floor_and_old_ratios_are_medians_of_same_run_ratios() -> None:
    rows = {(row.scenario, row.version): row for row in summarize(measurements())}

    assert [(row.scenario, row.role) for row in rows.values()] == [
        ("echo", "baseline"),
        ("echo-pg", "floor"),
        ("GetCurrentUser", "scenario"),
        ("GetCurrentUser", "scenario"),
    ]
    floor = rows["echo-pg", None]
    assert floor.server_cpu_ratio == 2.0
    assert floor.floor is None
    assert math.isnan(floor.floor_cpu_ratio)
    new, old = rows["GetCurrentUser", "new"], rows["GetCurrentUser", "old"]
    # new / floor per run: 2, 1.5, 2.5 -> 2 (a ratio of medians would say 3 / 2 = 1.5).
    assert new.floor == "echo-pg"
    assert new.floor_cpu_ratio == 2.0
    # new / old per run: 0.5, 1.5, 2.5 -> 1.5 (a ratio of medians would say 3 / 4 = 0.75).
    assert new.old_cpu_ratio == 1.5
    assert math.isnan(old.old_cpu_ratio)
    # old / floor per run: 4, 1, 1 -> 1.
    assert old.floor_cpu_ratio == 1.0


def test_the_table_shows_floors_and_the_comparison_column_only_when_comparing() -> None:
    rows = summarize(measurements())

    compared = format_table(result({"path": "/elsewhere", "git_commit": "0123456789abcdef"}), rows)
    header = compared.splitlines()[0]
    assert "srv CPU vs floor" in header
    assert "srv CPU new÷old" in header
    assert "GetCurrentUser (new)" in compared
    assert "GetCurrentUser (old)" in compared
    assert "old = /elsewhere at 0123456789ab" in compared

    alone = format_table(result(None), rows)
    assert "srv CPU vs floor" in alone.splitlines()[0]
    assert "new÷old" not in alone
