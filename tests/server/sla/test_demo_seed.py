"""The `helpdesk dev` seed step for SLA policies: one per priority, once; demo tickets opened after get due times."""

from __future__ import annotations

import uuid

from server.core.context import Principal, Role
from server.sla.demo import DEMO_POLICIES, seed_demo_sla_policies
from server.tickets.demo import seed_demo_tickets
from server.tickets.domain import TicketDesk
from server.tickets.listing import ListTicketsQuery
from storage.db import Database


async def test_seed_creates_the_policies_once_and_demo_tickets_get_due_times(database: Database) -> None:
    assert await seed_demo_sla_policies(database) == len(DEMO_POLICIES)
    assert await seed_demo_sla_policies(database) == 0
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
        agent = await uow.users.get_by_email(email="agent1@example.com")
    assert agent is not None
    await seed_demo_tickets(database)

    staff = Principal(user_id=agent.id, role=Role.AGENT, session_id=uuid.uuid4())
    tickets, _ = await TicketDesk(database=database).list_tickets(
        principal=staff, query=ListTicketsQuery(), page_size=50, page_token=""
    )
    assert tickets
    # Every priority has a policy: every demo ticket has its due times.
    assert all(t.sla_policy_id is not None and t.resolution_due_time is not None for t in tickets)
    # Tickets no longer open or in progress have their clock stopped.
    stopped = {t.status for t in tickets if t.sla_paused_since is not None}
    assert stopped == {t.status for t in tickets} - {"open", "in_progress"}
    # A public reply of the staff is a first response.
    assert any(t.first_response_time is not None for t in tickets)
