"""GetTicket held in memory and the SLA's writes that log no edit: stage moves and policy deletions, two replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc.aio
import pytest

from helpdesk.v1 import sla_service_pb2
from server.app import HelpdeskApp
from server.settings import Settings
from tests.server.sla.sla_support import HOUR, FakeClock, SlaStub, make_policy, new_category
from tests.server.tickets.held_support import Replica, from_postgresql, held_by
from tests.server.tickets.helpers import Cast, TicketStub, open_ticket
from tests.support import becomes_true


@pytest.fixture
async def replicas(
    app: HelpdeskApp, sla_settings: Settings, clock: FakeClock
) -> AsyncIterator[tuple[Replica, Replica]]:
    """The module's server (A) and a second one (B) on the same database, Redis and SLA clock."""
    other = await HelpdeskApp.create(sla_settings, clock=clock)
    await other.start()
    try:
        async with (
            grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as to_a,
            grpc.aio.insecure_channel(f"127.0.0.1:{other.port}") as to_b,
        ):
            a, b = Replica(app, to_a), Replica(other, to_b)
            assert await becomes_true(lambda: a.live)
            assert await becomes_true(lambda: b.live)
            yield a, b
    finally:
        await other.stop(grace=1.0)


async def _held_on_both(replicas: tuple[Replica, Replica], ticket_id: str, cast: Cast) -> None:
    for replica in replicas:
        await held_by(replica, ticket_id, cast.agent_a)


async def test_a_breach_recorded_by_the_job_shows_at_once_and_on_the_other_replica_when_announced(
    replicas: tuple[Replica, Replica], ticket_stub: TicketStub, sla_stub: SlaStub, cast: Cast, clock: FakeClock
) -> None:
    a, b = replicas
    category = new_category()
    await make_policy(sla_stub, cast.admin, category=category, first_response=HOUR)
    ticket = await open_ticket(ticket_stub, cast.customer_a, category=category)
    await _held_on_both(replicas, ticket.id, cast)
    announced_to_b = b.dropped(ticket.id)

    clock.advance(HOUR + HOUR / 60)
    assert a.app.sla is not None
    assert (await a.app.sla.breaches.run_once()).tickets >= 1

    # The stage moved without an edit (same etag): the replica that recorded it shows it at once...
    on_a = await a.get(ticket.id, cast.agent_a)
    assert on_a.first_response_breached
    assert on_a == await from_postgresql(a.app, ticket.id, staff=True)
    # ...the other once the announcement has arrived.
    await asyncio.wait_for(announced_to_b.wait(), timeout=5)
    assert await b.get(ticket.id, cast.agent_a) == on_a


async def test_deleting_a_policy_clears_it_from_held_tickets_on_both_replicas(
    replicas: tuple[Replica, Replica], ticket_stub: TicketStub, sla_stub: SlaStub, cast: Cast
) -> None:
    a, b = replicas
    category = new_category()
    policy = await make_policy(sla_stub, cast.admin, category=category)
    ticket = await open_ticket(ticket_stub, cast.customer_a, category=category)
    await _held_on_both(replicas, ticket.id, cast)
    assert (await a.get(ticket.id, cast.agent_a)).sla_policy_id == policy.id
    announced_to_b = b.dropped(ticket.id)

    # On A: the module's stub.
    await sla_stub.DeleteSlaPolicy(
        sla_service_pb2.DeleteSlaPolicyRequest(id=policy.id, etag=policy.etag), metadata=cast.admin.metadata
    )

    on_a = await a.get(ticket.id, cast.agent_a)
    assert on_a.sla_policy_id == ""
    assert on_a == await from_postgresql(a.app, ticket.id, staff=True)
    await asyncio.wait_for(announced_to_b.wait(), timeout=5)
    assert await b.get(ticket.id, cast.agent_a) == on_a
