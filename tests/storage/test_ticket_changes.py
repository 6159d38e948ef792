"""The ticket change log: positions are gap-free and commit-ordered under concurrent writers; pruning."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta

from server.core.context import Role
from storage.db import Database
from storage.models import User
from storage.repositories.ticket_records import TicketRecord


async def _customer(database: Database) -> User:
    async with database.unit_of_work() as uow:
        user = await uow.users.add(
            email=f"customer-{uuid.uuid4().hex[:8]}@example.com",
            display_name="Customer",
            role=Role.CUSTOMER,
            active=True,
            password_hash="h",
        )
        assert user is not None
        return user


async def _ticket(database: Database, customer: User) -> TicketRecord:
    ticket_id = uuid.uuid4()
    async with database.unit_of_work() as uow:
        await uow.tickets.add(
            ticket_id=ticket_id,
            subject="Log me",
            description="Every change is logged",
            priority=2,
            category="",
            tags=["a"],
            customer_id=customer.id,
        )
        ticket = await uow.tickets.get(ticket_id=ticket_id)
    assert ticket is not None
    return ticket


async def _last(database: Database) -> int:
    async with database.unit_of_work() as uow:
        return (await uow.ticket_changes.state()).last_position


async def test_a_later_writer_waits_for_the_earlier_ones_commit(database: Database) -> None:
    ticket = await _ticket(database, await _customer(database))
    start = await _last(database)
    release = asyncio.Event()
    appended = asyncio.Event()
    first_position: list[int] = []

    async def first() -> None:
        async with database.unit_of_work() as uow:
            first_position.append(await uow.ticket_changes.append(kind="updated", before=ticket, after=ticket))
            appended.set()
            await release.wait()

    async def second() -> int:
        async with database.unit_of_work() as uow:
            return await uow.ticket_changes.append(kind="updated", before=ticket, after=ticket)

    holder = asyncio.create_task(first())
    await appended.wait()
    follower = asyncio.create_task(second())
    await asyncio.sleep(0.3)
    # The second change cannot take a position (nor become visible) before the first commits.
    assert not follower.done()
    async with database.unit_of_work() as uow:
        assert await uow.ticket_changes.list_after(position=start, limit=10) == []
    release.set()
    await holder
    assert await follower == first_position[0] + 1 == start + 2
    async with database.unit_of_work() as uow:
        seen = await uow.ticket_changes.list_after(position=start, limit=10)
    assert [c.position for c in seen] == [start + 1, start + 2]


async def test_readers_never_see_a_position_before_a_smaller_one_under_concurrent_writers(
    database: Database,
) -> None:
    ticket = await _ticket(database, await _customer(database))
    start = await _last(database)
    writers = 30
    rolled_back = 0

    async def write(index: int) -> None:
        nonlocal rolled_back
        try:
            async with database.unit_of_work() as uow:
                await asyncio.sleep(random.uniform(0, 0.02))
                await uow.ticket_changes.append(kind="updated", before=ticket, after=ticket)
                await asyncio.sleep(random.uniform(0, 0.02))
                if index % 7 == 0:
                    raise RuntimeError("roll back")
        except RuntimeError:
            rolled_back += 1

    observed: list[int] = []

    async def read() -> None:
        last = start
        while last < start + writers - rolled_back or rolled_back == 0:
            async with database.unit_of_work() as uow:
                changes = await uow.ticket_changes.list_after(position=last, limit=100)
            for change in changes:
                # Whatever a reader sees is the next position: nothing smaller can commit later.
                assert change.position == last + 1
                last = change.position
                observed.append(last)
            await asyncio.sleep(0.005)

    reader = asyncio.create_task(read())
    await asyncio.gather(*(write(i) for i in range(writers)))
    await asyncio.wait_for(reader, 10)
    assert observed == list(range(start + 1, start + writers - rolled_back + 1))


async def test_pruning_removes_a_prefix_and_records_how_far(database: Database) -> None:
    ticket = await _ticket(database, await _customer(database))
    async with database.unit_of_work() as uow:
        position = await uow.ticket_changes.append(kind="created", before=None, after=ticket)
    async with database.unit_of_work() as uow:
        assert await uow.ticket_changes.prune(older_than=datetime.now(UTC) - timedelta(days=7)) < position
    async with database.unit_of_work() as uow:
        pruned = await uow.ticket_changes.prune(older_than=datetime.now(UTC) + timedelta(seconds=1))
        state = await uow.ticket_changes.state()
    assert pruned == state.pruned_through >= position
    async with database.unit_of_work() as uow:
        assert await uow.ticket_changes.list_after(position=0, limit=10) == []


async def test_a_batch_reads_changes_tickets_and_messages_in_one_snapshot(database: Database) -> None:
    customer = await _customer(database)
    ticket = await _ticket(database, customer)
    message_id = uuid.uuid4()
    async with database.unit_of_work() as uow:
        await uow.tickets.add_message(
            message_id=message_id,
            ticket_id=ticket.id,
            author_id=customer.id,
            author_role="customer",
            body="Hello",
            internal=False,
        )
        position = await uow.ticket_changes.append(
            kind="message_added", before=ticket, after=ticket, message_id=message_id
        )
    async with database.unit_of_work() as reader:
        await reader.ticket_changes.read_one_snapshot()
        changes = await reader.ticket_changes.list_after(position=position - 1, limit=1)
        # The ticket (and its messages with it) is deleted between the batch's statements.
        async with database.unit_of_work() as writer:
            assert await writer.tickets.delete(ticket_id=ticket.id)
        assert [c.position for c in changes] == [position]
        assert ticket.id in await reader.ticket_changes.tickets(ticket_ids=[ticket.id])
        assert message_id in await reader.ticket_changes.messages(message_ids=[message_id])


async def test_a_change_reads_the_same_whether_its_read_begins_the_transaction_or_not(database: Database) -> None:
    customer = await _customer(database)
    ticket = await _ticket(database, customer)
    moved = ticket._replace(status="in_progress", priority=4, category="billing", tags=["a", "b"])
    async with database.unit_of_work() as uow:
        position = await uow.ticket_changes.append(kind="updated", before=ticket, after=moved)
    async with database.unit_of_work() as uow:
        first = await uow.ticket_changes.list_after(position=position - 1, limit=1)
    async with database.unit_of_work() as uow:
        await uow.ticket_changes.read_one_snapshot()
        later = await uow.ticket_changes.list_after(position=position - 1, limit=1)
    assert first == later
    [change] = later
    assert (change.ticket_id, change.customer_id) == (ticket.id, customer.id)
    assert isinstance(change.ticket_id, uuid.UUID)
    assert (change.old_status, change.new_status, change.old_priority, change.new_priority) == (
        "open",
        "in_progress",
        2,
        4,
    )
    assert (change.old_tags, change.new_tags, change.new_category) == (["a"], ["a", "b"], "billing")
    assert change.commit_time.tzinfo is not None
