"""The breach job across replicas: two servers on one database record each breach once; a restart misses none."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from helpdesk.v1 import ticket_pb2
from server.app import HelpdeskApp
from server.settings import Settings
from storage.db import Database
from tests.server.sla.sla_support import HOUR, FakeClock, SlaStub, make_policy, new_category
from tests.server.tickets.helpers import Cast, TicketStub, open_ticket

TICKETS = 30


async def events_by_type(database: Database, category: str) -> dict[str, int]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT e.type, count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
                "WHERE t.category = :category AND e.type LIKE '%sla%' GROUP BY e.type"
            ),
            {"category": category},
        )
        return {row[0]: int(row[1]) for row in rows}


def breaches(app: HelpdeskApp, target: str) -> float:
    value = app.resources.metrics.registry.get_sample_value("helpdesk_sla_breaches_total", {"target": target})
    return value or 0.0


async def test_two_replicas_record_each_breach_once_and_a_restart_misses_none(
    app: HelpdeskApp,
    sla_settings: Settings,
    database: Database,
    ticket_stub: TicketStub,
    sla_stub: SlaStub,
    cast: Cast,
    clock: FakeClock,
) -> None:
    category = new_category()
    await make_policy(
        sla_stub,
        cast.admin,
        category=category,
        priority=ticket_pb2.TICKET_PRIORITY_LOW,
        first_response=HOUR,
        resolution=3 * HOUR,
    )
    for _ in range(TICKETS):
        await open_ticket(ticket_stub, cast.customer_a, category=category, priority=ticket_pb2.TICKET_PRIORITY_LOW)
    replica = await HelpdeskApp.create(sla_settings, clock=clock)
    await replica.start()
    assert app.sla is not None
    assert replica.sla is not None
    before = breaches(app, "first_response") + breaches(replica, "first_response")
    try:
        clock.advance(HOUR + HOUR / 60)
        # Both replicas' jobs at once, several times over: every ticket is claimed by one of them.
        results = await asyncio.gather(*(job.sla.breaches.run_once() for job in (app, replica) * 3))  # type: ignore[union-attr]
        recorded = sum(result.events.get("first_response_sla_breached", 0) for result in results)
        assert recorded == TICKETS
        assert await events_by_type(database, category) == {"first_response_sla_breached": TICKETS}
        assert breaches(app, "first_response") + breaches(replica, "first_response") == before + TICKETS
    finally:
        await replica.stop(grace=1.0)

    # The other replica is gone; the resolution due time passes while nobody looks.
    clock.advance(2 * HOUR)
    restarted = await HelpdeskApp.create(sla_settings, clock=clock)
    await restarted.start()
    try:
        assert restarted.sla is not None
        first, second = await asyncio.gather(restarted.sla.breaches.run_once(), app.sla.breaches.run_once())
        assert first.events.get("resolution_sla_breached", 0) + second.events.get("resolution_sla_breached", 0) == (
            TICKETS
        )
        assert await events_by_type(database, category) == {
            "first_response_sla_breached": TICKETS,
            "resolution_sla_breached": TICKETS,
        }
    finally:
        await restarted.stop(grace=1.0)
