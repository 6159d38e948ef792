"""Zones whose offset is not whole hours on an install upgraded to quarter-hour rollups (migration 0022).

Before the upgrade the rollup kept hours alone; from the upgrade on it keeps quarter-hours too
(`report_cursors.quarters_since`). A report in +5:30 over a range starting before that cannot be
exact and is refused, naming `query.start_time`; from then on its figures equal those computed
from the raw rows, read from quarter-hours first and from the offset's day rows once filled.
Whole-hour zones keep their whole history.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from domain.errors import InvalidArgument
from domain.roles import Role
from server.core.context import Principal
from server.reports.domain import Reports
from server.reports.figures import Report, TicketPoint
from server.reports.rollup import TicketRollup
from server.reports.validation import QueryInput
from storage.db import Database
from tests.server.reports.history import History, bucket_key, build, expected_backlog, expected_counts, write

KINDS = ["create", "create", "create", "status", "status", "assign", "category", "priority", "message", "message"]
KOLKATA = ZoneInfo("Asia/Kolkata")


def _check(report: Report[TicketPoint], history: History, zone: ZoneInfo) -> None:
    """Every point of a single-series day report equals the figures computed from the timeline."""
    counts = expected_counts(history, zone=zone, bucket="day", dimension="")
    (series,) = report.series
    ends = [point.start_time for point in series.points[1:]] + [report.end_time]
    for point, end in zip(series.points, ends, strict=True):
        cell = counts.get((bucket_key(point.start_time, zone, "day"), None))
        expected = (0, 0, 0) if cell is None else (cell.created, cell.resolved, cell.reopened)
        assert (point.created, point.resolved, point.reopened) == expected, point.start_time
        assert point.backlog == expected_backlog(history, at=end, dimension="").get(None, 0), point.start_time


async def test_an_upgraded_install_answers_zones_of_half_hours_from_its_upgrade_on(
    database: Database, people: dict[str, uuid.UUID]
) -> None:
    pick = random.Random("quarters")
    operations = [
        (pick.choice(KINDS), pick.randrange(50), pick.randrange(600, 6 * 3600), pick.randrange(12)) for _ in range(300)
    ]
    base = datetime(2026, 3, 1, tzinfo=UTC)
    history = build(base=base, operations=operations, sla=[(False, False)], agents=[people["agent"], people["agent_b"]])
    await write(
        database, history, customer=people["customer"], staff={"agent": people["agent"], "admin": people["admin"]}
    )
    rollup = TicketRollup(database=database, interval_seconds=3600, batch_size=100)
    # Before the upgrade: the first 100 changes folded into hours (their quarter-hours dropped, as never kept).
    assert await rollup.fold_batch(wait=True) == 100
    async with database.unit_of_work() as uow:
        await uow.session.execute(text("TRUNCATE report_ticket_quarters, report_ticket_quarter_durations"))
        # What migration 0022 does to a cursor that has folded changes.
        await uow.session.execute(
            text(
                "UPDATE report_cursors SET quarters_since = date_bin('15 minutes', data_time, TIMESTAMPTZ 'epoch')"
                " + interval '15 minutes' WHERE position > 0"
            )
        )
    assert await rollup.run_once(wait=True) == len(history.steps) - 100
    since = history.steps[99].time
    admin = Principal(user_id=people["admin"], role=Role.ADMIN, session_id=uuid.uuid4())
    reports = Reports(database=database)
    end = history.steps[-1].time + timedelta(days=1)

    def query(zone: str, start: datetime) -> QueryInput:
        return QueryInput(start_time=start, end_time=end, time_zone=zone, bucket=2)

    for read in (reports.tickets, reports.agent_load):
        with pytest.raises(InvalidArgument) as refused:
            await read(principal=admin, query=query("Asia/Kolkata", base))
        assert [violation.field for violation in refused.value.violations] == ["query.start_time"]
    # A whole-hour zone reads its whole history.
    whole = await reports.tickets(principal=admin, query=query("America/Sao_Paulo", base))
    _check(whole, history, ZoneInfo("America/Sao_Paulo"))
    assert whole.series[0].total.created == sum(step.kind == "created" for step in history.steps)
    # From the first Kolkata midnight after the upgrade: from quarter-hours, then from the offset's days.
    first_day = (since + timedelta(days=1)).astimezone(KOLKATA).replace(hour=0, minute=0, second=0, microsecond=0)
    later = query("Asia/Kolkata", first_day.astimezone(UTC))
    from_quarters = await reports.tickets(principal=admin, query=later)
    assert from_quarters.start_time.minute == 30
    _check(from_quarters, history, KOLKATA)
    async with database.unit_of_work() as uow:
        assert await uow.reports.day_offsets() == {330: False, -180: False}
    await rollup.run_once(wait=True)
    from_days = await reports.tickets(principal=admin, query=later)
    assert from_days.series == from_quarters.series
    assert sum(point.created for point in from_days.series[0].points) > 0
