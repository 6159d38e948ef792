"""The `helpdesk dev` seed step for tickets: realistic tickets for the demo users, once."""

from __future__ import annotations

import uuid

from server.core.context import Principal, Role
from server.tickets.demo import DEMO_TICKETS, seed_demo_tickets
from server.tickets.domain import TicketDesk
from server.tickets.listing import ListTicketsQuery
from storage.db import Database


async def test_seed_creates_the_demo_tickets_once(database: Database) -> None:
    roles = {
        "agent1@example.com": Role.AGENT,
        "agent2@example.com": Role.AGENT,
        "customer1@example.com": Role.CUSTOMER,
        "customer2@example.com": Role.CUSTOMER,
    }
    async with database.unit_of_work() as uow:
        for email, role in roles.items():
            await uow.users.add(
                email=email, display_name=email.split("@")[0], role=role, active=True, password_hash="h"
            )
    assert await seed_demo_tickets(database) == len(DEMO_TICKETS)
    assert await seed_demo_tickets(database) == 0

    async with database.unit_of_work() as uow:
        agent = await uow.users.get_by_email(email="agent1@example.com")
    assert agent is not None
    staff = Principal(user_id=agent.id, role=Role.AGENT, session_id=uuid.uuid4())
    tickets, _ = await TicketDesk(database=database).list_tickets(
        principal=staff, query=ListTicketsQuery(), page_size=50, page_token=""
    )
    assert sorted(t.status for t in tickets) == sorted(d.status.value for d in DEMO_TICKETS)
    assert sum(t.message_count for t in tickets) == sum(len(d.messages) for d in DEMO_TICKETS)
