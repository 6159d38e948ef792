"""Migration 0022 on an install whose rollup has folded changes: quarter-hours are kept from the next fold on."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from storage.migrations import downgrade_to, upgrade_to_head


async def _execute(url: str, statement: str, **params: object) -> list[tuple[object, ...]]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(statement), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_an_upgrade_keeps_quarter_hours_from_after_the_last_folded_change(empty_database_url: str) -> None:
    await asyncio.to_thread(upgrade_to_head, empty_database_url)
    # A fresh install: nothing folded, quarter-hours from the start.
    assert await _execute(empty_database_url, "SELECT quarters_since FROM report_cursors") == [(None,)]
    await asyncio.to_thread(downgrade_to, empty_database_url, "0021_report_day_ranks")
    last_change = datetime(2026, 12, 7, 9, 44, 59, tzinfo=UTC)
    await _execute(
        empty_database_url,
        "UPDATE report_cursors SET position = 4321, data_time = :at, update_time = :at",
        at=last_change,
    )
    await asyncio.to_thread(upgrade_to_head, empty_database_url)
    rows = await _execute(empty_database_url, "SELECT position, quarters_since FROM report_cursors")
    assert rows == [(4321, datetime(2026, 12, 7, 9, 45, tzinfo=UTC))]
    # A change on a quarter-hour's first instant may be folded already: that quarter-hour is not complete.
    await asyncio.to_thread(downgrade_to, empty_database_url, "0021_report_day_ranks")
    await _execute(
        empty_database_url, "UPDATE report_cursors SET data_time = :at", at=datetime(2026, 12, 7, 9, 45, tzinfo=UTC)
    )
    await asyncio.to_thread(upgrade_to_head, empty_database_url)
    rows = await _execute(empty_database_url, "SELECT quarters_since FROM report_cursors")
    assert rows == [(datetime(2026, 12, 7, 10, 0, tzinfo=UTC),)]
