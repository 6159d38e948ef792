"""The audit trail refuses values outside its rules (types, statuses, priorities, ratings), by column type."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from server.core.context import Role
from storage.db import Database
from storage.repositories.ticket_records import NewEvent

_INSERT = text(
    "INSERT INTO ticket_events (ticket_id, type, old_status, new_status, old_priority, new_priority, rating)"
    " VALUES (:ticket_id, :type, :old_status, :new_status, :old_priority, :new_priority, :rating)"
)
_GOOD = {
    "type": "status_changed",
    "old_status": "open",
    "new_status": "resolved",
    "old_priority": 1,
    "new_priority": 4,
    "rating": 5,
}


async def _ticket(database: Database) -> uuid.UUID:
    ticket_id = uuid.uuid4()
    async with database.unit_of_work() as uow:
        customer = await uow.users.add(
            email=f"customer-{uuid.uuid4().hex[:8]}@example.com",
            display_name="Customer",
            role=Role.CUSTOMER,
            active=True,
            password_hash="h",
        )
        assert customer is not None
        await uow.tickets.add(
            ticket_id=ticket_id,
            subject="Broken printer",
            description="It jams.",
            priority=2,
            category="",
            tags=[],
            customer_id=customer.id,
        )
    return ticket_id


@pytest.mark.parametrize(
    ("column", "bad"),
    [
        ("type", "deleted_by_magic"),
        ("old_status", "pending"),
        ("new_status", "OPEN"),
        ("old_priority", 0),
        ("new_priority", 5),
        ("rating", 6),
        ("rating", 0),
    ],
)
async def test_events_refuse_values_outside_the_rules(database: Database, column: str, bad: object) -> None:
    ticket_id = await _ticket(database)
    with pytest.raises(Exception, match="check constraint"):
        async with database.unit_of_work() as uow:
            await uow.session.execute(_INSERT, {**_GOOD, column: bad, "ticket_id": ticket_id})


async def test_events_take_every_value_the_rules_allow(database: Database) -> None:
    ticket_id = await _ticket(database)
    async with database.unit_of_work() as uow:
        await uow.session.execute(_INSERT, {**_GOOD, "ticket_id": ticket_id})
        # Unset columns stay NULL, as every event type but the status change leaves them.
        await uow.tickets.add_events(events=[NewEvent(ticket_id=ticket_id, type="note_added", actor_id=None)])
    async with database.unit_of_work() as uow:
        events = await uow.tickets.list_events(ticket_id=ticket_id, after_seq=None, limit=10)
    assert [(e.type, e.old_status, e.new_status, e.old_priority, e.new_priority) for e in events] == [
        ("status_changed", "open", "resolved", 1, 4),
        ("note_added", None, None, None, None),
    ]
