"""A whole benchmark: start the servers once, then measure baseline and scenarios side by side, K times.

Scenarios sharing a load profile share one baseline measurement per run. Within a run the
baseline and its scenarios are measured back to back, alternating which goes first from run to
run, so slow drifts in the machine's background load hit both sides equally.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from bench.echo_server import EchoServer, EventLoop
from bench.environment import describe_environment
from bench.measure import Measurement, measure
from bench.probe import ServedTarget, detect_event_loop
from bench.profile import LoadProfile
from bench.scenarios import BASELINE, Scenario, Target, get_scenario
from bench.stack import HelpdeskStack

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BenchOptions:
    """What to run and how; `None` load settings keep each scenario's own profile."""

    # Scenario names besides the baseline; empty: the baseline alone.
    scenarios: tuple[str, ...]
    runs: int = 3
    quick: bool = False
    concurrency: int | None = None
    channels: int | None = None
    warmup_s: float | None = None
    duration_s: float | None = None
    processes: int | None = None
    # `auto`: the loop the Helpdesk server was seen running (uvloop when no server is started).
    echo_loop: Literal["auto", "uvloop", "asyncio"] = "auto"
    # Extra environment for `helpdesk serve` (e.g. HELPDESK_LOG_LEVEL=WARNING for an experiment).
    server_env: Mapping[str, str] = field(default_factory=dict)

    def profile_for(self, scenario: Scenario) -> LoadProfile:
        """The scenario's profile, shortened by `quick`, then with the explicit settings applied."""
        profile = scenario.profile.quick() if self.quick else scenario.profile
        return profile.with_overrides(
            concurrency=self.concurrency,
            channels=self.channels,
            warmup_s=self.warmup_s,
            duration_s=self.duration_s,
            processes=self.processes,
        )


@dataclass(frozen=True, slots=True)
class BenchResult:
    """Everything one benchmark produced, in measurement order."""

    options: BenchOptions
    started_at: str
    finished_at: str
    server_loop: str | None
    echo_loop: str
    environment: dict[str, object]
    measurements: list[Measurement]


def plan(options: BenchOptions) -> dict[LoadProfile, list[Scenario]]:
    """Scenarios grouped by effective load profile (each group shares a baseline measurement)."""
    scenarios = [get_scenario(name) for name in options.scenarios]
    groups: dict[LoadProfile, list[Scenario]] = {}
    for scenario in scenarios:
        if scenario.name == BASELINE.name:
            continue
        groups.setdefault(options.profile_for(scenario), []).append(scenario)
    if not groups:
        groups[options.profile_for(BASELINE)] = []
    return groups


def run_benchmark(options: BenchOptions, *, progress: Progress) -> BenchResult:
    """Starts the servers, runs every planned measurement `options.runs` times, and stops the servers."""
    groups = plan(options)
    needs_stack = any(s.target is Target.HELPDESK for scenarios in groups.values() for s in scenarios)
    started_at = _now()
    environment = describe_environment()
    measurements: list[Measurement] = []
    with contextlib.ExitStack() as cleanup:
        targets: dict[Target, ServedTarget] = {}
        server_loop: str | None = None
        if needs_stack:
            progress("starting PostgreSQL, Redis and helpdesk serve ...")
            stack = HelpdeskStack(server_env=options.server_env)
            stack.start()
            cleanup.callback(stack.stop)
            targets[Target.HELPDESK] = stack
            server_loop = detect_event_loop(stack.server_pid)
        echo_loop = _echo_loop(options, server_loop)
        echo = EchoServer(loop=echo_loop)
        echo.start()
        cleanup.callback(echo.stop)
        targets[Target.ECHO] = echo
        progress(f"servers up: helpdesk loop={server_loop or '-'}, echo loop={echo_loop}")
        for run in range(options.runs):
            for profile, scenarios in groups.items():
                order = [BASELINE, *scenarios]
                if run % 2:
                    order.reverse()
                for scenario in order:
                    role: Literal["baseline", "scenario"] = "baseline" if scenario is BASELINE else "scenario"
                    result = measure(
                        targets[scenario.target], scenario=scenario.name, profile=profile, run=run, role=role
                    )
                    measurements.append(result)
                    progress(_progress_line(result, options.runs))
    return BenchResult(
        options=options,
        started_at=started_at,
        finished_at=_now(),
        server_loop=server_loop,
        echo_loop=echo_loop,
        environment=environment,
        measurements=measurements,
    )


def _echo_loop(options: BenchOptions, server_loop: str | None) -> EventLoop:
    if options.echo_loop != "auto":
        return options.echo_loop
    return "asyncio" if server_loop == "asyncio" else "uvloop"


def _progress_line(result: Measurement, runs: int) -> str:
    errors = f", {result.error_count} errors" if result.error_count else ""
    return (
        f"run {result.run + 1}/{runs} {result.scenario:<16} {result.profile.label():<16} "
        f"{result.throughput:9.1f} calls/s  p50 {result.latency.p50_ms:8.2f} ms  "
        f"p99 {result.latency.p99_ms:8.2f} ms{errors}"
    )


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
