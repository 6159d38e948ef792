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
    store_cpu_s_per_1k: float
    client_cpu_cores: float
    rss_start_mib: float
    rss_end_mib: float


def summarize(measurements: list[Measurement]) -> list[SummaryRow]:
    """One row per (profile, scenario), baseline first within each profile, in measurement order."""
    groups: dict[tuple[LoadProfile, str], list[Measurement]] = {}
    for item in measurements:
        groups.setdefault((item.profile, item.scenario), []).append(item)
    baselines = {(m.profile, m.run): m for m in measurements if m.role == "baseline"}
    rows = [_row(items, baselines) for items in groups.values()]
    # Keep each profile's rows together, baseline on top (the sort is stable).
    profiles = list(dict.fromkeys(row.profile for row in rows))
    return sorted(rows, key=lambda row: (profiles.index(row.profile), row.role != "baseline"))


def _row(items: list[Measurement], baselines: dict[tuple[LoadProfile, int], Measurement]) -> SummaryRow:
    first = items[0]
    errors_by_code: dict[str, int] = {}
    for item in items:
        for code, count in item.errors.items():
            errors_by_code[code] = errors_by_code.get(code, 0) + count
    throughput_ratios: list[float] = []
    p50_ratios: list[float] = []
    cpu_ratios: list[float] = []
    for item in items:
        baseline = baselines.get((item.profile, item.run))
        if baseline is None:
            continue
        throughput_ratios.append(_ratio(item.throughput, baseline.throughput))
        p50_ratios.append(_ratio(item.latency.p50_ms, baseline.latency.p50_ms))
        cpu_ratios.append(_ratio(item.server_cpu_ms_per_call, baseline.server_cpu_ms_per_call))
    return SummaryRow(
        scenario=first.scenario,
        role=first.role,
        profile=first.profile,
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
    ("db CPU s/1k", ">"),
    ("goal", "<"),
    ("verdict", "<"),
    ("client CPU", ">"),
    ("srv RSS MiB", ">"),
)


def format_table(result: BenchResult, rows: list[SummaryRow]) -> str:
    """The human-readable report: the table, then how to read it."""
    cells = [[_cells_of(row)[index] for index in range(len(_COLUMNS))] for row in rows]
    widths = [max(len(name), *(len(line[index]) for line in cells)) for index, (name, _) in enumerate(_COLUMNS)]
    lines = [_join([name for name, _ in _COLUMNS], widths), _join(["-" * width for width in widths], widths)]
    previous: LoadProfile | None = None
    for row, line in zip(rows, cells, strict=True):
        if previous is not None and row.profile != previous:
            lines.append("")
        previous = row.profile
        lines.append(_join(line, widths))
    runs = max((row.runs for row in rows), default=0)
    notes = [
        "",
        f"Medians over {runs} run(s); ±% = (max - min) / median of calls/s across runs.",
        "vs echo = median over runs of (scenario / echo baseline measured in the same run with the same load).",
        "CPU s/1k = CPU seconds per 1,000 successful calls: srv = server process, db = PostgreSQL + Redis.",
        "goal = at most this server CPU per call vs echo's (x) and db CPU ms per call (bench/goals.py);",
        "verdict judges the medians above: the goals hold on a quiet machine, so a loaded one says little.",
        "client CPU = load generator cores used; near its process count means the client was the limit.",
        f"Event loops: helpdesk server {result.server_loop or '(not started)'}, echo baseline {result.echo_loop}.",
    ]
    if any(row.min_samples < _P999_MIN_SAMPLES for row in rows):
        notes.append(f"* fewer than {_P999_MIN_SAMPLES:,} calls per run: p99.9 is the slowest call.")
    for row in rows:
        if row.errors:
            codes = ", ".join(f"{code} {count}" for code, count in sorted(row.errors_by_code.items()))
            notes.append(f"errors in {row.scenario}: {codes}")
    return "\n".join(lines + notes)


def _cells_of(row: SummaryRow) -> list[str]:
    is_baseline = row.role == "baseline"
    goal = goal_for(row.scenario)
    p999 = _num(row.p999_ms, 2) + ("*" if row.min_samples < _P999_MIN_SAMPLES else "")
    return [
        row.scenario,
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
        "-" if math.isnan(row.store_cpu_s_per_1k) else _num(row.store_cpu_s_per_1k, 3),
        goal.label(),
        goal.verdict(server_x_echo=row.server_cpu_ratio, db_ms_per_call=row.store_cpu_s_per_1k),
        _num(row.client_cpu_cores, 2),
        f"{row.rss_start_mib:.0f}→{row.rss_end_mib:.0f}",
    ]


def _num(value: float, digits: int) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.{digits}f}"


def _join(cells: Iterable[str], widths: list[int]) -> str:
    parts = [
        cell.ljust(width) if align == "<" else cell.rjust(width)
        for cell, width, (_, align) in zip(cells, widths, _COLUMNS, strict=True)
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
        "options": {**dataclasses.asdict(result.options), "server_env": dict(result.options.server_env)},
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
