"""Watching server processes from outside: CPU time and RSS via psutil, and which event loop they run."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import psutil


class ServedTarget(Protocol):
    """A running server the load generator can call and the probe can watch."""

    @property
    def address(self) -> str:
        """`host:port` the server listens on."""
        ...

    @property
    def server_pid(self) -> int:
        """PID of the server process itself."""
        ...

    def store_pids(self) -> list[int]:
        """PIDs of the data stores it uses (PostgreSQL, Redis), looked up afresh on every call."""
        ...


@dataclass(frozen=True, slots=True)
class ProcessSample:
    """CPU seconds (user + system) of each watched PID, and the server's RSS, at one instant."""

    server_cpu_s: float
    server_rss_bytes: int
    store_cpu_s: dict[int, float]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (all its threads)."""
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def sample(target: ServedTarget) -> ProcessSample:
    """Reads the CPU counters and RSS of `target` now."""
    server = psutil.Process(target.server_pid)
    times = server.cpu_times()
    stores: dict[int, float] = {}
    for pid in target.store_pids():
        try:
            stores[pid] = cpu_seconds(pid)
        except psutil.NoSuchProcess:
            continue  # a short-lived backend that has already gone
    return ProcessSample(
        server_cpu_s=float(times.user + times.system),
        server_rss_bytes=int(server.memory_info().rss),
        store_cpu_s=stores,
    )


def store_cpu_between(before: ProcessSample, after: ProcessSample) -> float:
    """CPU the stores used between two samples; a process born in between counts from zero."""
    return sum(cpu - before.store_cpu_s.get(pid, 0.0) for pid, cpu in after.store_cpu_s.items())


def with_descendants(pids: Iterable[int]) -> list[int]:
    """The given PIDs plus all their live descendants (PostgreSQL's backends are the postmaster's)."""
    found: list[int] = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            found.append(pid)
            found.extend(child.pid for child in process.children(recursive=True))
        except psutil.NoSuchProcess:
            continue
    return found


def detect_event_loop(pid: int) -> str:
    """`uvloop` if the process has uvloop's extension mapped in memory, else `asyncio`."""
    try:
        maps = psutil.Process(pid).memory_maps(grouped=True)
    except (psutil.AccessDenied, psutil.NoSuchProcess):
        return "unknown"
    return "uvloop" if any("uvloop" in mapping.path for mapping in maps) else "asyncio"
