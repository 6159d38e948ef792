"""Demo macros for `helpdesk dev`, written by the admin."""

from __future__ import annotations

import uuid

from server.core.context import Principal
from server.macros.actions import Action, ActionKind
from server.macros.domain import CREATE_SCOPE, Macros
from server.tickets.transitions import Priority, Status
from storage.db import Database

# (name, description, actions)
DEMO_MACROS = (
    (
        "Refund issued",
        "Tell the customer the refund is on its way, tag it and resolve.",
        (
            Action(
                kind=ActionKind.ADD_MESSAGE,
                body="Hi {{customer.first_name}}, we've issued your refund; it shows up within 5 business days."
                "\n\n{{agent.name}}",
            ),
            Action(kind=ActionKind.ADD_TAGS, tags=("refund",)),
            Action(kind=ActionKind.SET_STATUS, status=Status.RESOLVED),
        ),
    ),
    (
        "Escalate to engineering",
        "Take the ticket, raise its priority and leave a note for the team.",
        (
            Action(kind=ActionKind.SET_ASSIGNEE, assignee="me"),
            Action(kind=ActionKind.SET_PRIORITY, priority=Priority.URGENT),
            Action(kind=ActionKind.ADD_TAGS, tags=("escalated",)),
            Action(kind=ActionKind.ADD_MESSAGE, body="Escalated to engineering by {{agent.name}}.", internal=True),
            Action(kind=ActionKind.SET_STATUS, status=Status.IN_PROGRESS),
        ),
    ),
    (
        "Ask for details",
        "Ask the customer for more information and wait for the answer.",
        (
            Action(
                kind=ActionKind.ADD_MESSAGE,
                body="Hi {{customer.first_name}}, could you send us a screenshot and the time it happened?",
            ),
            Action(kind=ActionKind.SET_STATUS, status=Status.WAITING_ON_CUSTOMER),
        ),
    ),
)


async def seed_demo_macros(database: Database) -> int:
    """Creates the demo macros not created yet (known by their request ids); returns how many."""
    macros = Macros(database=database)
    async with database.unit_of_work() as uow:
        admin = await uow.users.get_by_email(email="admin@example.com")
    if admin is None:
        return 0
    owner = Principal(user_id=admin.id, role=admin.role, session_id=uuid.uuid4())
    created = 0
    for index, (name, description, actions) in enumerate(DEMO_MACROS):
        request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"helpdesk-demo-macro-{index}"))
        async with database.unit_of_work() as uow:
            if await uow.idempotency.get(scope=f"{CREATE_SCOPE}/{admin.id}", request_id=request_id) is not None:
                continue  # seeded already
        await macros.create(principal=owner, name=name, description=description, actions=actions, request_id=request_id)
        created += 1
    return created
