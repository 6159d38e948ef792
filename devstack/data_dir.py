"""The dev stack's data directory: its layout, the lock a running `helpdesk dev` holds, one-off database use.

Layout (default `.helpdesk/`):

    postgres/         the PostgreSQL cluster (its unix socket and server.log too)
    redis/            Redis's append-only file and redis.log
    envoy/            the rendered envoy.yaml and envoy.log (with the access log)
    web/              static.log, the web app's file server (it serves clients/web/dist)
    run/, tmp/        XDG_RUNTIME_DIR and TMPDIR of the embedded processes
    seed-state.json   which demo-data steps have run (so a second start reuses the data)
    dev.lock          held by the running `helpdesk dev`
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import psutil

from devstack.postgres import EmbeddedPostgres

_log = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(".helpdesk")
DATABASE_NAME = "helpdesk"


class StackError(Exception):
    """The dev stack cannot start; the message says why and what to do, for the person at the terminal."""


def prepare_data_dir(data_dir: Path) -> Path:
    """Creates the data dir and points XDG_RUNTIME_DIR and TMPDIR of this process (and its children) into it."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    runtime, tmp = data_dir / "run", data_dir / "tmp"
    runtime.mkdir(mode=0o700, exist_ok=True)
    tmp.mkdir(exist_ok=True)
    # Sticky and world-writable like /tmp: PostgreSQL runs as its own user when we are root.
    tmp.chmod(0o1777)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    os.environ["TMPDIR"] = str(tmp)
    return data_dir


class DevLock:
    """An advisory lock on `data_dir/dev.lock`, held by `helpdesk dev` while it runs."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "dev.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Takes the lock or raises StackError naming the process that holds it."""
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise StackError(
                    f"helpdesk dev is already running with data dir {self.path.parent} (pid {holder}); "
                    "stop it first or pass another --data-dir"
                ) from exc
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        """Releases the lock (closing the file is enough; the file itself stays)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    @staticmethod
    def is_held(data_dir: Path) -> bool:
        """Whether a running `helpdesk dev` holds the lock of `data_dir`."""
        path = data_dir / "dev.lock"
        if not path.exists():
            return False
        with path.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False


@contextlib.contextmanager
def embedded_database(data_dir: Path) -> Iterator[str]:
    """The URL of the dev stack's database, for one-off commands (`migrate`, `create-user`).

    Uses the cluster of a running `helpdesk dev` if there is one; otherwise starts it for the
    duration of the block and stops it afterwards.
    """
    data_dir = prepare_data_dir(data_dir)
    postgres = EmbeddedPostgres(data_dir / "postgres")
    started = postgres.start()
    try:
        postgres.ensure_database(DATABASE_NAME)
        yield postgres.url(DATABASE_NAME)
    finally:
        # A `helpdesk dev` that came up meanwhile adopted the cluster: leave it running for it.
        if started and not DevLock.is_held(data_dir):
            postgres.stop()


def stop_leftover_processes(data_dir: Path) -> None:
    """Stops Redis and Envoy processes a crashed `helpdesk dev` left running on this data dir."""
    markers = {"redis-server": str(data_dir / "redis"), "envoy": str(data_dir / "envoy" / "envoy.yaml")}
    for process in psutil.process_iter(["name", "cmdline"]):
        marker = markers.get(process.info.get("name") or "")
        cmdline = " ".join(process.info.get("cmdline") or ())
        if marker is not None and marker in cmdline.split(" "):
            _log.warning("stopping leftover process %d: %s", process.pid, cmdline[:200])
            with contextlib.suppress(psutil.Error):
                process.terminate()
                process.wait(timeout=10)
