"""The rollup across replicas: two servers folding while both take writes count each change once; a fold cut
short (a replica dying mid-transaction) leaves nothing behind, and the next fold counts everything; in zones of
whole-hour offsets and in those whose hours and days start inside UTC hours alike."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import TypeAlias

import grpc.aio
from sqlalchemy import text

from domain.roles import Role
from helpdesk.v1 import ticket_pb2, ticket_service_pb2, ticket_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Principal
from server.reports.domain import Reports
from server.reports.validation import QueryInput
from server.settings import Settings
from storage.db import Database
from tests.server.tickets.helpers import Cast, move_to, open_ticket

TicketStub: TypeAlias = "ticket_service_pb2_grpc.TicketServiceAsyncStub"
AGENT = 1  # ReportDimension AGENT


async def _raw_figures(database: Database) -> tuple[int, int, dict[uuid.UUID | None, int]]:
    """Created and resolved counts from the change log, and the open tickets per assignee from `tickets`."""
    async with database.engine.connect() as connection:
        created = (
            await connection.execute(text("SELECT count(*) FROM ticket_changes WHERE kind = 'created'"))
        ).scalar_one()
        resolved = (
            await connection.execute(
                text(
                    "SELECT count(*) FROM ticket_changes"
                    " WHERE old_status IN ('open', 'in_progress', 'waiting_on_customer')"
                    " AND new_status IN ('resolved', 'closed')"
                )
            )
        ).scalar_one()
        rows = await connection.execute(
            text(
                "SELECT assignee_id, count(*) FROM tickets"
                " WHERE status IN ('open', 'in_progress', 'waiting_on_customer') GROUP BY 1"
            )
        )
        return int(created), int(resolved), {row[0]: int(row[1]) for row in rows}


# The zones and buckets each report is read in: UTC days, and zones whose days (+5:30) and hours (+5:45) start
# inside UTC hours, read from the quarter-hour rows as well.
ZONES = (("UTC", 2), ("Asia/Kolkata", 2), ("Asia/Kathmandu", 1))


async def _report_figures(
    database: Database, admin: str, zone: str = "UTC", bucket: int = 2
) -> tuple[int, int, dict[uuid.UUID | None, int]]:
    now = datetime.now(UTC)
    report = await Reports(database=database).tickets(
        principal=Principal(user_id=uuid.UUID(admin), role=Role.ADMIN, session_id=uuid.uuid4()),
        query=QueryInput(
            start_time=now - timedelta(days=1),
            end_time=now + timedelta(hours=1),
            time_zone=zone,
            bucket=bucket,
            group_by=AGENT,
        ),
    )
    created = sum(series.total.created for series in report.series)
    resolved = sum(series.total.resolved for series in report.series)
    backlog = {series.group.agent_id: series.total.backlog for series in report.series if series.total.backlog}
    return created, resolved, backlog


async def _churn(stub: TicketStub, cast: Cast, seed: int) -> None:
    """Tickets opened, assigned, resolved and reopened through one replica."""
    rng = random.Random(seed)
    for _ in range(6):
        ticket = await open_ticket(stub, rng.choice([cast.customer_a, cast.customer_b]))
        agent = rng.choice([cast.agent_a, cast.agent_b])
        await stub.AssignTicket(
            ticket_service_pb2.AssignTicketRequest(id=ticket.id, assignee_id=agent.user_id),
            metadata=cast.admin.metadata,
        )
        if rng.random() < 0.7:
            await move_to(stub, ticket.id, ticket_pb2.TICKET_STATUS_RESOLVED, agent)
            if rng.random() < 0.4:
                await move_to(stub, ticket.id, ticket_pb2.TICKET_STATUS_OPEN, agent)


async def test_two_replicas_folding_under_writes_count_each_change_once(
    app: HelpdeskApp, report_settings: Settings, database: Database, cast: Cast
) -> None:
    busy = report_settings.replace(report_rollup_interval_seconds=0.05)
    replicas = [await HelpdeskApp.create(busy) for _ in range(2)]
    for replica in replicas:
        await replica.start()
    try:
        channels = [grpc.aio.insecure_channel(f"127.0.0.1:{replica.port}") for replica in replicas]
        stubs = [ticket_service_pb2_grpc.TicketServiceStub(channel) for channel in channels]
        # Writes through both replicas while both replicas' jobs fold every ~50 ms.
        await asyncio.gather(*(_churn(stubs[seed % 2], cast, seed) for seed in range(6)))
        for channel in channels:
            await channel.close()
        assert replicas[0].reports is not None
        await replicas[0].reports.rollup.run_once(wait=True)
    finally:
        for replica in replicas:
            await replica.stop(grace=1.0)
    created, resolved, backlog = await _raw_figures(database)
    assert created >= 36
    for zone, bucket in ZONES:
        assert await _report_figures(database, cast.admin.user_id, zone, bucket) == (created, resolved, backlog), zone


async def test_a_fold_cut_short_leaves_nothing_and_the_next_counts_all(
    app: HelpdeskApp, database: Database, ticket_stub: TicketStub, cast: Cast
) -> None:
    assert app.reports is not None
    rollup = app.reports.rollup
    await rollup.run_once(wait=True)
    before = await _report_figures(database, cast.admin.user_id)
    for _ in range(3):
        await open_ticket(ticket_stub, cast.customer_a)
    # Another transaction holds the backlog row of unassigned tickets: the fold adds its hour rows, then waits.
    async with database.engine.connect() as blocker, blocker.begin():
        await blocker.execute(
            text(
                "SELECT 1 FROM report_ticket_backlog WHERE agent_id = '00000000-0000-0000-0000-000000000000'"
                " AND category = '' AND priority = 2 FOR UPDATE"
            )
        )
        fold = asyncio.create_task(rollup.fold_batch(wait=True))
        await asyncio.sleep(0.5)
        assert not fold.done()
        # The replica dies mid-fold: its transaction never commits.
        fold.cancel()
        await asyncio.gather(fold, return_exceptions=True)
    async with database.engine.connect() as connection:
        waiting = await connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        )
        assert waiting.scalar_one() == 0
    # Nothing of the cut fold was kept.
    for zone, bucket in ZONES:
        assert await _report_figures(database, cast.admin.user_id, zone, bucket) == before, zone
    assert await rollup.run_once(wait=True) == 3
    created, resolved, backlog = await _raw_figures(database)
    for zone, bucket in ZONES:
        assert await _report_figures(database, cast.admin.user_id, zone, bucket) == (created, resolved, backlog), zone
    assert created == before[0] + 3
