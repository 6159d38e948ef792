"""`helpdesk backup`: pg_dump in custom format, consistent while the servers keep writing."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from storage.backup.connection import ConnectionTarget
from storage.backup.inspect import human_size, inspect_database
from storage.backup.tools import BackupError, find_tool, run_tool

_DUMPING_TABLE = re.compile(r'dumping contents of table "(?:[^"]+\.)?([^"]+)"')
# A dump queued behind a pending exclusive lock (a migration) would queue every query behind it too.
LOCK_WAIT_TIMEOUT = "10s"


@dataclass(frozen=True, slots=True)
class BackupSummary:
    """What was written: the file, its size, the tables in it, how long it took and the schema revision."""

    path: Path
    size_bytes: int
    tables: int
    seconds: float
    revision: str | None


def backup_database(*, url: str, target: Path, report: Callable[[str], None]) -> BackupSummary:
    """Dumps the database of `url` into `target` (written whole or not at all); `report` gets progress lines."""
    started = time.monotonic()
    connection = ConnectionTarget.from_url(url)
    target = target.resolve()
    if not target.parent.is_dir():
        raise BackupError(f"cannot write {target}: directory {target.parent} does not exist")
    facts = asyncio.run(inspect_database(connection))
    if not facts.table_bytes:
        raise BackupError(f"database {connection.database!r} has no tables: nothing to back up")
    pg_dump = find_tool("pg_dump", server_major=facts.server_major)
    report(
        f"backing up database {connection.database!r} (PostgreSQL {facts.server_version}, revision "
        f"{facts.revision or 'none'}, {len(facts.table_bytes)} tables, {human_size(facts.data_bytes)} on disk) "
        f"to {target} with {pg_dump}"
    )
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    env = connection.libpq_environment()
    progress = _DumpProgress(facts.table_bytes, partial, report)
    try:
        run_tool(
            [
                str(pg_dump),
                "--format=custom",
                "--verbose",
                "--no-password",
                f"--lock-wait-timeout={LOCK_WAIT_TIMEOUT}",
                f"--file={partial}",
            ],
            env=env,
            on_line=progress.line,
            on_tick=progress.tick,
        )
        pg_restore = find_tool("pg_restore", server_major=facts.server_major)
        table_count = len(table_data_entries(pg_restore, partial, env))
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    summary = BackupSummary(
        path=target,
        size_bytes=target.stat().st_size,
        tables=table_count,
        seconds=time.monotonic() - started,
        revision=facts.revision,
    )
    report(
        f"backup complete: {target} ({human_size(summary.size_bytes)}, {summary.tables} tables, "
        f"{summary.seconds:.1f} s); restore it with `helpdesk restore --from {target}`"
    )
    return summary


def table_data_entries(pg_restore: Path, archive: Path, env: dict[str, str]) -> list[str]:
    """The tables whose rows the archive holds, read from its table of contents (which proves it is whole)."""
    result = subprocess.run(  # noqa: S603 - a found tool and a file path
        [str(pg_restore), "--list", str(archive)], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{archive} is not a readable backup: {result.stderr.strip()}")
    # Entries read "3350; 0 16390 TABLE DATA public users postgres".
    return [
        entry.split(" TABLE DATA ", 1)[1].split()[1] for entry in result.stdout.splitlines() if " TABLE DATA " in entry
    ]


class _DumpProgress:
    """Turns pg_dump's verbose lines into 'table k of n, x% of the data' lines."""

    def __init__(self, table_bytes: dict[str, int], partial: Path, report: Callable[[str], None]) -> None:
        self._table_bytes = table_bytes
        self._total = max(1, sum(table_bytes.values()))
        self._done = 0
        self._count = 0
        self._partial = partial
        self._report = report

    def line(self, line: str) -> None:
        """One stderr line of pg_dump."""
        match = _DUMPING_TABLE.search(line)
        if match is None:
            return
        table = match.group(1)
        self._count += 1
        size = self._table_bytes.get(table, 0)
        self._report(
            f"  [{self._count:>2}/{len(self._table_bytes)}] {table:<24} {human_size(size):>9}   "
            f"{100 * self._done // self._total:>3}% of the data done"
        )
        self._done += size

    def tick(self) -> None:
        """Called every few seconds while pg_dump works."""
        written = self._partial.stat().st_size if self._partial.exists() else 0
        self._report(f"  ... {human_size(written)} written so far")
