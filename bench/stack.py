"""The Helpdesk server under test, on its own embedded PostgreSQL and Redis in a temporary directory.

The stack is production-shaped: `helpdesk serve` (production mode, a random JWT secret, default
settings such as bcrypt cost 12) as a separate process, pointed at a database `helpdesk migrate`
built. Scenarios seed what they need through the public API, or in bulk with SQL of their own.

A second `helpdesk serve`, from another checkout's own venv (`start_old`), can run beside the first
on the same PostgreSQL, for comparing two versions in one run (`bench.compare`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
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
# Variables of the caller's environment that must not leak into the server under test (a
# PYTHONPATH would put this checkout's code in front of another checkout's server).
_SCRUBBED_PREFIXES = ("HELPDESK_", "DATABASE_URL", "REDIS_URL", "PYTHONPATH")


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
        self._jwt_secret = secrets.token_urlsafe(48)
        self._old: OldServer | None = None

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

    @property
    def redis_url(self) -> str:
        """URL of the stack's Redis."""
        if self._redis is None:
            raise RuntimeError("the stack is not running")
        return self._redis.url

    def postgres_url(self, database: str) -> str:
        """Libpq URL (for asyncpg) of `database` on the stack's PostgreSQL, created if missing."""
        if self._postgres is None:
            raise RuntimeError("the stack is not running")
        self._postgres.ensure_database(database)
        return self._postgres.url(database).replace("postgresql+asyncpg://", "postgresql://", 1)

    def store_pids(self) -> list[int]:
        """The postmaster and its backends, and redis-server."""
        return with_descendants([*self._postgres_root(), *_redis_root(self._redis)])

    def _postgres_root(self) -> list[int]:
        if self._postgres is not None:
            pid_file = self._postgres.data_dir / "postmaster.pid"
            if pid_file.exists():
                return [int(pid_file.read_text().split("\n", 1)[0])]
        return []

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
            self._log = (self._root / "server.log").open("wb")
            self._server = self._start_server(
                _helpdesk_command(), database_url=database_url, redis_url=self._redis.url, port=port, log=self._log
            )
            self._wait_serving(self._server, self._address, self._root / "server.log")
        except BaseException:
            self.stop()
            raise

    def start_old(self, helpdesk: Sequence[str]) -> OldServer:
        """Starts a second server, the `helpdesk` command of another checkout, on the same PostgreSQL.

        Its schema is the one already migrated (the caller made sure the other checkout's migrations
        are this one's, or a prefix of them: then it runs on a newer schema than its own); it gets a
        Redis of its own, so that neither version finds the other's cache entries or pub/sub
        messages, in formats it may not share.
        """
        assert self._root is not None
        assert self._postgres is not None
        redis = EmbeddedRedis(self._root / "redis-old", persist=False)
        old = OldServer(redis, stores=lambda: with_descendants([*self._postgres_root(), *_redis_root(redis)]))
        self._old = old
        redis.start()
        port = free_port(self._host)
        old.address = f"{self._host}:{port}"
        log_path = self._root / "server-old.log"
        old.log = log_path.open("wb")
        old.process = self._start_server(
            helpdesk, database_url=self._postgres.url("helpdesk"), redis_url=redis.url, port=port, log=old.log
        )
        self._wait_serving(old.process, old.address, log_path)
        return old

    def stop(self) -> None:
        """Stops the server gracefully (SIGTERM), then Redis and PostgreSQL, and removes the directory.

        A data directory named by HELPDESK_BENCH_DATA_DIR is kept (PostgreSQL stopped).
        """
        if self._old is not None:
            self._old.stop()
            self._old = None
        _stop_process(self._server)
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

    def _start_server(
        self, helpdesk: Sequence[str], *, database_url: str, redis_url: str, port: int, log: IO[bytes]
    ) -> subprocess.Popen[bytes]:
        assert self._root is not None
        env = {key: value for key, value in os.environ.items() if not key.startswith(_SCRUBBED_PREFIXES)}
        env.update(
            {
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                # One secret, as replicas of one deployment share it.
                "HELPDESK_JWT_SECRET": self._jwt_secret,
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
        return subprocess.Popen(
            [*self._server_prefix, *helpdesk, "serve"],
            env=env,
            cwd=self._root,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def _wait_serving(self, server: subprocess.Popen[bytes], address: str, log: Path) -> None:
        deadline = time.monotonic() + self._ready_timeout_s
        with grpc.insecure_channel(address) as channel:
            check = channel.unary_unary(
                _HEALTH_CHECK,
                request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
                response_deserializer=health_pb2.HealthCheckResponse.FromString,
            )
            while time.monotonic() < deadline:
                if server.poll() is not None:
                    raise StackError(f"helpdesk serve exited with {server.returncode}:\n{_log_tail(log)}")
                try:
                    response = check(health_pb2.HealthCheckRequest(service=""), timeout=1.0)
                    if response.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass  # not listening yet
                time.sleep(0.1)
        raise StackError(f"helpdesk serve did not report SERVING within {self._ready_timeout_s:g} s:\n{_log_tail(log)}")


class OldServer:
    """The other checkout's `helpdesk serve` beside the stack's own: same PostgreSQL, a Redis of its own."""

    def __init__(self, redis: EmbeddedRedis, *, stores: Callable[[], list[int]]) -> None:
        self._redis = redis
        self._stores = stores
        self.address = ""
        self.process: subprocess.Popen[bytes] | None = None
        self.log: IO[bytes] | None = None

    @property
    def server_pid(self) -> int:
        """PID of the other checkout's `helpdesk serve`."""
        if self.process is None:
            raise RuntimeError("the old server is not running")
        return self.process.pid

    def store_pids(self) -> list[int]:
        """The shared postmaster and its backends, and this server's own redis-server."""
        return self._stores()

    def stop(self) -> None:
        """Stops the server (SIGTERM, then SIGKILL after a grace period) and its Redis."""
        _stop_process(self.process)
        self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None
        self._redis.stop()


def _redis_root(redis: EmbeddedRedis | None) -> list[int]:
    return [redis.pid] if redis is not None and redis.pid is not None else []


def _stop_process(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _log_tail(log: Path, lines: int = 30) -> str:
    if not log.exists():
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
