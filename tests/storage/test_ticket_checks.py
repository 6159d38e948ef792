"""Tickets and their change log refuse values outside their rules: single-column rules by type (0024).

Each single-column rule is its column's domain, so a bad value is refused as a value of that
domain, whether a statement inserts it or sets it; the rules spanning columns stay table checks.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from server.core.context import Role
from storage.db import Database
from storage.migrations import downgrade_to, upgrade_to_head

_NOW = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
# A ticket within every rule; each case changes one column.
_GOOD: dict[str, Any] = {
    "subject": "Broken printer",
    "description": "It jams.",
    "priority": 2,
    "status": "open",
    "category": "hardware",
    "version": 1,
    "public_message_count": 0,
    "message_count": 0,
    "first_response_sla": 0,
    "resolution_sla": 0,
    "rating": None,
    "rating_comment": None,
    "rate_time": None,
    "close_time": None,
}
_COLUMNS = ", ".join(_GOOD)
_INSERT = text(
    f"INSERT INTO tickets (id, customer_id, {_COLUMNS}) VALUES (:id, :customer_id, {', '.join(f':{c}' for c in _GOOD)})"  # noqa: S608 - fixed column names
)

# (column, bad value, the domain refusing it); a rated ticket keeps its rate time (a rule of its own).
_BAD_TICKETS = [
    ("subject", "", "ticket_subject"),
    ("subject", "s" * 201, "ticket_subject"),
    ("description", "", "ticket_description"),
    ("description", "d" * 20_001, "ticket_description"),
    ("category", "c" * 65, "ticket_category"),
    ("version", 0, "ticket_version"),
    ("public_message_count", -1, "message_count"),
    ("message_count", -1, "message_count"),
    ("first_response_sla", 3, "sla_stage"),
    ("resolution_sla", -1, "sla_stage"),
    ("status", "pending", "ticket_status"),
    ("priority", 0, "ticket_priority"),
    ("priority", 5, "ticket_priority"),
    ("rating", 6, "satisfaction_rating"),
    ("rating", 0, "satisfaction_rating"),
    ("rating_comment", "r" * 1001, "rating_comment"),
]


def _refused_by(domain: str) -> str:
    return f'value for domain {domain} violates check constraint "ck_{domain}"'


async def _customer(database: Database) -> uuid.UUID:
    async with database.unit_of_work() as uow:
        customer = await uow.users.add(
            email=f"customer-{uuid.uuid4().hex[:8]}@example.com",
            display_name="Customer",
            role=Role.CUSTOMER,
            active=True,
            password_hash="h",
        )
        assert customer is not None
        return customer.id


def _with(column: str, value: object) -> dict[str, Any]:
    row = {**_GOOD, column: value}
    if column == "rating":
        row["rate_time"] = _NOW
    return row


async def _insert(database: Database, row: dict[str, Any]) -> uuid.UUID:
    ticket_id = uuid.uuid4()
    customer_id = await _customer(database)
    async with database.unit_of_work() as uow:
        await uow.session.execute(_INSERT, {**row, "id": ticket_id, "customer_id": customer_id})
    return ticket_id


@pytest.mark.parametrize(("column", "bad", "domain"), _BAD_TICKETS)
async def test_a_new_ticket_is_refused_a_value_outside_its_column_type(
    database: Database, column: str, bad: object, domain: str
) -> None:
    with pytest.raises(Exception, match=_refused_by(domain)):
        await _insert(database, _with(column, bad))


@pytest.mark.parametrize(("column", "bad", "domain"), _BAD_TICKETS)
async def test_a_ticket_is_refused_a_change_outside_its_column_type(
    database: Database, column: str, bad: object, domain: str
) -> None:
    ticket_id = await _insert(database, _GOOD)
    changes = _with(column, bad)
    assignments = ", ".join(f"{name} = :{name}" for name in changes)
    with pytest.raises(Exception, match=_refused_by(domain)):
        async with database.unit_of_work() as uow:
            await uow.session.execute(
                text(f"UPDATE tickets SET {assignments} WHERE id = :id"),  # noqa: S608 - fixed column names
                {**changes, "id": ticket_id},
            )


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("subject", "s"),
        ("subject", "s" * 200),
        ("description", "d" * 20_000),
        ("category", "c" * 64),
        ("category", ""),
        ("version", 7),
        ("message_count", 3),
        ("first_response_sla", 2),
        ("resolution_sla", 1),
        ("status", "waiting_on_customer"),
        ("priority", 1),
        ("priority", 4),
        ("rating", 1),
        ("rating", 5),
        ("rating_comment", "r" * 1000),
    ],
)
async def test_tickets_take_every_value_the_rules_allow(database: Database, column: str, value: object) -> None:
    ticket_id = await _insert(database, _with(column, value))
    async with database.unit_of_work() as uow:
        stored = await uow.session.execute(
            text(f"SELECT {column} FROM tickets WHERE id = :id"),  # noqa: S608 - a fixed column name
            {"id": ticket_id},
        )
    assert stored.scalar_one() == value


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"status": "closed"}, "ck_tickets_close_time_when_closed"),
        ({"close_time": _NOW}, "ck_tickets_close_time_when_closed"),
        ({"rating": 4}, "ck_tickets_ck_tickets_rate_time_with_rating"),
        ({"rate_time": _NOW}, "ck_tickets_ck_tickets_rate_time_with_rating"),
        ({"public_message_count": 2, "message_count": 1}, "ck_tickets_message_counts"),
    ],
)
async def test_the_rules_spanning_columns_stay_table_checks(
    database: Database, changes: dict[str, Any], constraint: str
) -> None:
    with pytest.raises(Exception, match=f'violates check constraint "{constraint}"'):
        await _insert(database, {**_GOOD, **changes})


async def test_at_most_twenty_tags(database: Database) -> None:
    ticket_id = await _insert(database, _GOOD)
    statement = text("UPDATE tickets SET tags = :tags WHERE id = :id")
    async with database.unit_of_work() as uow:
        await uow.session.execute(statement, {"tags": [f"t{i}" for i in range(20)], "id": ticket_id})
    with pytest.raises(Exception, match='violates check constraint "ck_tickets_tags_count"'):
        async with database.unit_of_work() as uow:
            await uow.session.execute(statement, {"tags": [f"t{i}" for i in range(21)], "id": ticket_id})


async def test_an_event_comment_is_at_most_1000_characters(database: Database) -> None:
    ticket_id = await _insert(database, _GOOD)
    statement = text("INSERT INTO ticket_events (ticket_id, type, comment) VALUES (:ticket_id, 'updated', :comment)")
    async with database.unit_of_work() as uow:
        await uow.session.execute(statement, {"ticket_id": ticket_id, "comment": "c" * 1000})
    with pytest.raises(Exception, match=_refused_by("event_comment")):
        async with database.unit_of_work() as uow:
            await uow.session.execute(statement, {"ticket_id": ticket_id, "comment": "c" * 1001})


async def test_the_change_log_takes_its_kinds_only_and_keeps_one_row(database: Database) -> None:
    statement = text(
        "INSERT INTO ticket_changes (position, ticket_id, kind, customer_id) VALUES (:position, :id, :kind, :id)"
    )
    # Positions far past any the tests' changes take.
    for position, kind in enumerate(("created", "updated", "message_added", "deleted"), start=10**12):
        async with database.unit_of_work() as uow:
            await uow.session.execute(statement, {"position": position, "id": uuid.uuid4(), "kind": kind})
    with pytest.raises(Exception, match=_refused_by("ticket_change_kind")):
        async with database.unit_of_work() as uow:
            await uow.session.execute(statement, {"position": 2 * 10**12, "id": uuid.uuid4(), "kind": "renamed"})
    with pytest.raises(Exception, match=_refused_by("change_log_row")):
        async with database.unit_of_work() as uow:
            await uow.session.execute(text("INSERT INTO ticket_change_log (id) VALUES (2)"))


async def _scalars(url: str, statement: str) -> list[Any]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(statement))
            return list(result.scalars()) if result.returns_rows else []
    finally:
        await engine.dispose()


_FILES = (
    "SELECT relname || ':' || relfilenode FROM pg_class"
    " WHERE relname IN ('tickets', 'ticket_events', 'ticket_changes', 'ticket_change_log') ORDER BY relname"
)
_TICKET_CHECKS = (
    "SELECT conname FROM pg_constraint WHERE conrelid = 'tickets'::regclass AND contype = 'c' ORDER BY conname"
)


async def test_the_migration_retypes_the_columns_without_rewriting_the_tables(empty_database_url: str) -> None:
    url = empty_database_url
    await asyncio.to_thread(upgrade_to_head, url)
    await asyncio.to_thread(downgrade_to, url, "0023_event_domains")
    await _scalars(
        url,
        "WITH customer AS (INSERT INTO users (email, display_name, role, password_hash)"
        " VALUES ('c@example.com', 'C', 'customer', 'h')"
        " RETURNING id) INSERT INTO tickets (subject, description, customer_id) SELECT 'Printer', 'Jams.', id"
        " FROM customer",
    )
    files = await _scalars(url, _FILES)
    assert len(await _scalars(url, _TICKET_CHECKS)) == 13

    await asyncio.to_thread(upgrade_to_head, url)

    assert await _scalars(url, _FILES) == files
    assert await _scalars(url, "SELECT subject || '/' || status || '/' || version FROM tickets") == ["Printer/open/1"]
    assert await _scalars(url, _TICKET_CHECKS) == [
        "ck_tickets_ck_tickets_rate_time_with_rating",
        "ck_tickets_close_time_when_closed",
        "ck_tickets_message_counts",
        "ck_tickets_tags_count",
    ]
    # The statistics the retyping dropped are gathered again.
    assert await _scalars(
        url, "SELECT count(*) FROM pg_stats WHERE tablename = 'tickets' AND attname IN ('status', 'priority')"
    ) == [2]
