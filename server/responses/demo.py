"""Demo canned responses for `helpdesk dev`: a few shared ones (by the admin) and a personal one."""

from __future__ import annotations

import uuid

from server.core.context import Principal
from server.responses.domain import CREATE_SCOPE, CannedResponses, Scope
from storage.db import Database

# (owner email, scope, title, body)
DEMO_RESPONSES = (
    (
        "admin@example.com",
        Scope.SHARED,
        "Greeting",
        "Hi {{customer.first_name}},\n\nThanks for reaching out about ticket #{{ticket.number}}. ",
    ),
    (
        "admin@example.com",
        Scope.SHARED,
        "Password reset steps",
        "Hi {{customer.first_name}},\n\nOn the sign-in page choose Forgot password and enter {{customer.email}}. "
        "The link stays valid for 30 minutes.\n\nBest,\n{{agent.name}}",
    ),
    (
        "admin@example.com",
        Scope.SHARED,
        "Closing: resolved",
        'Glad we could sort out "{{ticket.subject}}". I\'m marking this ticket as resolved; reply if anything '
        "comes up again.\n\n{{agent.first_name}}",
    ),
    (
        "agent1@example.com",
        Scope.PERSONAL,
        "Looking into it",
        "Hi {{customer.first_name}}, I'm looking into this now and will get back to you today. — {{agent.first_name}}",
    ),
)


async def seed_demo_responses(database: Database) -> int:
    """Creates the demo canned responses not created yet (known by their request ids); returns how many."""
    responses = CannedResponses(database=database)
    created = 0
    for index, (email, scope, title, body) in enumerate(DEMO_RESPONSES):
        async with database.unit_of_work() as uow:
            user = await uow.users.get_by_email(email=email)
            if user is None:
                continue
            request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"helpdesk-demo-canned-response-{index}"))
            if await uow.idempotency.get(scope=f"{CREATE_SCOPE}/{user.id}", request_id=request_id) is not None:
                continue  # seeded already
        owner = Principal(user_id=user.id, role=user.role, session_id=uuid.uuid4())
        await responses.create(principal=owner, title=title, body=body, scope=scope, request_id=request_id)
        created += 1
    return created
