"""Retention: off by default; once set, one job at a time deletes what is past it, once, waiting on nobody."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import TypeAlias

import asyncpg
import grpc
import grpc.aio
import pytest
from google.protobuf import field_mask_pb2
from sqlalchemy.engine import make_url

from helpdesk.v1 import (
    chat_service_pb2,
    privacy_service_pb2,
    privacy_service_pb2_grpc,
    retention_policy_pb2,
    ticket_pb2,
    ticket_service_pb2,
)
from server.app import HelpdeskApp
from server.privacy.retention import RetentionJob
from server.settings import Settings
from storage.db import Database
from tests.storage.backup_support import Population, Stubs
from tests.support import bad_fields

pytestmark = pytest.mark.timeout(240)
Privacy: TypeAlias = "privacy_service_pb2_grpc.PrivacyServiceAsyncStub"


@pytest.fixture(scope="module")
async def job_database(settings: Settings) -> AsyncIterator[Database]:
    """A database pool of the jobs' own, as another replica would have."""
    database = Database.create(url=settings.database_url, pool_size=4, max_overflow=0)
    yield database
    await database.dispose()


async def _raw(settings: Settings) -> asyncpg.Connection:
    url = make_url(settings.database_url)
    return await asyncpg.connect(host=url.query["host"], user=url.username, database=url.database)


async def _set_policy(privacy: Privacy, population: Population, *, tickets: int, chats: int) -> None:
    await privacy.UpdateRetentionPolicy(
        privacy_service_pb2.UpdateRetentionPolicyRequest(
            retention_policy=retention_policy_pb2.RetentionPolicy(closed_ticket_days=tickets, ended_chat_days=chats),
            update_mask=field_mask_pb2.FieldMask(paths=["closed_ticket_days", "ended_chat_days"]),
        ),
        metadata=population.admin.metadata,
    )


async def _closed_ticket(stubs: Stubs, population: Population) -> str:
    ticket = await stubs.tickets.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(subject="Done and dusted", description="old"), request_id=str(uuid.uuid4())
        ),
        metadata=population.customers[0].metadata,
    )
    await stubs.tickets.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="thanks"),
        metadata=population.customers[0].metadata,
    )
    await stubs.tickets.ChangeTicketStatus(
        ticket_service_pb2.ChangeTicketStatusRequest(id=ticket.id, status=ticket_pb2.TICKET_STATUS_CLOSED),
        metadata=population.agent.metadata,
    )
    return ticket.id


async def _exists(stubs: Stubs, population: Population, ticket_id: str) -> bool:
    try:
        await stubs.tickets.GetTicket(
            ticket_service_pb2.GetTicketRequest(id=ticket_id), metadata=population.admin.metadata
        )
    except grpc.aio.AioRpcError as error:
        if error.code() != grpc.StatusCode.NOT_FOUND:
            raise
        return False
    return True


async def test_retention_is_off_by_default_and_keeps_everything(
    privacy: Privacy, stubs: Stubs, population: Population, job_database: Database
) -> None:
    policy = await privacy.GetRetentionPolicy(
        privacy_service_pb2.GetRetentionPolicyRequest(), metadata=population.admin.metadata
    )
    ticket_id = await _closed_ticket(stubs, population)

    far_future = RetentionJob(
        database=job_database, changes=None, clock=lambda: datetime.now(UTC) + timedelta(days=100_000)
    )
    done = await far_future.run_once()

    assert (policy.closed_ticket_days, policy.ended_chat_days) == (0, 0)
    assert done is not None
    assert (done.deleted_tickets, done.deleted_chats) == (0, 0)
    assert await _exists(stubs, population, ticket_id)


async def test_bad_periods_name_their_field_and_a_stale_etag_is_refused(
    privacy: Privacy, population: Population
) -> None:
    admin = population.admin.metadata
    with pytest.raises(grpc.aio.AioRpcError) as negative:
        await privacy.UpdateRetentionPolicy(
            privacy_service_pb2.UpdateRetentionPolicyRequest(
                retention_policy=retention_policy_pb2.RetentionPolicy(closed_ticket_days=-1, ended_chat_days=40_000),
                update_mask=field_mask_pb2.FieldMask(paths=["closed_ticket_days", "ended_chat_days"]),
            ),
            metadata=admin,
        )
    read = await privacy.GetRetentionPolicy(privacy_service_pb2.GetRetentionPolicyRequest(), metadata=admin)
    changed = await privacy.UpdateRetentionPolicy(
        privacy_service_pb2.UpdateRetentionPolicyRequest(
            retention_policy=retention_policy_pb2.RetentionPolicy(ended_chat_days=400, etag=read.etag)
        ),
        metadata=admin,
    )
    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await privacy.UpdateRetentionPolicy(
            privacy_service_pb2.UpdateRetentionPolicyRequest(
                retention_policy=retention_policy_pb2.RetentionPolicy(ended_chat_days=500, etag=read.etag)
            ),
            metadata=admin,
        )

    assert negative.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(negative.value) == {"retention_policy.closed_ticket_days", "retention_policy.ended_chat_days"}
    assert (changed.closed_ticket_days, changed.ended_chat_days) == (read.closed_ticket_days, 400)
    assert changed.updated_by_id == population.admin.user_id
    assert stale.value.code() == grpc.StatusCode.ABORTED
    await _set_policy(privacy, population, tickets=0, chats=0)


async def test_the_job_deletes_closed_tickets_and_ended_chats_once_past_their_period_by_the_clock(
    privacy: Privacy,
    stubs: Stubs,
    population: Population,
    job_database: Database,
    settings: Settings,
    app: HelpdeskApp,
) -> None:
    closed = await _closed_ticket(stubs, population)
    still_open = await stubs.tickets.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(subject="Still open", description="keep"), request_id=str(uuid.uuid4())
        ),
        metadata=population.customers[0].metadata,
    )
    ended_chat, open_chat = population.chat_ids  # The first was ended and rated, the second is active.
    await _set_policy(privacy, population, tickets=30, chats=7)
    now = datetime.now(UTC)

    # Told of its deletions as a replica's job is (the server's change feed): the tickets it holds go.
    assert app.tickets is not None
    changes = app.tickets.live.feed
    day_29 = await RetentionJob(
        database=job_database, changes=changes, clock=lambda: now + timedelta(days=29)
    ).run_once()
    kept = await _exists(stubs, population, closed)
    day_31 = await RetentionJob(
        database=job_database, changes=changes, clock=lambda: now + timedelta(days=31)
    ).run_once()

    assert day_29 is not None
    assert (day_29.deleted_tickets, day_29.deleted_chats) == (0, 1)
    assert kept
    assert day_31 is not None
    assert day_31.deleted_tickets >= 1
    assert not await _exists(stubs, population, closed)
    assert await _exists(stubs, population, still_open.id)
    admin = population.admin.metadata
    with pytest.raises(grpc.aio.AioRpcError) as chat_gone:
        await stubs.chat.GetChat(chat_service_pb2.GetChatRequest(id=ended_chat), metadata=admin)
    assert chat_gone.value.code() == grpc.StatusCode.NOT_FOUND
    assert (await stubs.chat.GetChat(chat_service_pb2.GetChatRequest(id=open_chat), metadata=admin)).id == open_chat
    policy = await privacy.GetRetentionPolicy(privacy_service_pb2.GetRetentionPolicyRequest(), metadata=admin)
    assert policy.last_run_deleted_tickets == day_31.deleted_tickets
    assert policy.HasField("last_run_time")
    connection = await _raw(settings)
    try:
        left = await connection.fetchval("SELECT count(*) FROM ticket_messages WHERE ticket_id = $1", uuid.UUID(closed))
        logged = await connection.fetchval(
            "SELECT count(*) FROM ticket_changes WHERE ticket_id = $1 AND kind = 'deleted'", uuid.UUID(closed)
        )
    finally:
        await connection.close()
    assert left == 0
    # Open ticket views learn of it as of any deletion.
    assert logged == 1
    await _set_policy(privacy, population, tickets=0, chats=0)


async def test_replicas_run_one_job_at_a_time_each_ticket_deleted_once_a_dead_holders_pass_is_taken_over(
    privacy: Privacy, population: Population, job_database: Database, settings: Settings
) -> None:
    connection = await _raw(settings)
    try:
        ids = await connection.fetch(
            "INSERT INTO tickets (subject, description, status, customer_id, close_time) "
            "SELECT 'Bulk ' || i, 'old', 'closed', $1, now() FROM generate_series(1, 600) AS i RETURNING id",
            uuid.UUID(population.customers[1].user_id),
        )
        doomed = [row["id"] for row in ids]
        await _set_policy(privacy, population, tickets=1, chats=0)
        later = datetime.now(UTC) + timedelta(days=2)
        # A replica that took the lease and died: nobody runs until it lapses.
        dead = RetentionJob(database=job_database, changes=None, holder="dead-replica", lease=timedelta(seconds=2))
        async with job_database.unit_of_work() as uow:
            assert await uow.retention.take_lease(holder=dead.holder, lease=timedelta(seconds=2)) is not None
        replicas = [
            RetentionJob(database=job_database, changes=None, clock=lambda: later, batch_size=50, holder=f"replica-{n}")
            for n in range(3)
        ]
        while_held = await asyncio.gather(*(replica.run_once() for replica in replicas))
        await asyncio.sleep(2.5)

        passes = await asyncio.gather(*(replica.run_once() for replica in replicas))

        assert while_held == [None, None, None]
        ran = [done for done in passes if done is not None]
        assert sum(done.deleted_tickets for done in ran) == len(doomed)
        left = await connection.fetchval("SELECT count(*) FROM tickets WHERE id = ANY($1::uuid[])", doomed)
        positions = await connection.fetch(
            "SELECT position FROM ticket_changes WHERE kind = 'deleted' AND ticket_id = ANY($1::uuid[])", doomed
        )
        assert left == 0
        # Exactly one logged deletion per ticket, at distinct positions.
        assert len(positions) == len(doomed) == len({row["position"] for row in positions})
    finally:
        await connection.close()
        await _set_policy(privacy, population, tickets=0, chats=0)


async def test_the_job_never_waits_on_a_ticket_someone_holds_and_the_next_pass_finishes_it(
    privacy: Privacy, population: Population, job_database: Database, settings: Settings
) -> None:
    writer = await _raw(settings)
    try:
        rows = await writer.fetch(
            "INSERT INTO tickets (subject, description, status, customer_id, close_time) "
            "SELECT 'Held ' || i, 'old', 'closed', $1, now() FROM generate_series(1, 3) AS i RETURNING id",
            uuid.UUID(population.customers[1].user_id),
        )
        held, *others = [row["id"] for row in rows]
        await _set_policy(privacy, population, tickets=1, chats=0)
        job = RetentionJob(
            database=job_database, changes=None, clock=lambda: datetime.now(UTC) + timedelta(days=2), batch_size=2
        )
        # Someone is in the middle of changing one of them (an open transaction holding its row).
        transaction = writer.transaction()
        await transaction.start()
        await writer.execute("SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE", held)

        first = await asyncio.wait_for(job.run_once(), timeout=30)
        await transaction.rollback()
        second = await job.run_once()

        assert first is not None
        assert first.deleted_tickets == len(others)
        assert second is not None
        assert second.deleted_tickets == 1
        assert await writer.fetchval("SELECT count(*) FROM tickets WHERE id = $1", held) == 0
    finally:
        await writer.close()
        await _set_policy(privacy, population, tickets=0, chats=0)


async def test_a_ticket_made_from_a_deleted_chat_stops_naming_it_with_a_new_etag_even_where_it_was_read_before(
    privacy: Privacy, stubs: Stubs, population: Population, job_database: Database, app: HelpdeskApp
) -> None:
    customer, agent = population.customers[0].metadata, population.agent.metadata
    started = await stubs.chat.StartChat(
        chat_service_pb2.StartChatRequest(
            topic="billing", message="Is my refund on its way?", request_id=str(uuid.uuid4())
        ),
        metadata=customer,
    )
    chat_id = started.chat.id
    await stubs.chat.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat_id), metadata=agent)
    await stubs.chat.EndChat(chat_service_pb2.EndChatRequest(id=chat_id), metadata=customer)
    made = await stubs.chat.CreateTicketFromChat(
        chat_service_pb2.CreateTicketFromChatRequest(id=chat_id), metadata=agent
    )
    # Read by both audiences, twice: whatever the server keeps of these replies, it has kept.
    before = {}
    for who in (customer, agent):
        for _ in range(2):
            before[id(who)] = await stubs.tickets.GetTicket(
                ticket_service_pb2.GetTicketRequest(id=made.id), metadata=who
            )
    await _set_policy(privacy, population, tickets=0, chats=7)
    try:
        assert app.tickets is not None
        done = await RetentionJob(
            database=job_database, changes=app.tickets.live.feed, clock=lambda: datetime.now(UTC) + timedelta(days=8)
        ).run_once()

        assert done is not None
        assert done.deleted_chats >= 1
        for who in (customer, agent):
            after = await stubs.tickets.GetTicket(ticket_service_pb2.GetTicketRequest(id=made.id), metadata=who)
            assert before[id(who)].source_chat_id == chat_id
            assert after.source_chat_id == ""
            assert after.etag != before[id(who)].etag
            assert after.subject == before[id(who)].subject
    finally:
        await _set_policy(privacy, population, tickets=0, chats=0)
