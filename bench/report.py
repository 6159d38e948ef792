"""Turning measurements into the printed table (medians across runs) and the JSON results file."""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bench.goals import goal_for
from bench.measure import Measurement
from bench.profile import LoadProfile
from bench.results_dir import RESULTS_DIR
from bench.runner import BenchResult
from bench.scenarios import SCENARIOS
from bench.stats import median, spread_percent

_MIB = 1024.0 * 1024.0
# Below this many calls per run, p99.9 is just the slowest call (nearest rank).
_P999_MIN_SAMPLES = 1000


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One scenario under one load profile, summarised over all runs (medians unless noted)."""

    scenario: str
    role: str
    profile: LoadProfile
    # `new` or `old` when two versions were compared (`--old`), else None.
    version: str | None
    runs: int
    throughput: float
    throughput_spread_pct: float
    p50_ms: float
    p99_ms: float
    p999_ms: float
    min_samples: int
    # Total over all runs, and per status code.
    errors: int
    errors_by_code: dict[str, int]
    # Median over runs of (this / the baseline measured in the same run with the same load).
    throughput_ratio: float
    p50_ratio: float
    server_cpu_s_per_1k: float
    # Median over runs of (server CPU per call / the echo server's in the same run).
    server_cpu_ratio: float
    # The floor this scenario names, when it was measured beside it, and the median over runs of
    # (server CPU per call / the floor's in the same run).
    floor: str | None
    floor_cpu_ratio: float
    # On a `new` row: median over runs of (server CPU per call / the old version's in the same run).
    old_cpu_ratio: float
    store_cpu_s_per_1k: float
    client_cpu_cores: float
    rss_start_mib: float
    rss_end_mib: float


@dataclass(frozen=True, slots=True)
class _Beside:
    """The measurements each one is compared with, by (profile, run): the baseline, the floors, the old version."""

    baselines: dict[tuple[LoadProfile, int], Measurement]
    floors: dict[tuple[LoadProfile, int, str], Measurement]
    olds: dict[tuple[LoadProfile, int, str], Measurement]

    @classmethod
    def of(cls, measurements: list[Measurement]) -> _Beside:
        return cls(
            baselines={(m.profile, m.run): m for m in measurements if m.role == "baseline"},
            floors={(m.profile, m.run, m.scenario): m for m in measurements if m.role == "floor"},
            olds={(m.profile, m.run, m.scenario): m for m in measurements if m.version == "old"},
        )


_ROLE_ORDER = {"baseline": 0, "floor": 1, "scenario": 2}


def summarize(measurements: list[Measurement]) -> list[SummaryRow]:
    """One row per (profile, scenario, version): baseline, then floors, then scenarios within each profile."""
    groups: dict[tuple[LoadProfile, str, str | None], list[Measurement]] = {}
    for item in measurements:
        groups.setdefault((item.profile, item.scenario, item.version), []).append(item)
    beside = _Beside.of(measurements)
    rows = [_row(items, beside) for items in groups.values()]
    # Keep each profile's rows together, baseline on top, then the floors (the sort is stable).
    profiles = list(dict.fromkeys(row.profile for row in rows))
    return sorted(rows, key=lambda row: (profiles.index(row.profile), _ROLE_ORDER[row.role]))


def _row(items: list[Measurement], beside: _Beside) -> SummaryRow:
    first = items[0]
    errors_by_code: dict[str, int] = {}
    for item in items:
        for code, count in item.errors.items():
            errors_by_code[code] = errors_by_code.get(code, 0) + count
    throughput_ratios: list[float] = []
    p50_ratios: list[float] = []
    cpu_ratios: list[float] = []
    floor_ratios: list[float] = []
    old_ratios: list[float] = []
    floor = SCENARIOS[first.scenario].floor if first.role == "scenario" else None
    for item in items:
        cpu = item.server_cpu_ms_per_call
        floor_measured = beside.floors.get((item.profile, item.run, floor)) if floor else None
        if floor_measured is not None:
            floor_ratios.append(_ratio(cpu, floor_measured.server_cpu_ms_per_call))
        old = beside.olds.get((item.profile, item.run, item.scenario)) if item.version == "new" else None
        if old is not None:
            old_ratios.append(_ratio(cpu, old.server_cpu_ms_per_call))
        baseline = beside.baselines.get((item.profile, item.run))
        if baseline is None:
            continue
        throughput_ratios.append(_ratio(item.throughput, baseline.throughput))
        p50_ratios.append(_ratio(item.latency.p50_ms, baseline.latency.p50_ms))
        cpu_ratios.append(_ratio(cpu, baseline.server_cpu_ms_per_call))
    return SummaryRow(
        scenario=first.scenario,
        role=first.role,
        profile=first.profile,
        version=first.version,
        runs=len(items),
        throughput=median([m.throughput for m in items]),
        throughput_spread_pct=spread_percent([m.throughput for m in items]),
        p50_ms=median([m.latency.p50_ms for m in items]),
        p99_ms=median([m.latency.p99_ms for m in items]),
        p999_ms=median([m.latency.p999_ms for m in items]),
        min_samples=min(m.latency.samples for m in items),
        errors=sum(errors_by_code.values()),
        errors_by_code=errors_by_code,
        throughput_ratio=median(throughput_ratios),
        p50_ratio=median(p50_ratios),
        server_cpu_s_per_1k=median([m.server_cpu_ms_per_call for m in items]),
        server_cpu_ratio=median(cpu_ratios),
        floor=floor if floor_ratios else None,
        floor_cpu_ratio=median(floor_ratios),
        old_cpu_ratio=median(old_ratios),
        store_cpu_s_per_1k=median([m.store_cpu_ms_per_call for m in items]),
        client_cpu_cores=median([m.client_cpu_utilisation for m in items]),
        rss_start_mib=median([m.server_rss_start_bytes / _MIB for m in items]),
        rss_end_mib=median([m.server_rss_end_bytes / _MIB for m in items]),
    )


def _ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline and not math.isnan(baseline) else math.nan


_COLUMNS = (
    ("scenario", "<"),
    ("load", "<"),
    ("calls/s", ">"),
    ("±%", ">"),
    ("p50 ms", ">"),
    ("p99 ms", ">"),
    ("p99.9 ms", ">"),
    ("errors", ">"),
    ("calls/s vs echo", ">"),
    ("p50 vs echo", ">"),
    ("srv CPU s/1k", ">"),
    ("srv CPU vs echo", ">"),
    ("floor", "<"),
    ("srv CPU vs floor", ">"),
    ("srv CPU new÷old", ">"),
    ("db CPU s/1k", ">"),
    ("goal", "<"),
    ("verdict", "<"),
    ("client CPU", ">"),
    ("srv RSS MiB", ">"),
)
# Printed only when two versions were compared.
_COMPARE_COLUMN = "srv CPU new÷old"


def format_table(result: BenchResult, rows: list[SummaryRow]) -> str:
    """The human-readable report: the table, then how to read it."""
    columns = [column for column in _COLUMNS if result.old is not None or column[0] != _COMPARE_COLUMN]
    cells = [[_cells_of(row)[name] for name, _ in columns] for row in rows]
    widths = [max(len(name), *(len(line[index]) for line in cells)) for index, (name, _) in enumerate(columns)]
    lines = [
        _join([name for name, _ in columns], widths, columns),
        _join(["-" * width for width in widths], widths, columns),
    ]
    previous: LoadProfile | None = None
    for row, line in zip(rows, cells, strict=True):
        if previous is not None and row.profile != previous:
            lines.append("")
        previous = row.profile
        lines.append(_join(line, widths, columns))
    runs = max((row.runs for row in rows), default=0)
    notes = [
        "",
        f"Medians over {runs} run(s); ±% = (max - min) / median of calls/s across runs.",
        "vs echo = median over runs of (scenario / echo baseline measured in the same run with the same load).",
        "CPU s/1k = CPU seconds per 1,000 successful calls: srv = server process, db = PostgreSQL + Redis.",
        "vs floor = the same against the floor the scenario names, measured in the same run: echo-pg (echo +",
        "one primary-key row read through a bare asyncpg pool) or echo-redis (echo + one GET through redis-py);",
        "the floors' own vs echo is what that one round trip costs any server at best (bench/README.md).",
        "goal = at most this server CPU per call vs echo's (x) and db CPU ms per call (bench/goals.py);",
        "verdict judges the medians above: the goals hold on a quiet machine, so a loaded one says little.",
        "client CPU = load generator cores used; near its process count means the client was the limit.",
        f"Event loops: helpdesk server {result.server_loop or '(not started)'}, echo baseline {result.echo_loop}.",
    ]
    if result.old is not None:
        commit = str(result.old.get("git_commit") or "?")[:12]
        notes.append(
            f"old = {result.old['path']} at {commit}, new = this checkout, measured back to back in every run;"
            " new÷old = median over runs of (new server CPU per call / old's in the same run)."
        )
        newer = result.old.get("newer_migrations")
        if isinstance(newer, list) and newer:
            notes.append(
                f"The old server ran on this checkout's schema, {len(newer)} migration(s) newer than its own"
                f" ({', '.join(str(name) for name in newer)})."
            )
    if any(row.min_samples < _P999_MIN_SAMPLES for row in rows):
        notes.append(f"* fewer than {_P999_MIN_SAMPLES:,} calls per run: p99.9 is the slowest call.")
    for row in rows:
        if row.errors:
            codes = ", ".join(f"{code} {count}" for code, count in sorted(row.errors_by_code.items()))
            notes.append(f"errors in {row.scenario}: {codes}")
    return "\n".join(lines + notes)


def _cells_of(row: SummaryRow) -> dict[str, str]:
    is_baseline = row.role == "baseline"
    goal = goal_for(row.scenario)
    p999 = _num(row.p999_ms, 2) + ("*" if row.min_samples < _P999_MIN_SAMPLES else "")
    cells = [
        f"{row.scenario} ({row.version})" if row.version else row.scenario,
        row.profile.label(),
        _num(row.throughput, 1),
        _num(row.throughput_spread_pct, 0),
        _num(row.p50_ms, 2),
        _num(row.p99_ms, 2),
        p999,
        str(row.errors),
        "1" if is_baseline else _num(row.throughput_ratio, 4),
        "1" if is_baseline else _num(row.p50_ratio, 2),
        _num(row.server_cpu_s_per_1k, 3),
        "1" if is_baseline else _num(row.server_cpu_ratio, 2),
        row.floor or "-",
        _num(row.floor_cpu_ratio, 2) if row.floor else "-",
        _num(row.old_cpu_ratio, 3) if row.version == "new" else "-",
        "-" if math.isnan(row.store_cpu_s_per_1k) else _num(row.store_cpu_s_per_1k, 3),
        goal.label(),
        goal.verdict(server_x_echo=row.server_cpu_ratio, db_ms_per_call=row.store_cpu_s_per_1k),
        _num(row.client_cpu_cores, 2),
        f"{row.rss_start_mib:.0f}→{row.rss_end_mib:.0f}",
    ]
    return {name: cell for (name, _), cell in zip(_COLUMNS, cells, strict=True)}


def _num(value: float, digits: int) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.{digits}f}"


def _join(cells: Iterable[str], widths: list[int], columns: list[tuple[str, str]]) -> str:
    parts = [
        cell.ljust(width) if align == "<" else cell.rjust(width)
        for cell, width, (_, align) in zip(cells, widths, columns, strict=True)
    ]
    return "  ".join(parts).rstrip()


def to_json(result: BenchResult, rows: list[SummaryRow]) -> dict[str, object]:
    """The full results: environment, options, every measurement and the summary rows."""
    document: dict[str, object] = {
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "environment": result.environment,
        "server_loop": result.server_loop,
        "echo_loop": result.echo_loop,
        "old": result.old,
        "options": {
            **dataclasses.asdict(result.options),
            "server_env": dict(result.options.server_env),
            "old_checkout": str(result.options.old_checkout) if result.options.old_checkout else None,
        },
        "summary": [_summary_entry(row) for row in rows],
        "measurements": [
            {
                **dataclasses.asdict(m),
                "throughput": m.throughput,
                "server_cpu_ms_per_call": m.server_cpu_ms_per_call,
                "store_cpu_ms_per_call": m.store_cpu_ms_per_call,
            }
            for m in result.measurements
        ],
    }
    return {key: _finite(value) for key, value in document.items()}


def _summary_entry(row: SummaryRow) -> dict[str, object]:
    goal = goal_for(row.scenario)
    return {
        **dataclasses.asdict(row),
        "goal": dataclasses.asdict(goal),
        "verdict": goal.verdict(server_x_echo=row.server_cpu_ratio, db_ms_per_call=row.store_cpu_s_per_1k),
    }


def write_json(result: BenchResult, rows: list[SummaryRow], directory: Path = RESULTS_DIR) -> Path:
    """Writes `<UTC time>-<commit>.json` under `directory` and returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    commit = result.environment.get("git_commit")
    tag = str(commit)[:12] if commit else "nogit"
    if result.environment.get("git_dirty"):
        tag += "-dirty"
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{stamp}-{tag}.json"
    path.write_text(json.dumps(to_json(result, rows), indent=2, allow_nan=False) + "\n")
    return path


def _finite(value: object) -> object:
    # Strict JSON has no NaN: unmeasurable numbers become null.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(key): _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
