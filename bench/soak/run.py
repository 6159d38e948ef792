"""One soak from start to end: the stack, setup, capacity, warm-up, the measured windows, the drain."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import grpc
import grpc.aio
import psutil

from bench.environment import describe_environment
from bench.soak.options import SoakOptions
from bench.soak.recorder import Recorder, rss_mib, watch_windows
from bench.soak.report import HEADER, SoakReport, latency_summary, save_report
from bench.soak.workload import Workload, check_chats, closed_loop, drain, open_loop
from bench.stack import DATABASE_URL_ENV, HelpdeskStack

_CHANNEL_OPTIONS = [("grpc.use_local_subchannel_pool", 1)]


async def run_soak(options: SoakOptions, *, log: Callable[[str], None] = print) -> SoakReport:
    """Starts a stack, runs the soak described by `options` and returns (and saves) its report."""
    began = time.monotonic()
    environment = describe_environment()
    stack = HelpdeskStack(
        server_env={
            # Sign-ins are setup, not what is measured.
            "HELPDESK_BCRYPT_COST": "4",
            "HELPDESK_LOG_LEVEL": "WARNING",
            # Tokens must outlive the run: the load does not refresh them.
            "HELPDESK_ACCESS_TOKEN_TTL": str(int(options.duration_s + options.warmup_s + 3600)),
        }
    )
    await asyncio.to_thread(stack.start)
    try:
        report = await _run(stack, options, environment, began, log)
        report.server_errors = _server_errors(stack.server_log)
    finally:
        await asyncio.to_thread(stack.stop)
    if options.results_dir is not None:
        path = save_report(report, options.results_dir)
        log(f"report written to {path}")
    return report


def _server_errors(log_path: Path | None, limit: int = 20) -> list[str]:
    """The first ERROR lines of the server's log (it runs at WARNING): what an INTERNAL came from."""
    if log_path is None or not log_path.exists():
        return []
    found = []
    with log_path.open(errors="replace") as lines:
        for line in lines:
            if '"level": "ERROR"' in line or '"level": "CRITICAL"' in line:
                found.append(line.strip()[:2000])
                if len(found) >= limit:
                    break
    return found


async def _run(
    stack: HelpdeskStack,
    options: SoakOptions,
    environment: dict[str, object],
    began: float,
    log: Callable[[str], None],
) -> SoakReport:
    database_url = os.environ[DATABASE_URL_ENV]
    server = psutil.Process(stack.server_pid)
    recorder = Recorder()
    channels = [grpc.aio.insecure_channel(stack.address, options=_CHANNEL_OPTIONS) for _ in range(options.channels)]
    followers: list[asyncio.Task[None]] = []
    try:
        workload = Workload(channels, recorder)
        log(f"seeding {options.tickets} tickets, {options.articles} articles; starting {options.chats} chats")
        await workload.setup(
            database_url,
            tickets=options.tickets,
            articles=options.articles,
            chats=options.chats,
            streams=options.streams,
        )
        readiness = [asyncio.Event() for _ in workload.followers]
        followers = [
            asyncio.create_task(workload.follow(follower, ready))
            for follower, ready in zip(workload.followers, readiness, strict=True)
        ]
        # A stream is ready once it has delivered something: send one message into every chat.
        for chat in workload.chats:
            await workload.greet(chat)
        async with asyncio.timeout(120):
            await asyncio.gather(*(ready.wait() for ready in readiness))
        setup_s = time.monotonic() - began
        log(f"{len(workload.followers)} streams over {len(workload.chats)} chats ready after {setup_s:.0f} s")

        capacity: float | None = None
        if options.rate is None:
            warm = time.monotonic() + 3.0
            await closed_loop(workload, callers=options.capacity_concurrency, until=warm)
            recorder.counting_capacity, recorder.capacity_ok = True, 0
            await closed_loop(
                workload, callers=options.capacity_concurrency, until=time.monotonic() + options.capacity_s
            )
            recorder.counting_capacity = False
            capacity = recorder.capacity_ok / options.capacity_s
            rate = max(1.0, capacity * options.load_fraction)
            log(f"capacity {capacity:.0f} calls/s (closed loop, c={options.capacity_concurrency}); target {rate:.0f}")
        else:
            rate = options.rate
            log(f"target rate {rate:.0f} calls/s (given)")

        await open_loop(
            workload,
            recorder,
            rate=rate,
            until=time.monotonic() + options.warmup_s,
            max_in_flight=options.max_in_flight,
        )
        rss_start = rss_mib(server)
        windows = max(1, round(options.duration_s / options.window_s))
        origin = time.monotonic()
        recorder.start(origin=origin, window_s=options.duration_s / windows, count=windows)
        log(f"warm-up done ({options.warmup_s:.0f} s); server RSS {rss_start:.1f} MiB")
        log(f"measuring {options.duration_s:.0f} s in {windows} windows:")
        if options.verbose:
            log(HEADER)
        watcher = asyncio.create_task(watch_windows(recorder, server, verbose=options.verbose))
        await open_loop(
            workload,
            recorder,
            rate=rate,
            until=origin + options.duration_s,
            max_in_flight=options.max_in_flight,
        )
        await watcher
        rss_end = recorder.windows[-1].server_rss_mib
        await drain(workload, within=options.drain_s)
        chat_check = check_chats(workload)
    finally:
        for task in followers:
            task.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
        await asyncio.gather(*(channel.close() for channel in channels))

    report = SoakReport(
        options={k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(options).items()},
        environment=environment,
        capacity_ops_s=capacity,
        target_rate=rate,
        windows=recorder.windows,
        chat=chat_check,
        server_rss_start_mib=rss_start,
        server_rss_end_mib=rss_end,
        setup_s=setup_s,
        operations={op: latency_summary(latencies) for op, latencies in sorted(recorder.by_op.items())},
        errors_by_operation=dict(sorted(recorder.errors_by_op.items())),
    )
    return report
