"""The breach job on one server: warnings and breaches recorded once, live to agents, listed and sorted."""

from __future__ import annotations

from helpdesk.v1 import ticket_pb2, ticket_service_pb2
from server.app import HelpdeskApp
from tests.server.sla.sla_support import HOUR, FakeClock, SlaStub, make_policy, new_category, sla_events
from tests.server.tickets.helpers import Cast, TicketStub, move_to, open_ticket
from tests.server.tickets.watch_support import MESSAGE_ADDED, UPDATED, Watcher


def breaches_counted(app: HelpdeskApp, target: str) -> float:
    value = app.resources.metrics.registry.get_sample_value("helpdesk_sla_breaches_total", {"target": target})
    return value or 0.0


async def run_job(app: HelpdeskApp) -> None:
    assert app.sla is not None
    await app.sla.breaches.run_once()


async def test_a_ticket_warns_then_breaches_once_and_agents_see_it_live(
    app: HelpdeskApp, ticket_stub: TicketStub, sla_stub: SlaStub, cast: Cast, clock: FakeClock
) -> None:
    category = new_category()
    await make_policy(sla_stub, cast.admin, category=category, first_response=HOUR, warning=HOUR / 4)
    created = await open_ticket(ticket_stub, cast.customer_a, category=category)
    agent = Watcher(ticket_stub, cast.agent_a, ticket_service_pb2.WatchTicketsRequest(ticket_id=created.id))
    customer = Watcher(ticket_stub, cast.customer_a, ticket_service_pb2.WatchTicketsRequest(ticket_id=created.id))
    try:
        await agent.caught_up()
        await customer.caught_up()
        counted = breaches_counted(app, "first_response")

        clock.advance(HOUR / 2)
        await run_job(app)
        assert await sla_events(ticket_stub, created.id, cast.agent_a) == []

        clock.advance(HOUR / 4 + HOUR / 60)  # 46 minutes in: within the last quarter hour
        await run_job(app)
        assert await sla_events(ticket_stub, created.id, cast.agent_a) == [
            "TICKET_EVENT_TYPE_FIRST_RESPONSE_SLA_WARNING"
        ]
        (warned,) = await agent.wait_for(1)
        assert warned.kind == UPDATED
        assert warned.ticket.sla_at_risk
        assert not warned.ticket.first_response_breached

        clock.advance(HOUR / 4)
        await run_job(app)
        await run_job(app)  # nothing left to record
        assert await sla_events(ticket_stub, created.id, cast.agent_a) == [
            "TICKET_EVENT_TYPE_FIRST_RESPONSE_SLA_WARNING",
            "TICKET_EVENT_TYPE_FIRST_RESPONSE_SLA_BREACHED",
        ]
        breached = (await agent.wait_for(2))[1]
        assert breached.ticket.first_response_breached
        assert not breached.ticket.sla_at_risk
        assert breaches_counted(app, "first_response") == counted + 1

        # The customer's stream carried none of it: its first change is the reply below.
        await ticket_stub.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(ticket_id=created.id, body="Anyone there?"),
            metadata=cast.customer_a.metadata,
        )
        (first,) = await customer.wait_for(1)
        assert first.kind == MESSAGE_ADDED
        assert not first.ticket.first_response_breached
    finally:
        await agent.close()
        await customer.close()


async def test_a_paused_or_answered_target_never_breaches(
    app: HelpdeskApp, ticket_stub: TicketStub, sla_stub: SlaStub, cast: Cast, clock: FakeClock
) -> None:
    category = new_category()
    await make_policy(sla_stub, cast.admin, category=category, first_response=HOUR, resolution=2 * HOUR)
    waiting = await open_ticket(ticket_stub, cast.customer_a, category=category)
    answered = await open_ticket(ticket_stub, cast.customer_a, category=category)
    await move_to(ticket_stub, waiting.id, ticket_pb2.TICKET_STATUS_WAITING_ON_CUSTOMER, cast.agent_a)
    await ticket_stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=answered.id, body="On it"), metadata=cast.agent_a.metadata
    )
    clock.advance(HOUR + HOUR / 2)
    await run_job(app)
    assert await sla_events(ticket_stub, waiting.id, cast.agent_a) == []
    assert await sla_events(ticket_stub, answered.id, cast.agent_a) == []
    # The resolution target of the answered ticket still runs.
    clock.advance(HOUR)
    await run_job(app)
    assert await sla_events(ticket_stub, answered.id, cast.agent_a) == ["TICKET_EVENT_TYPE_RESOLUTION_SLA_BREACHED"]
    assert await sla_events(ticket_stub, waiting.id, cast.agent_a) == []


async def test_breached_tickets_are_listed_and_due_soonest_comes_first(
    app: HelpdeskApp, ticket_stub: TicketStub, sla_stub: SlaStub, cast: Cast, clock: FakeClock
) -> None:
    category = new_category()
    await make_policy(
        sla_stub, cast.admin, category=category, priority=ticket_pb2.TICKET_PRIORITY_LOW, resolution=9 * HOUR
    )
    await make_policy(
        sla_stub, cast.admin, category=category, priority=ticket_pb2.TICKET_PRIORITY_HIGH, first_response=HOUR / 4
    )
    late = await open_ticket(ticket_stub, cast.customer_a, category=category, priority=ticket_pb2.TICKET_PRIORITY_HIGH)
    clock.advance(HOUR / 12)
    later = await open_ticket(ticket_stub, cast.customer_a, category=category, priority=ticket_pb2.TICKET_PRIORITY_LOW)
    paused = await open_ticket(
        ticket_stub, cast.customer_a, category=category, priority=ticket_pb2.TICKET_PRIORITY_HIGH
    )
    await move_to(ticket_stub, paused.id, ticket_pb2.TICKET_STATUS_WAITING_ON_CUSTOMER, cast.agent_a)
    unmanaged = await open_ticket(ticket_stub, cast.customer_a, category=category)
    clock.advance(HOUR / 4)
    await run_job(app)

    breached = await ticket_stub.ListTickets(
        ticket_service_pb2.ListTicketsRequest(category=category, sla_breached=True), metadata=cast.agent_a.metadata
    )
    assert [t.id for t in breached.tickets] == [late.id]
    # Customers never see service levels: the filter finds nothing for them.
    theirs = await ticket_stub.ListTickets(
        ticket_service_pb2.ListTicketsRequest(sla_breached=True), metadata=cast.customer_a.metadata
    )
    assert list(theirs.tickets) == []

    seen: list[str] = []
    token = ""
    while True:
        page = await ticket_stub.ListTickets(
            ticket_service_pb2.ListTicketsRequest(
                category=category, order_by="due_time", page_size=1, page_token=token
            ),
            metadata=cast.agent_a.metadata,
        )
        seen.extend(t.id for t in page.tickets)
        token = page.next_page_token
        if not token:
            break
    # Overdue first, then by due time; stopped clocks and no SLA last (by id among themselves).
    assert seen[:2] == [late.id, later.id]
    assert set(seen[2:]) == {paused.id, unmanaged.id}
