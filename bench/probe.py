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
    """CPU seconds (user + system) of the server and of the stores' process trees, and the server's RSS."""

    server_cpu_s: float
    server_rss_bytes: int
    # Everything the stores' processes have used so far, exited children included (see `tree_cpu_seconds`).
    store_cpu_s: float
    store_processes: int


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process plus those of its exited (reaped) children.

    PostgreSQL's parallel query workers (and any backend that disconnects) live for a fraction of a
    second: a sum over the processes alive at two instants never sees them. Their time is not lost,
    though: the postmaster reaps them, and the kernel adds it to its `children_*` times.
    """
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system + times.children_user + times.children_system)


def sample(target: ServedTarget) -> ProcessSample:
    """Reads the CPU counters and RSS of `target` now."""
    server = psutil.Process(target.server_pid)
    times = server.cpu_times()
    stores = 0.0
    counted = 0
    for pid in target.store_pids():
        try:
            stores += tree_cpu_seconds(pid)
            counted += 1
        except psutil.NoSuchProcess:
            continue  # a backend that exited since the listing: the postmaster's children time has it
    return ProcessSample(
        server_cpu_s=float(times.user + times.system),
        server_rss_bytes=int(server.memory_info().rss),
        store_cpu_s=stores,
        store_processes=counted,
    )


def store_cpu_between(before: ProcessSample, after: ProcessSample) -> float:
    """CPU the stores used between two samples.

    Each sample is the stores' whole history so far: a process alive at both counts its growth, one
    that exited in between counts (through its parent) what it used after the first sample, and one
    born and gone in between counts entirely, like a parallel query worker.
    """
    return max(0.0, after.store_cpu_s - before.store_cpu_s)


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
