"""`helpdesk serve --workers N`: several processes on one port, each serving, draining on SIGTERM, restarted if killed.

The kernel spreads new connections over the workers (SO_REUSEPORT); each worker exposes its own
metrics on the base metrics port + its index, which is how the test sees who answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import grpc.aio
import psutil
import pytest

from devstack.redis import free_port
from helpdesk.v1 import knowledge_service_pb2, knowledge_service_pb2_grpc
from server.core.errors import ConfigurationError
from server.settings import Settings
from server.workers import check_port_free
from tests.support import TEST_JWT_SECRET, wait_serving

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

CALLS = 24
LIST_CATEGORIES = 'helpdesk_rpc_requests_total{code="OK",method="helpdesk.v1.KnowledgeService/ListCategories"}'


def _two_free_ports() -> int:
    """A port P with P + 1 free too (the second worker's metrics port)."""
    for _ in range(50):
        port = free_port()
        try:
            check_port_free("127.0.0.1", port + 1)
        except ConfigurationError:
            continue
        return port
    raise AssertionError("no two consecutive free ports")


def _serve_workers(settings: Settings, port: int, **variables: str) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of `helpdesk serve --workers 2` on the module's stores."""
    script = Path(sys.executable).with_name("helpdesk")
    command = [str(script)] if script.exists() else [shutil.which("helpdesk") or "helpdesk"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_", "DATABASE_", "REDIS_"))}
    env |= {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "HELPDESK_JWT_SECRET": TEST_JWT_SECRET,
        "HELPDESK_GRPC_PORT": str(port),
        "HELPDESK_METRICS_PORT": "0",
        **variables,
    }
    return [*command, "serve", "--workers", "2"], env


class Workers:
    """`helpdesk serve --workers 2` as a child process."""

    def __init__(self, settings: Settings, log_path: Path) -> None:
        self.port = free_port()
        self.metrics_port = _two_free_ports()
        self.log_path = log_path
        command, env = _serve_workers(
            settings,
            self.port,
            HELPDESK_METRICS_PORT=str(self.metrics_port),
            HELPDESK_RATE_LIMIT_ENABLED="0",
            HELPDESK_LOG_FORMAT="console",
            HELPDESK_SHUTDOWN_GRACE_SECONDS="2",
        )
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)

    def log(self) -> str:
        """The supervisor's and workers' output so far."""
        return self.log_path.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        """The live worker processes (multiprocessing's resource tracker is a child too, and not one)."""
        pids = []
        for child in psutil.Process(self.process.pid).children():
            with contextlib.suppress(psutil.Error):  # gone, or a zombie not yet reaped
                if "spawn_main" in " ".join(child.cmdline()):
                    pids.append(child.pid)
        return pids

    async def wait_serving(self) -> None:
        """Both workers serving: each one's metrics answer and the shared port reports SERVING."""
        await wait_serving(self.port, lambda: None if self.process.poll() is None else self.log()[-3000:], within=90)
        for index in range(2):
            await _wait_for(functools.partial(self._answers_metrics, index), f"worker {index}'s metrics", self.log)

    def _answers_metrics(self, index: int) -> bool:
        return self.calls_on(index) is not None

    def calls_on(self, index: int) -> float | None:
        """ListCategories calls worker `index` answered (None while its metrics do not answer)."""
        try:
            url = f"http://127.0.0.1:{self.metrics_port + index}/metrics"
            with urllib.request.urlopen(url, timeout=2) as response:
                text = response.read().decode()
        except OSError:
            return None
        for line in text.splitlines():
            if line.startswith(LIST_CATEGORIES):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    def stop(self) -> int:
        """SIGTERM to the supervisor; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


async def _wait_for(condition: Callable[[], bool], what: str, log: Callable[[], str], within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"{what} never came; log:\n{log()[-3000:]}"
        await asyncio.sleep(0.2)


@pytest.fixture
def workers(settings: Settings, tmp_path: Path) -> Iterator[Workers]:
    """Two workers on the module's stores; stopped (or killed) at the end whatever happens."""
    running = Workers(settings, tmp_path / "serve.log")
    try:
        yield running
    finally:
        if running.process.poll() is None:
            for pid in running.worker_pids():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            running.process.kill()
            running.process.wait()


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def _call_on_fresh_connections(port: int, count: int) -> None:
    for _ in range(count):
        # A new channel is a new connection, which the kernel hands to one of the workers.
        async with grpc.aio.insecure_channel(
            f"127.0.0.1:{port}", options=[("grpc.use_local_subchannel_pool", 1)]
        ) as channel:
            stub = knowledge_service_pb2_grpc.KnowledgeServiceStub(channel)
            await stub.ListCategories(knowledge_service_pb2.ListCategoriesRequest(), timeout=10)


async def test_two_workers_share_the_port_and_both_answer_then_drain_on_sigterm(workers: Workers) -> None:
    await workers.wait_serving()
    assert len(workers.worker_pids()) == 2
    await _call_on_fresh_connections(workers.port, CALLS)
    counts = [workers.calls_on(0) or 0.0, workers.calls_on(1) or 0.0]
    assert sum(counts) == CALLS, counts
    assert min(counts) > 0, f"one worker answered every call: {counts}"
    pids = workers.worker_pids()
    assert workers.stop() == 0, workers.log()[-3000:]
    assert not any(_running(pid) for pid in pids)
    check_port_free("127.0.0.1", workers.port)


async def test_a_worker_killed_while_serving_is_replaced(workers: Workers) -> None:
    await workers.wait_serving()
    victim = workers.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    await _wait_for(
        lambda: len(workers.worker_pids()) == 2 and victim not in workers.worker_pids(), "a new worker", workers.log
    )
    await workers.wait_serving()
    await _call_on_fresh_connections(workers.port, 4)
    assert "restarting it" in workers.log()
    assert workers.stop() == 0, workers.log()[-3000:]


def test_workers_refuse_a_port_already_in_use(settings: Settings) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        command, env = _serve_workers(settings, port)
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
