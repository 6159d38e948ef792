"""A whole benchmark: start the servers once, then measure baseline and scenarios side by side, K times.

Scenarios sharing a load profile share one baseline measurement per run, and one measurement of
each floor they name (`Scenario.floor`). Within a run the baseline, the floors and the scenarios
(each against the new then the old server, when two versions are compared) are measured back to
back, the order reversed from one run to the next, so slow drifts in the machine's background
load hit every side equally.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bench.compare import describe_checkout, old_checkout
from bench.echo_server import ECHO_READY_TIMEOUT_S, FLOOR_DATABASE, EchoServer, EventLoop
from bench.environment import describe_environment
from bench.measure import Measurement, Role, Version, measure
from bench.probe import ServedTarget, detect_event_loop
from bench.profile import LoadProfile
from bench.scenarios import BASELINE, FLOORS, Scenario, Target, get_scenario
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
    # Measure beside each scenario the floor it names (named floors are measured either way).
    floors: bool = True
    # Another checkout whose `helpdesk serve` is measured beside this one's (`--old`).
    old_checkout: Path | None = None

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
    # The other checkout (path, commit) when two versions were compared.
    old: dict[str, object] | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """Scenarios sharing one load profile, with the baseline and floors measured beside them."""

    profile: LoadProfile
    floors: list[Scenario]
    scenarios: list[Scenario]


@dataclass(frozen=True, slots=True)
class _Slot:
    scenario: Scenario
    role: Role
    version: Version | None


def plan(options: BenchOptions) -> list[Group]:
    """Scenarios grouped by effective load profile, each group with the floors its scenarios name.

    A floor named in `options.scenarios` is measured under its own profile (or beside the scenarios
    sharing it); a floor only named by scenarios is left out under `floors=False`.
    """
    groups: dict[LoadProfile, Group] = {}

    def group(profile: LoadProfile) -> Group:
        return groups.setdefault(profile, Group(profile, [], []))

    for scenario in (get_scenario(name) for name in options.scenarios):
        if scenario.name == BASELINE.name:
            continue
        if scenario.name in FLOORS:
            _add_once(group(options.profile_for(scenario)).floors, scenario)
            continue
        profiled = group(options.profile_for(scenario))
        profiled.scenarios.append(scenario)
        if options.floors and scenario.floor is not None:
            _add_once(profiled.floors, FLOORS[scenario.floor])
    if not groups:
        group(options.profile_for(BASELINE))
    return list(groups.values())


def _add_once(scenarios: list[Scenario], scenario: Scenario) -> None:
    if scenario not in scenarios:
        scenarios.append(scenario)


def run_benchmark(options: BenchOptions, *, progress: Progress) -> BenchResult:
    """Starts the servers, runs every planned measurement `options.runs` times, and stops the servers."""
    groups = plan(options)
    # Checked before anything starts: a comparison that cannot be made is refused at once.
    old = old_checkout(options.old_checkout) if options.old_checkout else None
    if old is not None and (note := old.schema_note()):
        progress(note)
    floors = [floor for group in groups for floor in group.floors]
    needs_stack = bool(floors) or any(s.target is Target.HELPDESK for group in groups for s in group.scenarios)
    started_at = _now()
    environment = describe_environment()
    measurements: list[Measurement] = []
    with contextlib.ExitStack() as cleanup:
        targets: dict[Target, ServedTarget] = {}
        old_target: ServedTarget | None = None
        server_loop: str | None = None
        stack: HelpdeskStack | None = None
        if needs_stack:
            progress("starting PostgreSQL, Redis and helpdesk serve ...")
            stack = HelpdeskStack(server_env=options.server_env)
            cleanup.callback(stack.stop)
            stack.start()
            targets[Target.HELPDESK] = stack
            server_loop = detect_event_loop(stack.server_pid)
            if old is not None:
                progress(f"starting the old version's helpdesk serve ({options.old_checkout}) ...")
                old_target = stack.start_old(old.command)
        echo_loop = _echo_loop(options, server_loop)
        for echoed in [Target.ECHO, *(floor.target for floor in floors)]:
            if echoed not in targets:
                targets[echoed] = start_echo(echoed, echo_loop, stack, cleanup)
        progress(f"servers up: helpdesk loop={server_loop or '-'}, echo loop={echo_loop}")
        for run in range(options.runs):
            for group in groups:
                order = _order(group, compare=old_target is not None)
                if run % 2:
                    order.reverse()
                for slot in order:
                    target = old_target if slot.version == "old" and old_target else targets[slot.scenario.target]
                    result = measure(
                        target,
                        scenario=slot.scenario.name,
                        profile=group.profile,
                        run=run,
                        role=slot.role,
                        version=slot.version,
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
        old=describe_checkout(options.old_checkout, old) if options.old_checkout and old is not None else None,
    )


def _order(group: Group, *, compare: bool) -> list[_Slot]:
    """Baseline, floors, then each scenario (new beside old when comparing): one run's measurements."""
    slots = [_Slot(BASELINE, "baseline", None), *(_Slot(floor, "floor", None) for floor in group.floors)]
    for scenario in group.scenarios:
        if compare and scenario.target is Target.HELPDESK:
            slots += [_Slot(scenario, "scenario", "new"), _Slot(scenario, "scenario", "old")]
        else:
            slots.append(_Slot(scenario, "scenario", None))
    return slots


def start_echo(
    target: Target,
    loop: EventLoop,
    stack: HelpdeskStack | None,
    cleanup: contextlib.ExitStack,
    *,
    prefix: Sequence[str] = (),
    ready_timeout_s: float = ECHO_READY_TIMEOUT_S,
) -> EchoServer:
    """The bare echo server, or a floor reading the stack's PostgreSQL or Redis (store CPU counted), started.

    `cleanup` stops it; `prefix` is a command it runs under (valgrind, for bench.hotspots).
    """
    postgres_url: str | None = None
    redis_url: str | None = None
    stores: Callable[[], list[int]] | None = None
    if target is not Target.ECHO:
        if stack is None:
            raise RuntimeError(f"{target.value} reads the stack's stores, and no stack was started")
        stores = stack.store_pids
        if target is Target.ECHO_POSTGRES:
            postgres_url = stack.postgres_url(FLOOR_DATABASE)
        else:
            redis_url = stack.redis_url
    echo = EchoServer(
        loop=loop,
        prefix=prefix,
        ready_timeout_s=ready_timeout_s,
        postgres_url=postgres_url,
        redis_url=redis_url,
        stores=stores,
    )
    cleanup.callback(echo.stop)
    echo.start()
    return echo


def _echo_loop(options: BenchOptions, server_loop: str | None) -> EventLoop:
    if options.echo_loop != "auto":
        return options.echo_loop
    return "asyncio" if server_loop == "asyncio" else "uvloop"


def _progress_line(result: Measurement, runs: int) -> str:
    errors = f", {result.error_count} errors" if result.error_count else ""
    name = f"{result.scenario} ({result.version})" if result.version else result.scenario
    return (
        f"run {result.run + 1}/{runs} {name:<22} {result.profile.label():<16} "
        f"{result.throughput:9.1f} calls/s  p50 {result.latency.p50_ms:8.2f} ms  "
        f"p99 {result.latency.p99_ms:8.2f} ms{errors}"
    )


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
