"""The Helpdesk server under test, on its own embedded PostgreSQL and Redis in a temporary directory.

The stack is production-shaped: `helpdesk serve` (production mode, a random JWT secret, default
settings such as bcrypt cost 12) as a separate process, pointed at a database `helpdesk migrate`
built. Scenarios seed what they need through the public API, or in bulk with SQL of their own.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

import grpc
from grpc_health.v1 import health_pb2

from bench.probe import with_descendants
from devstack.postgres import EmbeddedPostgres
from devstack.redis import EmbeddedRedis, free_port

_READY_TIMEOUT_S = 60.0
_HEALTH_CHECK = "/grpc.health.v1.Health/Check"
_STOP_TIMEOUT_S = 20.0
LOGIN_LIMIT_PER_IP = 1_000_000
# Set for the load generators (they inherit the environment): the database scenarios bulk-seed, and
# PostgreSQL's log, where auto_explain writes the plans of served queries.
DATABASE_URL_ENV = "HELPDESK_BENCH_DATABASE_URL"
POSTGRES_LOG_ENV = "HELPDESK_BENCH_POSTGRES_LOG"
# A PostgreSQL data directory kept between runs (created on first use, migrated every run): what a
# scenario seeded, a million report tickets and their folded rollups, is there the next time.
DATA_DIR_ENV = "HELPDESK_BENCH_DATA_DIR"
# Variables of the caller's environment that must not leak into the server under test.
_SCRUBBED_PREFIXES = ("HELPDESK_", "DATABASE_URL", "REDIS_URL")


class StackError(RuntimeError):
    """The stack could not be started; the message carries the end of the server's log."""


class HelpdeskStack:
    """Embedded PostgreSQL + Redis + a `helpdesk serve` process, under one temporary directory.

    With HELPDESK_BENCH_DATA_DIR set, PostgreSQL's data directory is that one instead, and survives the run.
    """

    def __init__(
        self,
        *,
        server_env: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        server_prefix: Sequence[str] = (),
        ready_timeout_s: float = _READY_TIMEOUT_S,
    ) -> None:
        self._server_env = dict(server_env or {})
        self._host = host
        # A command the server runs under (e.g. valgrind for instruction counts; see bench.hotspots).
        self._server_prefix = list(server_prefix)
        self._ready_timeout_s = ready_timeout_s
        self._root: Path | None = None
        self._postgres: EmbeddedPostgres | None = None
        self._redis: EmbeddedRedis | None = None
        self._server: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._address = ""

    @property
    def address(self) -> str:
        """`host:port` of the Helpdesk gRPC server."""
        return self._address

    @property
    def server_pid(self) -> int:
        """PID of the `helpdesk serve` process."""
        if self._server is None:
            raise RuntimeError("the Helpdesk server is not running")
        return self._server.pid

    @property
    def server_log(self) -> Path | None:
        """The server's log file (inside the temporary directory, gone after `stop`)."""
        return self._root / "server.log" if self._root else None

    def store_pids(self) -> list[int]:
        """The postmaster and its backends, and redis-server."""
        roots: list[int] = []
        if self._postgres is not None:
            pid_file = self._postgres.data_dir / "postmaster.pid"
            if pid_file.exists():
                roots.append(int(pid_file.read_text().split("\n", 1)[0]))
        if self._redis is not None and self._redis.pid is not None:
            roots.append(self._redis.pid)
        return with_descendants(roots)

    def start(self) -> None:
        """Starts PostgreSQL and Redis, migrates, starts the server and waits until it reports SERVING."""
        # Short path: PostgreSQL's unix socket lives in its data dir (107-byte limit).
        self._root = Path(tempfile.mkdtemp(prefix="hd-bench-"))
        try:
            # auto_explain loaded but off (no cost until a scenario turns it on to log served plans).
            kept = os.environ.get(DATA_DIR_ENV)
            data_dir = Path(kept) if kept else self._root / "pg"
            self._postgres = EmbeddedPostgres(data_dir, settings={"shared_preload_libraries": "auto_explain"})
            self._postgres.start()
            self._postgres.ensure_database("helpdesk")
            database_url = self._postgres.url("helpdesk")
            self._migrate(database_url)
            # Scenarios that bulk-seed in PostgreSQL (tickets) find it here; load generators inherit it.
            os.environ[DATABASE_URL_ENV] = database_url
            os.environ[POSTGRES_LOG_ENV] = str(self._postgres.log_path)
            self._redis = EmbeddedRedis(self._root / "redis", persist=False)
            self._redis.start()
            port = free_port(self._host)
            self._address = f"{self._host}:{port}"
            self._start_server(database_url=database_url, redis_url=self._redis.url, port=port)
            self._wait_serving()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stops the server gracefully (SIGTERM), then Redis and PostgreSQL, and removes the directory.

        A data directory named by HELPDESK_BENCH_DATA_DIR is kept (PostgreSQL stopped).
        """
        if self._server is not None:
            if self._server.poll() is None:
                self._server.terminate()
                try:
                    self._server.wait(timeout=_STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    self._server.kill()
                    self._server.wait()
            self._server = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._redis is not None:
            self._redis.stop()
            self._redis = None
        if self._postgres is not None:
            self._postgres.stop()
            self._postgres = None
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    def _migrate(self, database_url: str) -> None:
        """`helpdesk migrate`, as an operator would run it."""
        env = {key: value for key, value in os.environ.items() if not key.startswith(_SCRUBBED_PREFIXES)}
        migrated = subprocess.run(
            [*_helpdesk_command(), "migrate"],
            env={**env, "DATABASE_URL": database_url},
            cwd=self._root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if migrated.returncode != 0:
            raise StackError(f"helpdesk migrate failed ({migrated.returncode}):\n{migrated.stderr.strip()}")

    def _start_server(self, *, database_url: str, redis_url: str, port: int) -> None:
        assert self._root is not None
        env = {key: value for key, value in os.environ.items() if not key.startswith(_SCRUBBED_PREFIXES)}
        env.update(
            {
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "HELPDESK_JWT_SECRET": secrets.token_urlsafe(48),
                "HELPDESK_GRPC_HOST": self._host,
                "HELPDESK_GRPC_PORT": str(port),
                # Nothing is in flight when the harness stops the server: don't wait the default 10 s.
                "HELPDESK_SHUTDOWN_GRACE_SECONDS": "2",
                # Sign-in attempts are counted per client address BEFORE the password check (and
                # taken back on success), so 20+ concurrent logins from the bench's one address
                # would trip the default limit. The limit's value does not change the limiter's cost.
                "HELPDESK_LOGIN_MAX_FAILURES_PER_IP": str(LOGIN_LIMIT_PER_IP),
                # All load comes from one address: the general limiter would measure itself, not the
                # scenario (`--server-env HELPDESK_RATE_LIMIT_ENABLED=1` measures its cost).
                "HELPDESK_RATE_LIMIT_ENABLED": "0",
                "HELPDESK_METRICS_PORT": "-1",
            }
        )
        env.update(self._server_env)
        self._log = (self._root / "server.log").open("wb")
        self._server = subprocess.Popen(
            [*self._server_prefix, *_helpdesk_command(), "serve"],
            env=env,
            cwd=self._root,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def _wait_serving(self) -> None:
        assert self._server is not None
        deadline = time.monotonic() + self._ready_timeout_s
        with grpc.insecure_channel(self._address) as channel:
            check = channel.unary_unary(
                _HEALTH_CHECK,
                request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
                response_deserializer=health_pb2.HealthCheckResponse.FromString,
            )
            while time.monotonic() < deadline:
                if self._server.poll() is not None:
                    raise StackError(f"helpdesk serve exited with {self._server.returncode}:\n{self._log_tail()}")
                try:
                    response = check(health_pb2.HealthCheckRequest(service=""), timeout=1.0)
                    if response.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass  # not listening yet
                time.sleep(0.1)
        raise StackError(
            f"helpdesk serve did not report SERVING within {self._ready_timeout_s:g} s:\n{self._log_tail()}"
        )

    def _log_tail(self, lines: int = 30) -> str:
        log = self.server_log
        if log is None or not log.exists():
            return "(no server log)"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _helpdesk_command() -> list[str]:
    # The console script installed beside this interpreter, so the bench runs the venv's server.
    script = Path(sys.executable).with_name("helpdesk")
    if script.exists():
        return [str(script)]
    found = shutil.which("helpdesk")
    if found:
        return [found]
    raise StackError("the `helpdesk` console script is not installed (pip install -e .)")
