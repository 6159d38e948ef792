"""Routes every finished call into the window it completed in, and closes each window on time."""

from __future__ import annotations

import asyncio
import collections
import math
import time

import psutil

from bench.soak.report import Window, window_line
from bench.stats import percentile


class Recorder:
    """Routes each finished call to the window it completed in (or to nowhere outside the run)."""

    def __init__(self) -> None:
        self.origin = math.inf
        self.window_s = 1.0
        self.windows: list[Window] = []
        self.latencies: list[list[float]] = []
        # Every successful call of the measured run by operation: which part of the mix is slow.
        self.by_op: dict[str, list[float]] = collections.defaultdict(list)
        self.errors_by_op: collections.Counter[str] = collections.Counter()
        self.capacity_ok = 0
        self.counting_capacity = False

    def start(self, *, origin: float, window_s: float, count: int) -> None:
        """Opens `count` windows of `window_s` seconds from `origin` (monotonic): the measured run begins."""
        self.origin, self.window_s = origin, window_s
        self.windows = [Window(i, i * window_s, (i + 1) * window_s) for i in range(count)]
        self.latencies = [[] for _ in range(count)]

    def window_at(self, now: float) -> int | None:
        """The index of the window `now` falls in, or None outside the measured run."""
        if now < self.origin:
            return None
        index = math.floor((now - self.origin) / self.window_s)
        return index if 0 <= index < len(self.windows) else None

    def record(self, op: str, began: float, code: str | None) -> None:
        """Counts one finished call of `op` (`code` None: it succeeded) in the window it completed in."""
        now = time.monotonic()
        if self.counting_capacity and code is None:
            self.capacity_ok += 1
        index = self.window_at(now)
        if index is None:
            return
        window = self.windows[index]
        if code is None:
            window.ok += 1
            window.ok_by_op[op] = window.ok_by_op.get(op, 0) + 1
            self.latencies[index].append(now - began)
            self.by_op[op].append(now - began)
        else:
            window.errors[code] = window.errors.get(code, 0) + 1
            self.errors_by_op[f"{op} {code}"] += 1

    def shed(self) -> None:
        """Counts a call the open loop did not start (too many in flight)."""
        index = self.window_at(time.monotonic())
        if index is not None:
            self.windows[index].shed += 1

    def chat_event(self, *, sent: bool) -> None:
        """Counts a chat message sent (acknowledged) or delivered on a stream."""
        index = self.window_at(time.monotonic())
        if index is not None:
            if sent:
                self.windows[index].chat_sent += 1
            else:
                self.windows[index].chat_delivered += 1

    def close(self, index: int) -> None:
        """Computes the latency percentiles of window `index` and drops its samples."""
        ordered = sorted(self.latencies[index])
        window = self.windows[index]
        window.p50_ms = percentile(ordered, 0.50) * 1000
        window.p99_ms = percentile(ordered, 0.99) * 1000
        window.max_ms = (ordered[-1] * 1000) if ordered else math.nan
        self.latencies[index] = []


def rss_mib(process: psutil.Process) -> float:
    """The process's resident memory in MiB."""
    return float(process.memory_info().rss) / 2**20


def _cpu_s(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


async def watch_windows(recorder: Recorder, server: psutil.Process, *, verbose: bool) -> None:
    """Closes each window at its end: latency percentiles, RSS and CPU of the server, client CPU."""
    cpu_before, client_before = _cpu_s(server), time.process_time()
    for window in recorder.windows:
        delay = recorder.origin + window.end_s - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        cpu_after, client_after = _cpu_s(server), time.process_time()
        span = window.end_s - window.start_s
        window.server_cpu_cores = (cpu_after - cpu_before) / span
        window.client_cpu_cores = (client_after - client_before) / span
        window.server_rss_mib = rss_mib(server)
        cpu_before, client_before = cpu_after, client_after
        # Calls finishing right at the edge still land in this window: give them a moment.
        await asyncio.sleep(min(1.0, span / 10))
        recorder.close(window.index)
        if verbose:
            print(window_line(window), flush=True)
