"""Pieces of the fault-injection tests: server processes to SIGKILL, a log of timed calls, polling."""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

T = TypeVar("T")

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def quiet_port(host: str = "127.0.0.1") -> int:
    """A free TCP port below the kernel's ephemeral range.

    A server stopped and restarted on its port must find it free again: no outgoing connection
    (nor another test asking the kernel for a free port) is ever given a port from this range.
    """
    low, _ = (int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    candidates = list(range(max(1024, low - 12000), low))
    random.shuffle(candidates)
    for port in candidates[:200]:
        with socket.socket() as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


@dataclass(frozen=True, slots=True)
class Call:
    """One RPC attempt: what, when (monotonic seconds) and how it ended."""

    kind: str
    started: float
    ended: float
    code: grpc.StatusCode

    @property
    def seconds(self) -> float:
        """How long the caller waited."""
        return self.ended - self.started


@dataclass
class CallLog:
    """Every attempt of a load run, in completion order."""

    calls: list[Call] = field(default_factory=list)

    async def attempt(self, kind: str, call: Callable[[], Awaitable[T]]) -> T:
        """Runs one attempt of `call`, recording its outcome; re-raises its error."""
        started = time.monotonic()
        try:
            result = await call()
        except grpc.aio.AioRpcError as error:
            self.calls.append(Call(kind, started, time.monotonic(), error.code()))
            raise
        self.calls.append(Call(kind, started, time.monotonic(), grpc.StatusCode.OK))
        return result

    def between(self, start: float, end: float) -> list[Call]:
        """Attempts that started at or after `start` and ended at or before `end`."""
        return [c for c in self.calls if c.started >= start and c.ended <= end]

    def first_ok_after(self, moment: float) -> Call | None:
        """The earliest-ending successful attempt that started at or after `moment`."""
        ok = [c for c in self.calls if c.started >= moment and c.code == grpc.StatusCode.OK]
        return min(ok, key=lambda c: c.ended) if ok else None


async def eventually(
    condition: Callable[[], bool],
    *,
    within: float,
    what: str,
    workers: Sequence[asyncio.Task[None]] = (),
    step: float = 0.05,
) -> None:
    """Polls `condition` until it holds; fails naming `what` after `within` seconds.

    A worker task that fails meanwhile fails the wait at once, with its own error.
    """
    deadline = time.monotonic() + within
    while not condition():
        for worker in workers:
            if worker.done() and not worker.cancelled() and worker.exception() is not None:
                await worker
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within:g}s: {what}")
        await asyncio.sleep(step)


async def wait_for_health(
    health: health_pb2_grpc.HealthAsyncStub, status: int, *, service: str = "", within: float
) -> float:
    """Polls the health service until `service` reports `status`; returns when (monotonic)."""
    deadline = time.monotonic() + within
    last: object = None
    while time.monotonic() < deadline:
        try:
            reply = await health.Check(health_pb2.HealthCheckRequest(service=service), timeout=1.0)
            last = reply.status
            if reply.status == status:
                return time.monotonic()
        except grpc.aio.AioRpcError as error:
            last = error.code()
        await asyncio.sleep(0.1)
    raise AssertionError(f"health of {service!r} not {status} within {within:g}s (last: {last})")
