"""Fixtures for the dev-stack and CLI tests: data directories that leave nothing running behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from devstack.postgres import EmbeddedPostgres


def processes_using(directory: Path) -> list[psutil.Process]:
    """Processes (other than `helpdesk` itself) whose command line names `directory`."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info.get("cmdline") or ())
        if str(directory) in cmdline and process.pid != os.getpid() and "bin/helpdesk " not in cmdline:
            found.append(process)
    return found


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A fresh data dir for `helpdesk`; anything still running on it afterwards fails the test.

    It lives directly under the system temp dir, not under pytest's `tmp_path`: the embedded
    PostgreSQL runs as its own user and needs to traverse every parent directory, and pytest
    makes its own base directory private again whenever a pytest session starts.
    """
    scratch = Path(tempfile.mkdtemp(prefix="helpdesk-test-"))
    scratch.chmod(0o755)
    directory = scratch / "data"
    yield directory
    postgres = EmbeddedPostgres(directory / "postgres")
    postgres_running = postgres.is_running()
    if postgres_running:
        postgres.stop()
    leftovers = processes_using(directory)
    for process in leftovers:
        process.kill()
    shutil.rmtree(scratch, ignore_errors=True)
    assert not leftovers, f"left running: {leftovers}"
    assert not postgres_running, "PostgreSQL left running"


@pytest.fixture
def running_on() -> Callable[[Path], list[psutil.Process]]:
    """`processes_using`, for tests that check mid-way that a stop left nothing behind."""
    return processes_using
