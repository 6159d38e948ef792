"""`helpdesk serve --workers N`: N server processes on one port, so that one host's cores all serve.

A Python process serves on one core (the event loop and the GIL), so a host with several cores
runs several processes. Rather than N ports behind Envoy, every worker binds the same address
with SO_REUSEPORT and the kernel spreads new connections over them, as gunicorn's and uvicorn's
workers share one listening port. Each worker is a whole, independent replica (its own pools,
Redis connections, background jobs), exactly as replicas on separate hosts are: everything that
must happen once across replicas already takes a PostgreSQL lock.

The supervisor (this module, in the parent process) never serves. It checks that the port is
free before starting anyone (SO_REUSEPORT would otherwise let a stale server share it silently),
starts the workers, forwards SIGTERM/SIGINT so that each one drains gracefully, and restarts a
worker that dies while serving. A worker that dies before it is serving is a configuration or
start-up failure that a restart would only repeat: the supervisor then stops the others and
fails.

Sizing: each worker holds up to `db_pool_size + db_max_overflow` PostgreSQL connections, so
`workers * (db_pool_size + db_max_overflow) * hosts` must stay under PostgreSQL's
`max_connections` (minus its reserved ones), or put PgBouncer in between.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import socket
import time
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from multiprocessing.context import SpawnProcess
from multiprocessing.queues import Queue
from types import FrameType

from server.core.errors import ConfigurationError
from server.settings import Settings

_log = logging.getLogger(__name__)

# A worker that dies within this long after it started serving is restarted after a pause
# (a crash loop would otherwise spin a core).
_RESTART_PAUSE_SECONDS = 1.0
# Beyond the drain grace, how long the supervisor waits for workers before killing them.
_STOP_MARGIN_SECONDS = 15.0
# How long a worker may take from its start to serving.
_START_TIMEOUT_SECONDS = 120.0


def worker_settings(settings: Settings, index: int) -> Settings:
    """Worker `index`'s settings: the shared port with SO_REUSEPORT; its own metrics port (base + index)."""
    metrics_port = settings.metrics_port
    if metrics_port is not None and metrics_port > 0:
        metrics_port += index
    return settings.replace(grpc_reuse_port=True, metrics_port=metrics_port)


def check_port_free(host: str, port: int) -> None:
    """Raises ConfigurationError if something already listens on host:port (workers would share it)."""
    if port == 0:
        raise ConfigurationError(
            "--workers needs a fixed HELPDESK_GRPC_PORT: with port 0 each worker would pick its own"
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR as servers set it: a port in TIME_WAIT is free, a listening one is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def _worker_main(settings: Settings, index: int, ready: Queue[tuple[int, int]]) -> None:
    """A worker process: one server, serving until SIGTERM/SIGINT, then draining."""
    import uvloop

    from server.app import serve
    from server.core.logging import configure_logging, skip_unused_record_fields

    configure_logging(settings)
    skip_unused_record_fields()
    uvloop.run(serve(settings, on_started=lambda port: ready.put((index, port))))


@dataclass
class _Worker:
    index: int
    process: SpawnProcess
    started: float = field(default_factory=time.monotonic)
    serving: bool = False


class Supervisor:
    """Starts, watches and stops the worker processes of one `helpdesk serve --workers N`."""

    def __init__(self, settings: Settings, *, workers: int) -> None:
        if workers < 1:
            raise ConfigurationError("--workers must be at least 1")
        self._settings = settings
        self._count = workers
        self._context = multiprocessing.get_context("spawn")
        self._ready: Queue[tuple[int, int]] = self._context.Queue()
        self._workers: dict[int, _Worker] = {}
        self._stopping = False

    def run(self) -> int:
        """Runs the workers until SIGTERM/SIGINT; 0 once all drained, 1 if a worker could not start."""
        check_port_free(self._settings.grpc_host, self._settings.grpc_port)
        previous = {signum: signal.signal(signum, self._on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            for index in range(self._count):
                self._start(index)
            failed = self._watch()
        finally:
            self._stop_all()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return 1 if failed else 0

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if not self._stopping:
            _log.info("stopping %d worker(s) (signal %d)", len(self._workers), signum)
        self._stopping = True

    def _start(self, index: int) -> None:
        process = self._context.Process(
            target=_worker_main,
            args=(worker_settings(self._settings, index), index, self._ready),
            name=f"helpdesk-worker-{index}",
        )
        process.start()
        self._workers[index] = _Worker(index=index, process=process)

    def _watch(self) -> bool:
        """Waits for signals and worker exits; True if a worker failed before serving."""
        while not self._stopping:
            self._collect_ready()
            sentinels = [w.process.sentinel for w in self._workers.values()]
            wait(sentinels, timeout=0.5)
            for worker in list(self._workers.values()):
                if worker.process.is_alive():
                    if not worker.serving and time.monotonic() - worker.started > _START_TIMEOUT_SECONDS:
                        _log.error("worker %d did not start serving in %.0fs", worker.index, _START_TIMEOUT_SECONDS)
                        return True
                    continue
                if self._stopping:
                    break
                self._collect_ready()
                if not worker.serving:
                    _log.error("worker %d exited (code %s) before serving", worker.index, worker.process.exitcode)
                    return True
                _log.warning(
                    "worker %d exited (code %s) while serving; restarting it", worker.index, worker.process.exitcode
                )
                if time.monotonic() - worker.started < 10 * _RESTART_PAUSE_SECONDS:
                    time.sleep(_RESTART_PAUSE_SECONDS)
                self._start(worker.index)
        return False

    def _collect_ready(self) -> None:
        while not self._ready.empty():
            try:
                index, port = self._ready.get_nowait()
            except queue.Empty:  # empty() is only a hint across processes
                return
            worker = self._workers.get(index)
            if worker is not None:
                worker.serving = True
                _log.info("worker %d (pid %s) serving on port %d", index, worker.process.pid, port)

    def _stop_all(self) -> None:
        """SIGTERM to every worker (each drains), then waits; a worker still alive after the margin is killed."""
        for worker in self._workers.values():
            if worker.process.is_alive() and worker.process.pid is not None:
                os.kill(worker.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self._settings.shutdown_grace_seconds + _STOP_MARGIN_SECONDS
        for worker in self._workers.values():
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                _log.warning("worker %d did not stop in time; killing it", worker.index)
                worker.process.kill()
                worker.process.join()
        self._ready.close()
