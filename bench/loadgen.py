"""The load generator: runs in its own process, drives one scenario closed-loop and records every call.

The parent (`bench.measure`) starts one or more of these processes and waits with them on a barrier
once every process has connected and run its scenario's setup; from the barrier on, each process
warms up for `warmup_s` and then measures for `duration_s`. A call counts in the window it
completes in; calls still in flight at the end of the window are cancelled and not counted.
"""

from __future__ import annotations

import asyncio
import collections
import os
import threading
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

import grpc
import uvloop

from bench.profile import LoadProfile
from bench.scenarios import CallFn, get_scenario

# How long the load generators wait at the start line for every one of them to have connected and
# set its scenario up (seeding accounts, bcrypt included); a big seed (the report scenarios' 1M
# tickets and their rollup) sets more with HELPDESK_BENCH_SETUP_TIMEOUT_S.
SETUP_BARRIER_TIMEOUT_S = float(os.environ.get("HELPDESK_BENCH_SETUP_TIMEOUT_S", "300"))
# Every client channel gets its own subchannel, hence its own TCP connection.
_CHANNEL_OPTIONS = [("grpc.use_local_subchannel_pool", 1)]


@dataclass(frozen=True, slots=True)
class LoadSpec:
    """What one load generator process does."""

    address: str
    scenario: str
    profile: LoadProfile
    # Global indices of this process's callers (scenarios key accounts on them).
    callers: range
    channels: int


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What one load generator process saw inside the measured window."""

    latencies_s: list[float]
    errors: dict[str, int]
    window_s: float
    # This client process's own CPU time during the window: near `window_s` means the client saturated.
    cpu_s: float
    setup_s: float


@dataclass(frozen=True, slots=True)
class LoadFailure:
    """A load generator process failed; `details` is its traceback."""

    details: str


@dataclass(slots=True)
class _Recorder:
    window_start: float
    window_end: float
    latencies_s: list[float] = field(default_factory=list)
    errors: collections.Counter[str] = field(default_factory=collections.Counter)


def child_main(spec: LoadSpec, start: Barrier, results: Queue[LoadResult | LoadFailure]) -> None:
    """Process entry point: runs the load on uvloop and puts a `LoadResult` or `LoadFailure` on `results`."""
    try:
        outcome: LoadResult | LoadFailure = uvloop.run(_generate(spec, start))
    except BaseException:  # noqa: BLE001 - any failure must reach the parent, which re-raises it
        start.abort()
        outcome = LoadFailure(traceback.format_exc())
    results.put(outcome)


async def _generate(spec: LoadSpec, start: Barrier) -> LoadResult:
    began = time.monotonic()
    channels = [grpc.aio.insecure_channel(spec.address, options=_CHANNEL_OPTIONS) for _ in range(spec.channels)]
    try:
        await asyncio.wait_for(asyncio.gather(*(channel.channel_ready() for channel in channels)), timeout=30)
        calls = await get_scenario(spec.scenario).setup(
            channels, callers=spec.callers, call_timeout_s=spec.profile.call_timeout_s
        )
        setup_s = time.monotonic() - began
        try:
            await asyncio.to_thread(start.wait, SETUP_BARRIER_TIMEOUT_S)
        except threading.BrokenBarrierError:
            raise RuntimeError("another load generator process failed during setup") from None
        return await _drive(calls, spec.profile, setup_s=setup_s)
    finally:
        await asyncio.gather(*(channel.close() for channel in channels))


async def _drive(calls: Sequence[CallFn], profile: LoadProfile, *, setup_s: float) -> LoadResult:
    now = time.monotonic()
    recorder = _Recorder(window_start=now + profile.warmup_s, window_end=now + profile.warmup_s + profile.duration_s)
    tasks = [asyncio.create_task(_call_repeatedly(call, recorder)) for call in calls]
    await _sleep_until(recorder.window_start)
    cpu_start = time.process_time()
    await _sleep_until(recorder.window_end)
    cpu_s = time.process_time() - cpu_start
    for task in tasks:
        task.cancel()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError):
            raise outcome
    return LoadResult(
        latencies_s=recorder.latencies_s,
        errors=dict(recorder.errors),
        window_s=profile.duration_s,
        cpu_s=cpu_s,
        setup_s=setup_s,
    )


async def _call_repeatedly(call: CallFn, recorder: _Recorder) -> None:
    # Hot loop: keep it to a clock read or two and an append per call.
    start, end = recorder.window_start, recorder.window_end
    latencies, errors = recorder.latencies_s, recorder.errors
    while True:
        began = time.monotonic()
        if began >= end:
            return
        try:
            await call()
        except grpc.aio.AioRpcError as error:
            finished = time.monotonic()
            if start <= finished < end:
                errors[error.code().name] += 1
            continue
        finished = time.monotonic()
        if start <= finished < end:
            latencies.append(finished - began)


async def _sleep_until(deadline: float) -> None:
    delay = deadline - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
