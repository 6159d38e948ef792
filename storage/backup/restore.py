"""`helpdesk restore`: a custom-format dump into an empty database, all or nothing."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from storage.backup.connection import ConnectionTarget
from storage.backup.dump import table_data_entries
from storage.backup.inspect import DatabaseFacts, human_size, inspect_database
from storage.backup.tools import BackupError, find_tool, run_tool

_TABLE_DATA = re.compile(r'processing data for table "(?:[^"]+\.)?([^"]+)"')
_CREATING = re.compile(r"creating (INDEX|CONSTRAINT|FK CONSTRAINT|TRIGGER) ")

# What --force does first: the schema goes, with every table, sequence, function and extension in it,
# and comes back as a fresh database has it.
_CLEAR_STATEMENTS = (
    "DROP SCHEMA IF EXISTS public CASCADE",
    "CREATE SCHEMA public AUTHORIZATION pg_database_owner",
    "GRANT USAGE ON SCHEMA public TO PUBLIC",
)


@dataclass(frozen=True, slots=True)
class RestoreSummary:
    """What was restored: how many tables, the schema revision it carries, and how long it took."""

    tables: int
    revision: str | None
    seconds: float


def restore_database(*, url: str, source: Path, force: bool, report: Callable[[str], None]) -> RestoreSummary:
    """Restores `source` into the database of `url`, which must be empty unless `force` (then it is emptied)."""
    started = time.monotonic()
    connection = ConnectionTarget.from_url(url)
    source = source.resolve()
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    facts = asyncio.run(inspect_database(connection))
    pg_restore = find_tool("pg_restore", server_major=facts.server_major)
    env = connection.libpq_environment()
    tables = table_data_entries(pg_restore, source, env)
    if not facts.empty:
        if not force:
            raise BackupError(_not_empty_message(connection.database, facts))
        report(f"--force: removing everything in database {connection.database!r} first")
        asyncio.run(_execute(connection, *_CLEAR_STATEMENTS))
    report(
        f"restoring {source} ({human_size(source.stat().st_size)}, {len(tables)} tables) into database "
        f"{connection.database!r} (PostgreSQL {facts.server_version}) with {pg_restore}; one transaction: "
        "an interruption leaves the database as it was"
    )
    progress = _RestoreProgress(len(tables), report)
    run_tool(
        [
            str(pg_restore),
            "--verbose",
            "--no-password",
            "--single-transaction",
            "--exit-on-error",
            # The dump's roles may not exist here: whoever restores owns everything.
            "--no-owner",
            "--no-privileges",
            f"--dbname={connection.database}",
            str(source),
        ],
        env=env,
        on_line=progress.line,
        on_tick=progress.tick,
    )
    report("  updating planner statistics (ANALYZE)")
    asyncio.run(_execute(connection, "ANALYZE"))
    restored = asyncio.run(inspect_database(connection))
    summary = RestoreSummary(tables=len(tables), revision=restored.revision, seconds=time.monotonic() - started)
    report(
        f"restore complete: {summary.tables} tables, schema revision {summary.revision or 'none'}, "
        f"{summary.seconds:.1f} s. Run `helpdesk migrate` if this release is newer than the backup, and start the "
        "servers with an empty Redis (its caches describe the data that was there before)."
    )
    return summary


def _not_empty_message(database: str, facts: DatabaseFacts) -> str:
    names = sorted(facts.table_bytes)
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    what = f"{len(names)} tables ({shown})" if names else f"objects ({', '.join(facts.extensions) or 'sequences'})"
    return (
        f"database {database!r} is not empty: it holds {what}. Restore into an empty database "
        "(createdb NAME), or pass --force to replace everything in it"
    )


async def _execute(connection: ConnectionTarget, *statements: str) -> None:
    conn = await connection.connect()
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


class _RestoreProgress:
    """Turns pg_restore's verbose lines into 'table k of n' lines, then the index and constraint phase."""

    def __init__(self, tables: int, report: Callable[[str], None]) -> None:
        self._tables = tables
        self._count = 0
        self._indexes = 0
        self._report = report
        self._phase = "creating the schema"

    def line(self, line: str) -> None:
        """One stderr line of pg_restore."""
        match = _TABLE_DATA.search(line)
        if match is not None:
            self._count += 1
            self._phase = f"loading {match.group(1)}"
            self._report(f"  [{self._count:>2}/{self._tables}] loading {match.group(1)}")
            return
        if _CREATING.search(line) and self._count:
            if self._indexes == 0:
                self._report("  building indexes and constraints")
            self._indexes += 1
            self._phase = f"building indexes and constraints ({self._indexes} done)"

    def tick(self) -> None:
        """Called every few seconds while pg_restore works."""
        self._report(f"  ... {self._phase}")
