"""TicketRepository against real PostgreSQL: search documents, counts, constraints, ON DELETE rules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from server.core.context import Role
from server.core.errors import HelpdeskError
from storage.db import Database
from storage.models import User
from storage.repositories import TicketRepository
from storage.repositories.ticket_listing import SortKey, TicketFilter
from storage.repositories.ticket_records import NewEvent, TicketRecord, TicketView
from storage.repositories.tickets import NewTicket

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def _user(database: Database, role: Role) -> User:
    async with database.unit_of_work() as uow:
        user = await uow.users.add(
            email=f"{role.value}-{uuid.uuid4().hex[:8]}@example.com",
            display_name=role.value.title(),
            role=role,
            active=True,
            password_hash="h",
        )
        assert user is not None
        return user


async def _ticket(
    database: Database, customer: User, *, subject: str = "Broken printer", priority: int = 2
) -> uuid.UUID:
    ticket_id = uuid.uuid4()
    async with database.unit_of_work() as uow:
        await uow.tickets.add(
            ticket_id=ticket_id,
            subject=subject,
            description="Paper jams on every page",
            priority=priority,
            category="",
            tags=["hardware"],
            customer_id=customer.id,
        )
    return ticket_id


async def _search(database: Database, query: str, *, staff: bool) -> set[uuid.UUID]:
    async with database.read_connection() as connection:
        found = await TicketRepository(connection).list_page(
            spec=TicketFilter(query=query, search_internal=staff), after=None, limit=200
        )
    return {t.id for t in found}


async def test_add_and_get_with_display_names(database: Database) -> None:
    customer = await _user(database, Role.CUSTOMER)
    ticket_id = await _ticket(database, customer)
    async with database.unit_of_work() as uow:
        ticket = await uow.tickets.get(ticket_id=ticket_id)
        other = await uow.tickets.get(ticket_id=ticket_id, customer_id=uuid.uuid4())
    assert other is None
    assert ticket is not None
    assert (ticket.status, ticket.priority, ticket.version, ticket.number >= 1001) == ("open", 2, 1, True)
    assert ticket.customer_display_name == "Customer"
    assert (ticket.assignee_id, ticket.assignee_display_name) == (None, "")


async def test_notes_are_searchable_by_staff_only_and_counted_apart(database: Database) -> None:
    customer = await _user(database, Role.CUSTOMER)
    agent = await _user(database, Role.AGENT)
    ticket_id = await _ticket(database, customer)
    async with database.unit_of_work() as uow:
        await uow.tickets.add_message(
            message_id=uuid.uuid4(),
            ticket_id=ticket_id,
            author_id=agent.id,
            author_role="agent",
            body="Escalated to the pterodactyl team",
            internal=True,
        )
        await uow.tickets.add_message(
            message_id=uuid.uuid4(),
            ticket_id=ticket_id,
            author_id=customer.id,
            author_role="customer",
            body="Tried another cartridge",
            internal=False,
        )
    async with database.unit_of_work() as uow:
        ticket = await uow.tickets.get(ticket_id=ticket_id)
    assert ticket is not None
    assert (ticket.public_message_count, ticket.message_count, ticket.version) == (1, 2, 2)
    assert ticket_id in await _search(database, "pterodactyl", staff=True)
    assert ticket_id not in await _search(database, "pterodactyl", staff=False)
    assert ticket_id in await _search(database, "cartridges printer", staff=False)

    # Editing the subject rebuilds both documents, still without the note for customers.
    async with database.unit_of_work() as uow:
        await uow.tickets.update(ticket_id=ticket_id, changes={"subject": "Scanner trouble"})
    assert ticket_id in await _search(database, "scanner cartridge", staff=False)
    assert ticket_id not in await _search(database, "printer", staff=False)
    assert ticket_id not in await _search(database, "pterodactyl", staff=False)
    assert ticket_id in await _search(database, "pterodactyl scanner", staff=True)


async def test_queue_order_and_keyset(database: Database) -> None:
    customer = await _user(database, Role.CUSTOMER)
    ids = [await _ticket(database, customer, priority=p) for p in (1, 4, 2, 4, 3)]
    spec = TicketFilter(
        statuses=["open", "in_progress"],
        unassigned=True,
        customer_id=customer.id,
        order=(SortKey("priority", descending=True), SortKey("create_time", descending=False)),
    )
    async with database.read_connection() as connection:
        reads = TicketRepository(connection)
        first = await reads.list_page(spec=spec, after=None, limit=2)
        last = first[-1]
        created = _EPOCH + timedelta(microseconds=last.create_time)
        rest = await reads.list_page(spec=spec, after=[last.priority, created, last.id], limit=10)
    ordered = [t.id for t in first + rest]
    assert ordered == [ids[1], ids[3], ids[4], ids[2], ids[0]]


# Calls of `unaccent` (once for each search document computed) that this backend has not reported
# yet, including the current transaction's: `track_functions = all` counts C functions.
_UNACCENT_CALLS = "SELECT coalesce(pg_stat_get_xact_function_calls('unaccent(text)'::regprocedure), 0)"
_COUNT_CALLS = "SET LOCAL track_functions = 'all'"


async def test_a_new_tickets_search_document_is_computed_once_for_both_columns(database: Database) -> None:
    customer = await _user(database, Role.CUSTOMER)
    ticket = NewTicket(uuid.uuid4(), "Crème brûlée printer", "Jams on page two", 2, "", ("café",), customer.id)
    async with database.read_connection() as connection:
        raw: Any = connection
        async with raw.transaction():
            await raw.execute(_COUNT_CALLS)
            before = await raw.fetchval(_UNACCENT_CALLS)
            opened = await TicketRepository(connection).open(
                ticket, actor_id=customer.id, sla={}, key=None, check_customer=False, guard="true", guard_parameters={}
            )
            assert opened is not None
            assert await raw.fetchval(_UNACCENT_CALLS) == before + 1
    added = uuid.uuid4()
    async with database.unit_of_work() as uow:
        await uow.session.execute(text(_COUNT_CALLS))
        before = (await uow.session.execute(text(_UNACCENT_CALLS))).scalar_one()
        await uow.tickets.add(
            ticket_id=added,
            subject=ticket.subject,
            description=ticket.description,
            priority=2,
            category="",
            tags=[],
            customer_id=customer.id,
        )
        assert (await uow.session.execute(text(_UNACCENT_CALLS))).scalar_one() == before + 1
    for staff in (False, True):
        assert await _search(database, "creme brulee jams", staff=staff) >= {ticket.id, added}


async def test_constraints_refuse_bad_rows(database: Database) -> None:
    customer = await _user(database, Role.CUSTOMER)
    ticket_id = await _ticket(database, customer)
    for statement in (
        "UPDATE tickets SET status = 'pending' WHERE id = :id",
        "UPDATE tickets SET priority = 5 WHERE id = :id",
        "UPDATE tickets SET status = 'closed' WHERE id = :id",  # closed needs close_time
        "UPDATE tickets SET subject = '' WHERE id = :id",
    ):
        with pytest.raises(Exception, match="check constraint"):
            async with database.unit_of_work() as uow:
                await uow.session.execute(text(statement), {"id": ticket_id})


async def test_on_delete_rules(database: Database) -> None:
    customer = await _user(database, Role.CUSTOMER)
    agent = await _user(database, Role.AGENT)
    ticket_id = await _ticket(database, customer)
    async with database.unit_of_work() as uow:
        await uow.tickets.update(ticket_id=ticket_id, changes={"assignee_id": agent.id})
        await uow.tickets.add_events(events=[NewEvent(ticket_id=ticket_id, type="created", actor_id=agent.id)])
    # A customer with tickets cannot be deleted.
    with pytest.raises((Exception, HelpdeskError)):
        async with database.unit_of_work() as uow:
            await uow.session.execute(text("DELETE FROM users WHERE id = :id"), {"id": customer.id})
    # Deleting the agent sends the ticket back to the queue and keeps the event, actor unknown.
    async with database.unit_of_work() as uow:
        await uow.session.execute(text("DELETE FROM users WHERE id = :id"), {"id": agent.id})
    async with database.unit_of_work() as uow:
        ticket = await uow.tickets.get(ticket_id=ticket_id)
        events = await uow.tickets.list_events(ticket_id=ticket_id, after_seq=None, limit=10)
    assert ticket is not None
    assert ticket.assignee_id is None
    assert [(e.type, e.actor_id) for e in events] == [("created", None)]
    # Deleting the ticket takes its messages and events with it.
    async with database.unit_of_work() as uow:
        assert await uow.tickets.delete(ticket_id=ticket_id)
        left = await uow.session.scalar(
            text("SELECT count(*) FROM ticket_events WHERE ticket_id = :id"), {"id": ticket_id}
        )
    assert left == 0


def _microseconds(value: datetime | None) -> int | None:
    return None if value is None else (value - _EPOCH) // timedelta(microseconds=1)


def _as_view(record: TicketRecord) -> TicketView:
    return TicketView._make(_microseconds(v) if isinstance(v, datetime) else v for v in record)


async def test_the_read_view_is_the_record_with_its_timestamps_in_microseconds(database: Database) -> None:
    # Timestamps with and without a fraction, before 1970, at the epoch, far ahead, and NULL,
    # read in another time zone than UTC: GetTicket and ListTickets read them as integers.
    customer = await _user(database, Role.CUSTOMER)
    agent = await _user(database, Role.AGENT)
    ticket_id = await _ticket(database, customer)
    bare_id = await _ticket(database, customer, subject="Nothing set")
    async with database.unit_of_work() as uow:
        await uow.session.execute(
            text(
                """
                UPDATE tickets SET assignee_id = :agent, status = 'closed', rating = 4, rating_comment = 'ok',
                    create_time = '1969-12-31 23:59:59.999999+00', update_time = '1970-01-01 00:00:00+00',
                    resolve_time = '2026-03-08 02:30:00.5-03', close_time = '2026-03-08 05:30:00.000001+00',
                    rate_time = '2026-03-09 10:00:00.123456+00', sla_paused_since = '1900-01-01 00:00:00.25+00',
                    first_response_time = '2026-03-07 12:00:00+00',
                    first_response_due_time = '2026-03-07 12:00:00.999999+00',
                    resolution_due_time = '9999-01-01 00:00:00+00', sla_due_time = '2031-06-15 08:00:00.000042+00',
                    first_response_sla = 2, resolution_sla = 1
                WHERE id = :id
                """
            ),
            {"id": ticket_id, "agent": agent.id},
        )
    async with database.unit_of_work() as uow:
        records = [await uow.tickets.get(ticket_id=i) for i in (ticket_id, bare_id)]
    async with database.read_connection() as connection:
        await connection.fetch("SET TIME ZONE 'America/Sao_Paulo'")
        try:
            reads = TicketRepository(connection)
            found = await reads.views([ticket_id, bare_id])
            views = [found.get(i) for i in (ticket_id, bare_id)]
            listed = await reads.list_page(
                spec=TicketFilter(customer_id=customer.id, order=(SortKey("due_time", descending=False),)),
                after=None,
                limit=10,
            )
        finally:
            await connection.fetch("RESET TIME ZONE")
    assert all(record is not None for record in records)
    expected = [_as_view(record) for record in records if record is not None]
    assert views == expected
    assert sorted(listed) == sorted(expected)
    assert (expected[0].create_time, expected[0].update_time) == (-1, 0)
    assert expected[0].resolve_time == _microseconds(datetime(2026, 3, 8, 5, 30, 0, 500000, tzinfo=UTC))
    assert (expected[1].resolve_time, expected[1].rate_time) == (None, None)
