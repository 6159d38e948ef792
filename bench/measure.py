"""One measurement: start the load generator process(es), watch the server during the window, merge."""

from __future__ import annotations

import math
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bench import probe
from bench.loadgen import SETUP_BARRIER_TIMEOUT_S, LoadFailure, LoadResult, LoadSpec, child_main
from bench.probe import ServedTarget
from bench.profile import LoadProfile
from bench.stats import LatencySummary

# The baseline (bare echo), a floor (echo plus one store read), or a scenario of the product.
Role = Literal["baseline", "floor", "scenario"]
# Which server a scenario ran against when two versions are compared (`--old`); None otherwise.
Version = Literal["new", "old"]
# Slack for the load generators to cancel their last calls and report after the window closes.
_REPORT_SLACK_S = 60.0


class LoadgenError(RuntimeError):
    """A load generator process failed; the message carries its traceback."""


@dataclass(frozen=True, slots=True)
class Measurement:
    """One scenario driven once against one server: what the clients saw and what the server spent."""

    run: int
    scenario: str
    role: Role
    profile: LoadProfile
    window_s: float
    ok_calls: int
    errors: dict[str, int]
    latency: LatencySummary
    server_cpu_s: float
    # None when the target has no data stores (the echo server).
    store_cpu_s: float | None
    client_cpu_s: float
    server_rss_start_bytes: int
    server_rss_end_bytes: int
    setup_s: float
    version: Version | None = None

    @property
    def throughput(self) -> float:
        """Successful calls per second over the window."""
        return self.ok_calls / self.window_s

    @property
    def error_count(self) -> int:
        """Failed calls completed in the window, all status codes together."""
        return sum(self.errors.values())

    @property
    def server_cpu_ms_per_call(self) -> float:
        """Server CPU per successful call in milliseconds (= CPU seconds per 1,000 calls)."""
        return 1000.0 * self.server_cpu_s / self.ok_calls if self.ok_calls else math.nan

    @property
    def store_cpu_ms_per_call(self) -> float:
        """PostgreSQL + Redis CPU per successful call in milliseconds; NaN without stores."""
        if self.store_cpu_s is None or not self.ok_calls:
            return math.nan
        return 1000.0 * self.store_cpu_s / self.ok_calls

    @property
    def client_cpu_utilisation(self) -> float:
        """Load generator CPU over the window, in cores (≈ 1 per process means the client was the limit)."""
        return self.client_cpu_s / self.window_s


def measure(
    target: ServedTarget,
    *,
    scenario: str,
    profile: LoadProfile,
    run: int,
    role: Role,
    version: Version | None = None,
    on_window: Callable[[Literal["start", "end"]], None] | None = None,
) -> Measurement:
    """Drives `scenario` against `target` with `profile` and returns the merged measurement.

    `on_window` is told when the measured window starts and ends (a profiler brackets it).
    """
    context = multiprocessing.get_context("spawn")  # never fork a process that may hold grpc state
    start = context.Barrier(profile.processes + 1)
    results: multiprocessing.Queue[LoadResult | LoadFailure] = context.Queue()
    channels = max(1, math.ceil(profile.channels / profile.processes))
    processes = [
        context.Process(
            target=child_main,
            args=(LoadSpec(target.address, scenario, profile, callers, channels), start, results),
            name=f"bench-loadgen-{index}",
            daemon=True,
        )
        for index, callers in enumerate(split_callers(profile.concurrency, profile.processes))
    ]
    for process in processes:
        process.start()
    try:
        try:
            start.wait(SETUP_BARRIER_TIMEOUT_S)
        except threading.BrokenBarrierError:
            raise LoadgenError(_first_failure(results, timeout_s=10.0)) from None
        window_start = time.monotonic() + profile.warmup_s
        _sleep_until(window_start)
        if on_window is not None:
            on_window("start")
        before = probe.sample(target)
        _sleep_until(window_start + profile.duration_s)
        after = probe.sample(target)
        if on_window is not None:
            on_window("end")
        outcomes = [results.get(timeout=_REPORT_SLACK_S) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
    failures = [outcome.details for outcome in outcomes if isinstance(outcome, LoadFailure)]
    if failures:
        raise LoadgenError(failures[0])
    loads = [outcome for outcome in outcomes if isinstance(outcome, LoadResult)]
    return _merge(
        loads, before, after, scenario=scenario, profile=profile, run=run, role=role, version=version, target=target
    )


def split_callers(concurrency: int, processes: int) -> list[range]:
    """Global caller indices, split as evenly as possible over the processes."""
    bounds = [round(index * concurrency / processes) for index in range(processes + 1)]
    return [range(bounds[index], bounds[index + 1]) for index in range(processes)]


def _merge(
    loads: list[LoadResult],
    before: probe.ProcessSample,
    after: probe.ProcessSample,
    *,
    scenario: str,
    profile: LoadProfile,
    run: int,
    role: Role,
    version: Version | None,
    target: ServedTarget,
) -> Measurement:
    latencies = [latency for load in loads for latency in load.latencies_s]
    errors: dict[str, int] = {}
    for load in loads:
        for code, count in load.errors.items():
            errors[code] = errors.get(code, 0) + count
    has_stores = bool(before.store_processes) or bool(target.store_pids())
    return Measurement(
        run=run,
        scenario=scenario,
        role=role,
        profile=profile,
        window_s=profile.duration_s,
        ok_calls=len(latencies),
        errors=errors,
        latency=LatencySummary.of(latencies),
        server_cpu_s=after.server_cpu_s - before.server_cpu_s,
        store_cpu_s=probe.store_cpu_between(before, after) if has_stores else None,
        client_cpu_s=sum(load.cpu_s for load in loads),
        server_rss_start_bytes=before.server_rss_bytes,
        server_rss_end_bytes=after.server_rss_bytes,
        setup_s=max(load.setup_s for load in loads),
        version=version,
    )


def _first_failure(results: multiprocessing.Queue[LoadResult | LoadFailure], *, timeout_s: float) -> str:
    try:
        outcome = results.get(timeout=timeout_s)
    except queue.Empty:
        return "a load generator process did not finish its setup in time"
    return outcome.details if isinstance(outcome, LoadFailure) else "load generator setup failed"


def _sleep_until(deadline: float) -> None:
    delay = deadline - time.monotonic()
    if delay > 0:
        time.sleep(delay)
