"""Pieces of the fault-injection tests: server processes to SIGKILL, a log of timed calls, polling."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from devstack.redis import free_port
from tests.support import TEST_JWT_SECRET, wait_serving

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


class ServeProcess:
    """`helpdesk serve` as a child process on a fixed port, configured only by its environment."""

    def __init__(
        self, *, database_url: str, redis_url: str, log_path: Path, extra_env: Mapping[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self._database_url = database_url
        self._redis_url = redis_url
        self._log_path = log_path
        self._extra_env = dict(extra_env or {})
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def alive(self) -> bool:
        """Whether the process is running."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Starts the process (it serves once `wait_serving` returns)."""
        script = Path(sys.executable).with_name("helpdesk")
        command = [str(script)] if script.exists() else [shutil.which("helpdesk") or "helpdesk"]
        # The parent's own configuration must not leak into the child: it gets exactly this.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_", "DATABASE_", "REDIS_"))}
        env.update(
            {
                "DATABASE_URL": self._database_url,
                "REDIS_URL": self._redis_url,
                "HELPDESK_JWT_SECRET": TEST_JWT_SECRET,
                "HELPDESK_GRPC_PORT": str(self.port),
                "HELPDESK_BCRYPT_COST": "4",
                "HELPDESK_LOG_LEVEL": "WARNING",
                # Two replicas must not both claim the default /metrics port.
                "HELPDESK_METRICS_PORT": "-1",
                "HELPDESK_SHUTDOWN_GRACE_SECONDS": "1",
                **self._extra_env,
            }
        )
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [*command, "serve"], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        """SIGKILL: no drain, no NOT_SERVING, no goodbye to clients."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait()
        self._process = None

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the process's output, for failure messages."""
        return self._log_path.read_text(errors="replace")[-chars:] if self._log_path.exists() else ""

    async def wait_serving(self, within: float = 30.0) -> None:
        """Waits until the process reports SERVING on its health service."""
        await wait_serving(self.port, lambda: None if self.alive else self.log_tail(), within=within)


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
