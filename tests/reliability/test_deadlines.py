"""Client deadlines on a slow path: the caller gets DEADLINE_EXCEEDED at once and the server lets go.

The slow path is real: another PostgreSQL connection holds a row lock on a ticket, so the server's
UpdateTicket of that ticket waits on the lock. A caller that gives up after 50 ms must not leave a
handler behind still waiting on PostgreSQL and holding one of the server's pooled connections —
a few impatient clients retrying would otherwise drain the pool and stall every other request.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING

import grpc
import grpc.aio
import pytest
from google.protobuf import field_mask_pb2
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from helpdesk.v1 import auth_service_pb2_grpc, ticket_pb2, ticket_service_pb2, ticket_service_pb2_grpc
from server.app import HelpdeskApp
from server.settings import Settings
from tests.support import SignedIn, register

DEADLINE_S = 0.05
# How long "promptly" may be on a loaded 2-core machine: far above 50 ms, far below a stuck call.
PROMPT_S = 1.0
# How long the server may take to notice the cancelled call, give its connection back and have
# PostgreSQL stop the statement. Well under the server's lock_timeout (15 s by default), so a
# statement merely left to time out on its own fails this test.
RELEASE_WITHIN_S = 3.0

if TYPE_CHECKING:
    TicketStub = ticket_service_pb2_grpc.TicketServiceAsyncStub


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """A small pool, so that leaked connections would show up as a stalled server quickly."""
    return settings.replace(db_pool_size=4, db_max_overflow=2, db_pool_timeout_seconds=3.0)


@pytest.fixture(scope="module")
async def channel(app: HelpdeskApp) -> AsyncIterator[grpc.aio.Channel]:
    """A channel to the module's server."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as chan:
        yield chan


@pytest.fixture(scope="module")
def tickets(channel: grpc.aio.Channel) -> TicketStub:
    """TicketService client."""
    return ticket_service_pb2_grpc.TicketServiceStub(channel)


@pytest.fixture(scope="module")
async def customer(channel: grpc.aio.Channel) -> SignedIn:
    """A customer signed up through the API."""
    return await register(auth_service_pb2_grpc.AuthServiceStub(channel))


@pytest.fixture(scope="module")
async def admin_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """Connections of our own to the module's database, outside the server's pool."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    yield engine
    await engine.dispose()


async def _open_ticket(tickets: TicketStub, customer: SignedIn) -> ticket_pb2.Ticket:
    return await tickets.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(subject="Locked printer", description="The printer queue is stuck."),
            request_id=str(uuid.uuid4()),
        ),
        metadata=customer.metadata,
    )


def _rename(ticket_id: str, subject: str) -> ticket_service_pb2.UpdateTicketRequest:
    return ticket_service_pb2.UpdateTicketRequest(
        ticket=ticket_pb2.Ticket(id=ticket_id, subject=subject),
        update_mask=field_mask_pb2.FieldMask(paths=["subject"]),
    )


@contextlib.asynccontextmanager
async def _row_locked(engine: AsyncEngine, ticket_id: str) -> AsyncIterator[AsyncConnection]:
    """Holds FOR UPDATE on the ticket's row from another session until the block ends (then rolls back)."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        await connection.execute(text("SELECT 1 FROM tickets WHERE id = :id FOR UPDATE"), {"id": ticket_id})
        try:
            yield connection
        finally:
            await transaction.rollback()


async def _waiting_on_locks(engine: AsyncEngine, database: str) -> list[str]:
    """Statements of other sessions of this database that are blocked on a lock right now."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT query FROM pg_stat_activity "
                "WHERE datname = :db AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            ),
            {"db": database},
        )
        return [str(row[0]) for row in rows]


async def _settled(app: HelpdeskApp, engine: AsyncEngine, database: str, *, within: float) -> None:
    """Waits until no statement of the database waits on a lock and the server's pool is idle."""
    deadline = time.monotonic() + within
    while True:
        waiting = await _waiting_on_locks(engine, database)
        checked_out = _checked_out(app)
        if not waiting and checked_out == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"after {within:g} s, {checked_out} pooled connection(s) still checked out "
                f"and {len(waiting)} statement(s) still waiting on a lock: {waiting}"
            )
        await asyncio.sleep(0.05)


def _checked_out(app: HelpdeskApp) -> int:
    pool = app.resources.database.engine.pool
    return int(pool.checkedout())  # type: ignore[attr-defined]


async def _expect_deadline_exceeded(call: Awaitable[object]) -> float:
    began = time.monotonic()
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await call
    elapsed = time.monotonic() - began
    assert failed.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    return elapsed


async def test_a_50ms_deadline_on_a_blocked_update_frees_the_server(
    app: HelpdeskApp,
    tickets: TicketStub,
    customer: SignedIn,
    admin_engine: AsyncEngine,
    database_url: str,
) -> None:
    database = admin_engine.url.database
    assert database is not None
    ticket = await _open_ticket(tickets, customer)
    # Sanity: the same update is fast when nothing holds the row.
    await tickets.UpdateTicket(_rename(ticket.id, "Unlocked rename"), metadata=customer.metadata, timeout=10)

    async with _row_locked(admin_engine, ticket.id):
        elapsed = await _expect_deadline_exceeded(
            tickets.UpdateTicket(_rename(ticket.id, "Too late"), metadata=customer.metadata, timeout=DEADLINE_S)
        )
        assert elapsed < PROMPT_S

        # While the lock is STILL held, the server's UPDATE must stop waiting and its connection
        # must go back to the pool: only a cancelled handler does that.
        await _settled(app, admin_engine, database, within=RELEASE_WITHIN_S)

    # The abandoned update did not happen later, once the row was free.
    current = await tickets.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=customer.metadata, timeout=10
    )
    assert current.subject == "Unlocked rename"
    # And the row is usable again at once.
    renamed = await tickets.UpdateTicket(_rename(ticket.id, "After the lock"), metadata=customer.metadata, timeout=10)
    assert renamed.subject == "After the lock"
    assert await _waiting_on_locks(admin_engine, database) == []


async def test_impatient_callers_on_a_blocked_row_do_not_starve_other_requests(
    app: HelpdeskApp,
    tickets: TicketStub,
    customer: SignedIn,
    admin_engine: AsyncEngine,
) -> None:
    database = admin_engine.url.database
    assert database is not None
    blocked = await _open_ticket(tickets, customer)
    other = await _open_ticket(tickets, customer)
    pool_capacity = app.settings.db_pool_size + app.settings.db_max_overflow

    async with _row_locked(admin_engine, blocked.id):
        # Three times more abandoned updates than the pool has connections, in waves like retries.
        for wave in range(3):
            elapsed = await asyncio.gather(
                *(
                    _expect_deadline_exceeded(
                        tickets.UpdateTicket(
                            _rename(blocked.id, f"wave {wave} call {i}"),
                            metadata=customer.metadata,
                            timeout=DEADLINE_S,
                        )
                    )
                    for i in range(pool_capacity)
                )
            )
            assert max(elapsed) < PROMPT_S

        # Requests that do not touch the locked row are served normally, well within their deadline.
        fetched = await tickets.GetTicket(
            ticket_service_pb2.GetTicketRequest(id=other.id), metadata=customer.metadata, timeout=2.0
        )
        assert fetched.id == other.id
        renamed = await tickets.UpdateTicket(_rename(other.id, "Served"), metadata=customer.metadata, timeout=2.0)
        assert renamed.subject == "Served"

        await _settled(app, admin_engine, database, within=RELEASE_WITHIN_S)

    current = await tickets.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=blocked.id), metadata=customer.metadata, timeout=10
    )
    assert current.subject == "Locked printer"
