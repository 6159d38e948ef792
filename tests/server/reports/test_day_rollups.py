"""The local-day rollups: asked for by a report, filled from the hours by the next fold, then the same figures.

A report in a zone whose days the rollup does not keep yet reads the hourly rows and asks for the
zone's offsets; the next fold fills those days from the hourly rows (under the cursor, with
whatever the hours hold by then) and keeps them from then on. The report read from the days must
equal the one read from the hours, point by point, before and after more changes are folded.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from domain.roles import Role
from server.core.context import Principal
from server.reports.domain import Reports
from server.reports.figures import LoadPoint, Report, TicketPoint
from server.reports.rollup import TicketRollup
from server.reports.validation import QueryInput
from storage.db import Database
from tests.server.reports.history import build, write

KINDS = ["create", "create", "create", "status", "status", "assign", "category", "priority", "message", "message"]


async def _asked(database: Database) -> dict[int, bool]:
    async with database.unit_of_work() as uow:
        return await uow.reports.day_offsets()


@pytest.mark.parametrize(
    ("zone", "bucket", "group_by"),
    [("America/Sao_Paulo", 2, 0), ("America/New_York", 3, 1), ("Europe/London", 2, 2), ("Asia/Tokyo", 3, 3)],
)
async def test_a_report_from_the_days_equals_the_report_from_the_hours(
    database: Database, people: dict[str, uuid.UUID], zone: str, bucket: int, group_by: int
) -> None:
    pick = random.Random(f"{zone}{bucket}{group_by}")
    operations = [
        (pick.choice(KINDS), pick.randrange(50), pick.randrange(600, 9 * 3600), pick.randrange(12)) for _ in range(400)
    ]
    # From the Saturday before the US spring change: weeks and days on both sides of it.
    base = datetime(2026, 3, 7, tzinfo=UTC)
    history = build(
        base=base, operations=operations, sla=[(True, False), (True, True)], agents=[people["agent"], people["agent_b"]]
    )
    await write(
        database, history, customer=people["customer"], staff={"agent": people["agent"], "admin": people["admin"]}
    )
    async with database.unit_of_work() as uow:
        await uow.session.execute(text("TRUNCATE report_day_offsets"))
    rollup = TicketRollup(database=database, interval_seconds=3600, batch_size=50)
    for _ in range(3):
        assert await rollup.fold_batch(wait=True) == 50
    admin = Principal(user_id=people["admin"], role=Role.ADMIN, session_id=uuid.uuid4())
    query = QueryInput(
        start_time=base - timedelta(days=1),
        end_time=base + timedelta(days=60),
        time_zone=zone,
        bucket=bucket,
        group_by=group_by,
    )
    reports = Reports(database=database)

    # Read from the hours; the zone's offsets are asked for.
    await reports.tickets(principal=admin, query=query)
    asked = await _asked(database)
    assert asked
    assert not any(asked.values())
    # The next run fills the days from the 150 changes' hours, then folds the rest into hours and days.
    assert await rollup.run_once(wait=True) == len(history.steps) - 150
    assert all((await _asked(database)).values())
    from_days = await reports.tickets(principal=admin, query=query)
    load_from_days = await reports.agent_load(principal=admin, query=query)
    async with database.unit_of_work() as uow:
        await uow.session.execute(text("TRUNCATE report_day_offsets"))
    from_hours = await reports.tickets(principal=admin, query=query)
    load_from_hours = await reports.agent_load(principal=admin, query=query)
    assert _points(from_days) == _points(from_hours)
    assert _open_tickets(load_from_days) == _open_tickets(load_from_hours)
    assert sum(point.created for point in _points(from_days)) > 0


def _open_tickets(report: Report[LoadPoint]) -> list[tuple[uuid.UUID | None, list[int]]]:
    return [(series.group.agent_id, [point.open_tickets for point in series.points]) for series in report.series]


def _points(report: Report[TicketPoint]) -> list[TicketPoint]:
    return [point for series in report.series for point in (*series.points, series.total)]
