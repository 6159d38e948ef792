"""What a soak measured: windows, the chat check, the report (JSON and the printed table)."""

from __future__ import annotations

import collections
import json
import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.stats import percentile

# Codes a client can never cause: a server bug whenever they appear.
SERVER_FAULT_CODES = frozenset({"INTERNAL", "UNKNOWN", "DATA_LOSS"})


@dataclass(slots=True)
class Window:
    """What happened in one window of the measured run (calls counted when they complete)."""

    index: int
    start_s: float
    end_s: float
    ok: int = 0
    ok_by_op: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    shed: int = 0
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    max_ms: float = math.nan
    chat_sent: int = 0
    chat_delivered: int = 0
    server_rss_mib: float = math.nan
    server_cpu_cores: float = math.nan
    client_cpu_cores: float = math.nan

    @property
    def throughput(self) -> float:
        """Successful calls per second."""
        return self.ok / (self.end_s - self.start_s)

    @property
    def error_count(self) -> int:
        """Failed calls of every code."""
        return sum(self.errors.values())


@dataclass(slots=True)
class ChatCheck:
    """Whether every stream received every acknowledged message of its chat exactly once, in order."""

    streams: int
    chats: int
    acknowledged: int = 0
    expected_deliveries: int = 0
    delivered: int = 0
    missing: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    # Stream ends by status code: resumable ones (slow consumer) are expected now and then.
    stream_ends: dict[str, int] = field(default_factory=dict)

    @property
    def lossless(self) -> bool:
        """Nothing missing, doubled or reordered."""
        return self.missing == 0 and self.duplicates == 0 and self.out_of_order == 0


@dataclass(slots=True)
class SoakReport:
    """Everything a soak measured."""

    options: dict[str, object]
    environment: dict[str, object]
    capacity_ops_s: float | None
    target_rate: float
    windows: list[Window]
    chat: ChatCheck
    server_rss_start_mib: float
    server_rss_end_mib: float
    setup_s: float
    # Operation -> {"calls", "p50_ms", "p99_ms"} over the measured run.
    operations: dict[str, dict[str, float]] = field(default_factory=dict)
    # "<operation> <code>" -> failed calls over the measured run.
    errors_by_operation: dict[str, int] = field(default_factory=dict)
    # The first ERROR lines of the server's log.
    server_errors: list[str] = field(default_factory=list)

    @property
    def rss_drift_percent(self) -> float:
        """Server RSS growth from the end of warm-up to the end of the run, in percent."""
        return 100.0 * (self.server_rss_end_mib - self.server_rss_start_mib) / self.server_rss_start_mib

    @property
    def errors(self) -> dict[str, int]:
        """Failed calls over the whole measured run, by status code."""
        total: collections.Counter[str] = collections.Counter()
        for window in self.windows:
            total.update(window.errors)
        return dict(total)

    @property
    def server_faults(self) -> dict[str, int]:
        """INTERNAL/UNKNOWN/DATA_LOSS answers and stream ends: must be empty."""
        faults = {code: n for code, n in self.errors.items() if code in SERVER_FAULT_CODES}
        for code, n in self.chat.stream_ends.items():
            if code in SERVER_FAULT_CODES:
                faults[f"stream:{code}"] = n
        return faults

    def to_json(self) -> dict[str, object]:
        """The report as plain JSON data."""
        return {
            "options": self.options,
            "environment": self.environment,
            "capacity_ops_s": self.capacity_ops_s,
            "target_rate": self.target_rate,
            "setup_s": self.setup_s,
            "server_rss_start_mib": self.server_rss_start_mib,
            "server_rss_end_mib": self.server_rss_end_mib,
            "rss_drift_percent": self.rss_drift_percent,
            "rss_drift_goal_met": self.rss_drift_percent < 5.0,
            "errors": self.errors,
            "server_faults": self.server_faults,
            "chat": {**asdict(self.chat), "lossless": self.chat.lossless},
            "operations": self.operations,
            "errors_by_operation": self.errors_by_operation,
            "server_errors": self.server_errors,
            "windows": [{**asdict(w), "throughput": w.throughput} for w in self.windows],
        }


HEADER = (
    f"{'t s':>9} {'calls/s':>8} {'errors':>7} {'shed':>5} {'p50 ms':>7} {'p99 ms':>8} {'chat tx':>7} "
    f"{'chat rx':>8} {'srv RSS MiB':>11} {'srv CPU':>7} {'cli CPU':>7}  error codes"
)


def window_line(w: Window) -> str:
    """One row of the printed table."""
    codes = ", ".join(f"{code} {n}" for code, n in sorted(w.errors.items())) or "-"
    return (
        f"{w.start_s:>4.0f}-{w.end_s:<4.0f} {w.throughput:>8.1f} {w.error_count:>7} {w.shed:>5} {w.p50_ms:>7.1f} "
        f"{w.p99_ms:>8.1f} {w.chat_sent:>7} {w.chat_delivered:>8} {w.server_rss_mib:>11.1f} "
        f"{w.server_cpu_cores:>7.2f} {w.client_cpu_cores:>7.2f}  {codes}"
    )


def latency_summary(latencies: list[float]) -> dict[str, float]:
    """Calls, p50 and p99 (ms) of one operation over the measured run."""
    ordered = sorted(latencies)
    return {
        "calls": len(ordered),
        "p50_ms": percentile(ordered, 0.50) * 1000,
        "p99_ms": percentile(ordered, 0.99) * 1000,
    }


def save_report(report: SoakReport, directory: Path) -> Path:
    """Writes the report as `soak-<UTC time>-<commit>[-dirty].json` under `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    commit = str(report.environment.get("git_commit") or "nogit")[:10]
    dirty = "-dirty" if report.environment.get("git_dirty") else ""
    path = directory / f"soak-{stamp}-{commit}{dirty}.json"
    path.write_text(json.dumps(report.to_json(), indent=2, default=str) + "\n")
    return path


def summary(report: SoakReport) -> str:
    """The closing lines of the printed report."""
    first, last = report.windows[0], report.windows[-1]
    errors = ", ".join(f"{key} {n}" for key, n in report.errors_by_operation.items()) or "none"
    total_ok = sum(w.ok for w in report.windows)
    chat = report.chat
    lines = [
        f"calls ok {total_ok}, errors: {errors}; shed {sum(w.shed for w in report.windows)}",
        f"throughput first/last window: {first.throughput:.1f} / {last.throughput:.1f} calls/s "
        f"(target {report.target_rate:.1f}"
        + (f", capacity {report.capacity_ops_s:.1f}" if report.capacity_ops_s is not None else "")
        + ")",
        f"p99 first/last window: {first.p99_ms:.1f} / {last.p99_ms:.1f} ms; "
        f"worst window p99 {max(w.p99_ms for w in report.windows):.1f} ms",
        f"server RSS {report.server_rss_start_mib:.1f} MiB after warm-up -> {report.server_rss_end_mib:.1f} MiB "
        f"at the end: drift {report.rss_drift_percent:+.2f}% (goal < 5%: "
        f"{'met' if report.rss_drift_percent < 5.0 else 'NOT met'})",
        "by operation: "
        + "; ".join(
            f"{op} {s['calls']:.0f} calls p50 {s['p50_ms']:.1f} p99 {s['p99_ms']:.1f} ms"
            for op, s in report.operations.items()
        ),
        f"chat: {chat.streams} streams over {chat.chats} chats, {chat.acknowledged} messages acknowledged, "
        f"{chat.delivered}/{chat.expected_deliveries} deliveries; missing {chat.missing}, duplicates "
        f"{chat.duplicates}, out of order {chat.out_of_order}; stream ends {chat.stream_ends or 'none'}",
    ]
    return "\n".join(lines)
