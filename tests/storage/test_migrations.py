"""Migrations: the schema comes only from them, applies from empty, round-trips, matches the models."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from storage.migrations import alembic_config, current_revisions, downgrade_to, head_revisions, upgrade_to_head
from storage.models import Base

EXPECTED_TABLES = {"users", "auth_sessions", "refresh_tokens", "idempotency_keys"}
# Issue 3 (tickets).
EXPECTED_TABLES |= {"tickets", "ticket_messages", "ticket_events"}
# Issue 4 (knowledge base).
EXPECTED_TABLES |= {"articles", "article_votes"}
# Issue 5 (live chat).
EXPECTED_TABLES |= {"chats", "chat_messages"}
# Issue 15 (live ticket events).
EXPECTED_TABLES |= {"ticket_changes", "ticket_change_log"}
# Issue 17 (automatic assignment).
EXPECTED_TABLES |= {"assignment_settings", "assignment_agents"}
# Issue 17 (SLA policies).
EXPECTED_TABLES |= {"sla_policies"}
# Issue 17 (canned responses, macros).
EXPECTED_TABLES |= {"canned_responses", "macros"}
# Issue 19 (personal data: the erasure audit).
EXPECTED_TABLES |= {"privacy_events", "retention_policy"}
# Issue 18 (reports: the rollups).
EXPECTED_TABLES |= {
    "report_cursors",
    "report_ticket_hours",
    "report_ticket_durations",
    "report_ticket_backlog",
    "report_ticket_facts",
}
# Issue 18 (reports: the day rollups per UTC offset).
EXPECTED_TABLES |= {
    "report_day_offsets",
    "report_ticket_days",
    "report_ticket_day_durations",
    "report_ticket_day_running",
}
# Issue 18 (reports: the quarter-hour rollups for zones at +5:30, +5:45...).
EXPECTED_TABLES |= {"report_ticket_quarters", "report_ticket_quarter_durations"}


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
            )
            return {row[0] for row in rows}
    finally:
        await engine.dispose()


def test_every_branch_grows_from_the_users_revision() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    heads = head_revisions()
    assert heads
    for head in heads:
        lineage = {script.revision for script in scripts.iterate_revisions(head, "base")}
        assert "0001_users_and_sessions" in lineage, head


async def test_upgrade_from_empty_reaches_head(empty_database_url: str) -> None:
    assert await asyncio.to_thread(current_revisions, empty_database_url) == frozenset()
    assert await _tables(empty_database_url) == set()

    await asyncio.to_thread(upgrade_to_head, empty_database_url)

    assert await asyncio.to_thread(current_revisions, empty_database_url) == head_revisions()
    assert await _tables(empty_database_url) == EXPECTED_TABLES


async def test_upgrade_is_idempotent_within_a_process(empty_database_url: str) -> None:
    await asyncio.gather(*(asyncio.to_thread(upgrade_to_head, empty_database_url) for _ in range(3)))
    await asyncio.to_thread(upgrade_to_head, empty_database_url)
    assert await asyncio.to_thread(current_revisions, empty_database_url) == head_revisions()


async def test_replicas_migrating_at_once_take_turns(empty_database_url: str, repo_root: Path) -> None:
    # Several server processes starting together: one migrates, the others find nothing to do.
    script = "import sys; from storage.migrations import upgrade_to_head; upgrade_to_head(sys.argv[1])"
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, empty_database_url, cwd=repo_root, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(2)
    ]
    results = [await process.communicate() for process in processes]
    assert [process.returncode for process in processes] == [0, 0], [err.decode() for _, err in results]
    assert await asyncio.to_thread(current_revisions, empty_database_url) == head_revisions()
    assert await _tables(empty_database_url) == EXPECTED_TABLES


async def test_downgrade_and_upgrade_round_trip(empty_database_url: str) -> None:
    await asyncio.to_thread(upgrade_to_head, empty_database_url)
    await asyncio.to_thread(downgrade_to, empty_database_url, "base")
    assert await asyncio.to_thread(current_revisions, empty_database_url) == frozenset()
    assert await _tables(empty_database_url) == set()

    await asyncio.to_thread(upgrade_to_head, empty_database_url)
    assert await asyncio.to_thread(current_revisions, empty_database_url) == head_revisions()
    assert await _tables(empty_database_url) == EXPECTED_TABLES


# Reflecting the queue index's `priority DESC` applies DESC to the column's reflected DOMAIN type,
# which names no operator class yet in SQLAlchemy (the models' domains do: storage.models.base).
@pytest.mark.filterwarnings("ignore:Type object <class 'sqlalchemy.dialects.postgresql.named_types.DOMAIN'>")
async def test_models_match_the_migrated_schema(database_url: str) -> None:
    # The models describe the tables; only migrations create them. They must not drift apart.
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == []


async def test_calling_from_inside_an_event_loop_is_refused(database_url: str) -> None:
    with pytest.raises(RuntimeError, match="to_thread"):
        upgrade_to_head(database_url)
