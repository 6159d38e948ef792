"""Demo tickets for `helpdesk dev`: a handful of realistic conversations between the demo users."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from server.core.context import Principal
from server.sla.bookkeeping import SlaBookkeeping
from server.sla.clock import system_clock
from server.tickets.conversation import TicketConversation
from server.tickets.domain import CREATE_TICKET_SCOPE, TicketDesk
from server.tickets.transitions import Priority, Status
from storage.db import Database


@dataclass(frozen=True, slots=True)
class DemoTicket:
    """One demo ticket: who opened it, what it says, and how far it got."""

    customer: str
    subject: str
    description: str
    priority: Priority
    category: str
    tags: tuple[str, ...]
    # (author email, body, internal) in order.
    messages: tuple[tuple[str, str, bool], ...]
    assignee: str | None
    status: Status


DEMO_TICKETS = (
    DemoTicket(
        "customer1@example.com",
        "Card declined when upgrading to the Pro plan",
        "I tried to upgrade twice today and both times the payment page says my card was declined. "
        "The bank says they never saw the charge.",
        Priority.HIGH,
        "billing",
        ("billing", "payments"),
        (
            ("agent1@example.com", "Sorry about that! Could you tell me the last four digits of the card?", False),
            ("agent1@example.com", "Gateway logs show a 3-D Secure timeout for this account.", True),
        ),
        "agent1@example.com",
        Status.WAITING_ON_CUSTOMER,
    ),
    DemoTicket(
        "customer1@example.com",
        "Export to CSV produces an empty file",
        "When I export last month's report to CSV the download is 0 bytes. PDF export works.",
        Priority.MEDIUM,
        "reports",
        ("export", "reports"),
        (
            ("agent2@example.com", "Thanks, I can reproduce it. Working on a fix with the team.", False),
            ("customer1@example.com", "Great, thank you. It's blocking our month-end close.", False),
        ),
        "agent2@example.com",
        Status.IN_PROGRESS,
    ),
    DemoTicket(
        "customer2@example.com",
        "Cannot sign in after changing my password",
        "I changed my password yesterday and now the login page keeps saying my credentials are wrong.",
        Priority.URGENT,
        "account",
        ("login",),
        (),
        None,
        Status.OPEN,
    ),
    DemoTicket(
        "customer2@example.com",
        "How do I add a second admin to our workspace?",
        "Our team lead is on leave and we need someone else to manage billing.",
        Priority.LOW,
        "account",
        ("how-to",),
        (
            ("agent1@example.com", "Go to Settings → Members, pick the user and choose the Admin role.", False),
            ("customer2@example.com", "Found it, thanks!", False),
        ),
        "agent1@example.com",
        Status.RESOLVED,
    ),
)


async def seed_demo_tickets(database: Database) -> int:
    """Creates the demo tickets not created yet (known by their request ids); returns how many."""
    # Due times from the demo SLA policies (seeded before the tickets), counted from now.
    sla = SlaBookkeeping(clock=system_clock)
    desk = TicketDesk(database=database, sla=sla)
    conversation = TicketConversation(database=database, sla=sla)
    people: dict[str, Principal] = {}
    async with database.unit_of_work() as uow:
        for email in {"agent1@example.com", "agent2@example.com", "customer1@example.com", "customer2@example.com"}:
            user = await uow.users.get_by_email(email=email)
            if user is not None:
                people[email] = Principal(user_id=user.id, role=user.role, session_id=uuid.uuid4())
    staff = people.get("agent1@example.com")
    created = 0
    for index, demo in enumerate(DEMO_TICKETS):
        customer = people.get(demo.customer)
        if customer is None or staff is None:
            continue
        request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"helpdesk-demo-ticket-{index}"))
        async with database.unit_of_work() as uow:
            scope = f"{CREATE_TICKET_SCOPE}/{customer.user_id}"
            if await uow.idempotency.get(scope=scope, request_id=request_id) is not None:
                continue  # seeded already
        ticket = await desk.create_ticket(
            principal=customer,
            subject=demo.subject,
            description=demo.description,
            priority=demo.priority,
            category=demo.category,
            tags=demo.tags,
            customer_id="",
            request_id=request_id,
        )
        created += 1
        if demo.assignee is not None and demo.assignee in people:
            await desk.assign_ticket(
                principal=staff,
                ticket_id=str(ticket.id),
                assignee_id=str(people[demo.assignee].user_id),
                etag="",
                comment="",
            )
        if demo.status is not Status.OPEN:
            actor = people.get(demo.assignee or "", staff)
            await desk.change_status(
                principal=actor, ticket_id=str(ticket.id), status=Status.IN_PROGRESS, etag="", comment=""
            )
        for author, body, internal in demo.messages:
            if author in people:
                await conversation.add_message(
                    principal=people[author], ticket_id=str(ticket.id), body=body, internal=internal, request_id=""
                )
        if demo.status not in (Status.OPEN, Status.IN_PROGRESS):
            current = await desk.get_ticket(principal=staff, ticket_id=str(ticket.id))
            if current.status != demo.status.value:
                await desk.change_status(
                    principal=people.get(demo.assignee or "", staff),
                    ticket_id=str(ticket.id),
                    status=demo.status,
                    etag="",
                    comment="",
                )
    return created
