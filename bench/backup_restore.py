"""`helpdesk backup` and `helpdesk restore` on a large database: how long each takes and how big the dump is.

    .venv/bin/python -m bench.backup_restore                 # 100k tickets, 1M messages
    .venv/bin/python -m bench.backup_restore --tickets 10000

The database is built in bulk (the ticket scenarios' seeding: INSERT ... SELECT generate_series,
10 messages per ticket), never through the API. The dump is restored into a second, freshly
initialised PostgreSQL, and row counts of every table are compared. The commands run as an operator
runs them (`helpdesk` subprocesses on DATABASE_URL); the result goes to
bench/results/backup-restore-<tickets>.json and is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

from bench.scenarios.tickets import DEFAULT_TICKETS, MESSAGES_PER_TICKET, seed_tickets
from devstack.postgres import EmbeddedPostgres

RESULTS = Path(__file__).resolve().parent / "results"
_TABLES = ("users", "tickets", "ticket_messages", "ticket_events", "chats", "chat_messages", "articles")


def _helpdesk(*args: str, database_url: str) -> tuple[float, str]:
    """Runs `helpdesk ARGS` on `database_url`; returns its wall time and output (raises if it fails)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_") and k != "DATABASE_URL"}
    began = time.monotonic()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "helpdesk"), *args],
        env={**env, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - began
    if done.returncode != 0:
        raise RuntimeError(f"helpdesk {args[0]} failed: {done.stderr}")
    return seconds, done.stdout


async def _counts(postgres: EmbeddedPostgres) -> dict[str, int]:
    connection = await asyncpg.connect(host=str(postgres.socket_dir), user="postgres", database="helpdesk")
    try:
        # Fixed table names of this module, never input.
        return {table: int(await connection.fetchval(f"SELECT count(*) FROM {table}")) for table in _TABLES}  # noqa: S608
    finally:
        await connection.close()


def main() -> None:
    """Builds the database, backs it up, restores it into a fresh cluster, and reports."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=DEFAULT_TICKETS)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hd-backup-"))
    source, target = EmbeddedPostgres(root / "a"), EmbeddedPostgres(root / "b")
    try:
        source.start()
        source.ensure_database("helpdesk")
        url = source.url("helpdesk")
        _helpdesk("migrate", database_url=url)
        began = time.monotonic()
        asyncio.run(seed_tickets(url, tickets=args.tickets))
        seed_seconds = time.monotonic() - began
        counts = asyncio.run(_counts(source))
        print(f"seeded {counts['tickets']} tickets, {counts['ticket_messages']} messages in {seed_seconds:.1f} s")
        size = source.psql("SELECT pg_database_size('helpdesk')").strip()

        dump = root / "helpdesk.dump"
        backup_seconds, backup_output = _helpdesk("backup", "--to", str(dump), database_url=url)
        print(backup_output.splitlines()[-1])
        target.start()
        target.ensure_database("helpdesk")
        restore_seconds, restore_output = _helpdesk("restore", "--from", str(dump), database_url=target.url("helpdesk"))
        print(restore_output.splitlines()[-1])
        restored = asyncio.run(_counts(target))
        if restored != counts:
            raise RuntimeError(f"row counts differ after the restore: {counts} != {restored}")
        result = {
            "tickets": counts["tickets"],
            "messages": counts["ticket_messages"],
            "messages_per_ticket": MESSAGES_PER_TICKET,
            "database_bytes": int(size),
            "seed_seconds": round(seed_seconds, 1),
            "backup_seconds": round(backup_seconds, 1),
            "dump_bytes": dump.stat().st_size,
            "restore_seconds": round(restore_seconds, 1),
            "row_counts_equal": True,
            "cpus": os.cpu_count(),
        }
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"backup-restore-{args.tickets}.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=2))
    finally:
        target.stop()
        source.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
