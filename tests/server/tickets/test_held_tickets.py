"""GetTicket from the replica's memory, exact over pushed invalidations: two replicas, one PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import grpc
import grpc.aio
import pytest
from redis.asyncio import Redis

from helpdesk.v1 import (
    auth_service_pb2,
    privacy_service_pb2,
    ticket_pb2,
    ticket_service_pb2,
    user_pb2,
    user_service_pb2,
)
from server.app import HelpdeskApp
from server.core.context import Principal, Role
from server.settings import Settings
from tests.server.tickets.held_support import Replica, change_behind_the_caches, from_postgresql, held_by
from tests.server.tickets.helpers import Cast, TicketStub, error_info, open_ticket
from tests.support import SignedIn, becomes_true, register, second_replica, serving_on_its_own_redis

# A write, made on a replica as `cast`'s members, to the ticket of the customer given.
Write = Callable[[Replica, Cast, SignedIn, str], Awaitable[None]]


@pytest.fixture
async def replicas(app: HelpdeskApp, settings: Settings) -> AsyncIterator[tuple[Replica, Replica]]:
    """The module's server (A) and a second one (B) on the same PostgreSQL and Redis, both holding tickets."""
    async with second_replica(app, settings) as (other, to_a, to_b):
        a, b = Replica(app, to_a), Replica(other, to_b)
        assert await becomes_true(lambda: a.live)
        assert await becomes_true(lambda: b.live)
        yield a, b


async def _etag(replica: Replica, ticket_id: str, cast: Cast) -> str:
    return (await replica.get(ticket_id, cast.agent_a)).etag


async def _edit_subject(replica: Replica, cast: Cast, customer: SignedIn, ticket_id: str) -> None:
    request = ticket_service_pb2.UpdateTicketRequest(ticket=ticket_pb2.Ticket(id=ticket_id, subject="Edited subject"))
    request.update_mask.paths.append("subject")
    await replica.tickets.UpdateTicket(request, metadata=cast.agent_a.metadata)


async def _edit_as_customer(replica: Replica, cast: Cast, customer: SignedIn, ticket_id: str) -> None:
    request = ticket_service_pb2.UpdateTicketRequest(
        ticket=ticket_pb2.Ticket(id=ticket_id, description="Edited by its customer")
    )
    request.update_mask.paths.append("description")
    await replica.tickets.UpdateTicket(request, metadata=customer.metadata)


async def _change_status(replica: Replica, cast: Cast, customer: SignedIn, ticket_id: str) -> None:
    await replica.tickets.ChangeTicketStatus(
        ticket_service_pb2.ChangeTicketStatusRequest(id=ticket_id, status=ticket_pb2.TICKET_STATUS_IN_PROGRESS),
        metadata=cast.agent_a.metadata,
    )


async def _assign(replica: Replica, cast: Cast, customer: SignedIn, ticket_id: str) -> None:
    await replica.tickets.AssignTicket(
        ticket_service_pb2.AssignTicketRequest(id=ticket_id, assignee_id=cast.agent_b.user_id),
        metadata=cast.agent_a.metadata,
    )


async def _reply(replica: Replica, cast: Cast, customer: SignedIn, ticket_id: str) -> None:
    await replica.tickets.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket_id, body="A public reply"),
        metadata=cast.agent_a.metadata,
    )


async def _note(replica: Replica, cast: Cast, customer: SignedIn, ticket_id: str) -> None:
    await replica.tickets.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket_id, body="An internal note", internal=True),
        metadata=cast.agent_a.metadata,
    )


async def _rate(replica: Replica, cast: Cast, customer: SignedIn, ticket_id: str) -> None:
    await replica.tickets.RateTicket(
        ticket_service_pb2.RateTicketRequest(id=ticket_id, rating=4, comment="Fine"), metadata=customer.metadata
    )


async def _rename_customer(replica: Replica, cast: Cast, customer: SignedIn, ticket_id: str) -> None:
    request = user_service_pb2.UpdateUserRequest(user=user_pb2.User(id=customer.user_id, display_name="Renamed"))
    request.update_mask.paths.append("display_name")
    await replica.users.UpdateUser(request, metadata=cast.admin.metadata)


async def _rename_assignee(replica: Replica, cast: Cast, customer: SignedIn, ticket_id: str) -> None:
    # The assignee is a user of its own, renamed by the administrator.
    request = user_service_pb2.UpdateUserRequest(
        user=user_pb2.User(id=cast.agent_b.user_id, display_name=f"Agent {uuid.uuid4().hex[:6]}")
    )
    request.update_mask.paths.append("display_name")
    await replica.users.UpdateUser(request, metadata=cast.admin.metadata)


async def _erase_customer(replica: Replica, cast: Cast, customer: SignedIn, ticket_id: str) -> None:
    user = await replica.users.GetUser(
        user_service_pb2.GetUserRequest(id=customer.user_id), metadata=cast.admin.metadata
    )
    await replica.privacy.EraseCustomer(
        privacy_service_pb2.EraseCustomerRequest(user_id=customer.user_id, etag=user.etag), metadata=cast.admin.metadata
    )


async def _delete(replica: Replica, cast: Cast, customer: SignedIn, ticket_id: str) -> None:
    await replica.tickets.DeleteTicket(
        ticket_service_pb2.DeleteTicketRequest(id=ticket_id), metadata=cast.admin.metadata
    )


WRITES: list[Write] = [
    _edit_subject,
    _edit_as_customer,
    _change_status,
    _assign,
    _reply,
    _note,
    _rate,
    _rename_customer,
    _rename_assignee,
    _erase_customer,
    _delete,
]


async def _resolve(replica: Replica, cast: Cast, customer: SignedIn, ticket_id: str) -> None:
    for status in (ticket_pb2.TICKET_STATUS_IN_PROGRESS, ticket_pb2.TICKET_STATUS_RESOLVED):
        await replica.tickets.ChangeTicketStatus(
            ticket_service_pb2.ChangeTicketStatusRequest(id=ticket_id, status=status), metadata=cast.agent_a.metadata
        )


# What a write needs done to the ticket first (before the replicas hold it).
PREPARED_BY: dict[Write, Write] = {_rate: _resolve, _rename_assignee: _assign}


async def _reply_or_not_found(replica: Replica, ticket_id: str, reader: SignedIn) -> ticket_pb2.Ticket | None:
    try:
        return await replica.get(ticket_id, reader)
    except grpc.aio.AioRpcError as error:
        if error.code() is not grpc.StatusCode.NOT_FOUND:
            raise
        return None


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__.strip("_"))
async def test_every_write_shows_at_once_on_its_replica_and_on_the_other_when_announced(
    replicas: tuple[Replica, Replica], cast: Cast, write: Write
) -> None:
    a, b = replicas
    # A customer of its own: a rename or an erasure must not touch the module's cast.
    customer = await register(a.auth)
    ticket = await open_ticket(a.tickets, customer)
    prepare = PREPARED_BY.get(write)
    if prepare is not None:
        await prepare(a, cast, customer, ticket.id)
    # Staff and the ticket's customer (signed out for good by an erasure).
    readers = ((cast.agent_a, True),) if write is _erase_customer else ((cast.agent_a, True), (customer, False))
    held: dict[tuple[str, bool], ticket_pb2.Ticket] = {}
    for replica, name in ((a, "a"), (b, "b")):
        for reader, staff in readers:
            held[(name, staff)] = await held_by(replica, ticket.id, reader)
    announced_to_b = b.dropped(ticket.id)

    await write(a, cast, customer, ticket.id)

    for reader, staff in readers:
        truth = await from_postgresql(a.app, ticket.id, staff=staff)
        # The writing replica answers with the change as soon as the write is acknowledged...
        assert await _reply_or_not_found(a, ticket.id, reader) == truth
        if truth is not None and (staff or write is not _note):
            assert truth != held[("a", staff)]
    # ...the other one once the announcement has arrived.
    await asyncio.wait_for(announced_to_b.wait(), timeout=5)
    for reader, staff in readers:
        truth = await from_postgresql(a.app, ticket.id, staff=staff)
        assert await _reply_or_not_found(b, ticket.id, reader) == truth


async def test_a_sign_in_leaves_the_tickets_naming_its_user_held_where_a_rename_drops_them(
    replicas: tuple[Replica, Replica], cast: Cast
) -> None:
    a, b = replicas
    customer = await register(a.auth)
    ticket = await open_ticket(a.tickets, customer)
    held = {replica: await held_by(replica, ticket.id, cast.agent_a) for replica in (a, b)}
    generations = {replica: replica.held.generation for replica in (a, b)}
    assert b.app.tickets is not None
    signed_in_on_b = asyncio.Event()
    b.app.tickets.live.principals.user_records.drop_listeners.add(
        lambda user_ids: signed_in_on_b.set() if uuid.UUID(customer.user_id) in user_ids else None
    )

    await a.auth.Login(auth_service_pb2.LoginRequest(email=customer.email, password=customer.password))

    # The sign-in's announcement reaches B, which forgets its copy of the user's record (GetCurrentUser
    # shows the sign-in time)...
    await asyncio.wait_for(signed_in_on_b.wait(), timeout=5)
    # ...and the ticket naming the user is still held on both, answered from memory (the change made
    # behind the caches unseen), with no drop of held tickets since: the sign-in time shows on no ticket.
    for replica in (a, b):
        assert replica.held.get(ticket.id) is not None
        assert await replica.get(ticket.id, cast.agent_a) == held[replica]
        assert replica.held.generation == generations[replica]

    renamed_on_b = b.dropped(ticket.id)
    await _rename_customer(a, cast, customer, ticket.id)

    # A rename drops it: the new name (and the change behind the caches) shows on both.
    await asyncio.wait_for(renamed_on_b.wait(), timeout=5)
    truth = await from_postgresql(a.app, ticket.id, staff=True)
    assert truth is not None
    assert truth.customer_display_name == "Renamed"
    for replica in (a, b):
        assert await replica.get(ticket.id, cast.agent_a) == truth != held[replica]


async def test_an_edit_shows_with_its_new_etag(replicas: tuple[Replica, Replica], cast: Cast) -> None:
    a, b = replicas
    ticket = await open_ticket(a.tickets, cast.customer_a)
    await held_by(a, ticket.id, cast.agent_a)
    await held_by(b, ticket.id, cast.agent_a)
    announced_to_b = b.dropped(ticket.id)

    request = ticket_service_pb2.UpdateTicketRequest(ticket=ticket_pb2.Ticket(id=ticket.id, subject="New subject"))
    request.update_mask.paths.append("subject")
    edited = await a.tickets.UpdateTicket(request, metadata=cast.agent_a.metadata)

    on_a = await a.get(ticket.id, cast.agent_a)
    assert (on_a.subject, on_a.etag) == ("New subject", edited.etag)
    assert on_a.etag != ticket.etag
    await asyncio.wait_for(announced_to_b.wait(), timeout=5)
    on_b = await b.get(ticket.id, cast.agent_a)
    assert (on_b.subject, on_b.etag) == ("New subject", edited.etag)


async def test_each_audience_sees_its_own_reply_and_others_tickets_stay_missing(
    replicas: tuple[Replica, Replica], cast: Cast
) -> None:
    a, _ = replicas
    ticket = await open_ticket(a.tickets, cast.customer_a)
    await a.tickets.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="A note", internal=True),
        metadata=cast.agent_a.metadata,
    )
    as_agent = await a.get(ticket.id, cast.agent_a)
    assert a.held.get(ticket.id) is not None
    assert as_agent == await from_postgresql(a.app, ticket.id, staff=True)

    # Held for staff, the ticket answers each audience as a fresh read would.
    assert await a.get(ticket.id, cast.admin) == as_agent
    as_customer = await a.get(ticket.id, cast.customer_a)
    assert as_customer == await from_postgresql(a.app, ticket.id, staff=False)
    assert (as_agent.message_count, as_customer.message_count) == (1, 0)
    # Another customer gets exactly what a missing ticket gets, held or not.
    with pytest.raises(grpc.aio.AioRpcError) as other:
        await a.get(ticket.id, cast.customer_b)
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await a.get(str(uuid.uuid4()), cast.customer_b)
    assert other.value.code() is missing.value.code() is grpc.StatusCode.NOT_FOUND
    assert other.value.details() == missing.value.details()
    assert error_info(other.value) == error_info(missing.value)


async def test_a_read_that_raced_a_change_is_not_kept(replicas: tuple[Replica, Replica], cast: Cast) -> None:
    a, _ = replicas
    assert a.app.tickets is not None
    desk = a.app.tickets.desk
    ticket = await open_ticket(a.tickets, cast.customer_a)
    caller = Principal(user_id=uuid.UUID(cast.agent_a.user_id), role=Role.AGENT, session_id=uuid.uuid4())

    reading = asyncio.create_task(desk.get_ticket(principal=caller, ticket_id=ticket.id))
    await asyncio.sleep(0)  # the read is under way, waiting for PostgreSQL
    a.held.entries.drop([ticket.id])  # a change of the ticket is announced meanwhile
    await reading

    # What the read found may predate the change: it answered its caller, but is not kept.
    assert a.held.get(ticket.id) is None
    await desk.get_ticket(principal=caller, ticket_id=ticket.id)
    assert a.held.get(ticket.id) is not None


async def test_without_the_subscription_tickets_come_from_postgresql_and_none_stale_survives(
    settings: Settings, tmp_path: Path, cast: Cast, ticket_stub: TicketStub
) -> None:
    async with serving_on_its_own_redis(settings, tmp_path) as (app, channel, own):
        replica = Replica(app, channel)
        assert await becomes_true(lambda: replica.live)
        ticket = await open_ticket(ticket_stub, cast.customer_a)
        await held_by(replica, ticket.id, cast.agent_a)

        await asyncio.to_thread(own.stop)
        assert await becomes_true(lambda: not replica.live)
        # Announcements could be missed now: a change nobody announced is seen at once (PostgreSQL answers).
        await change_behind_the_caches(app, ticket.id, "Changed while down")
        assert (await replica.get(ticket.id, cast.agent_a)).description == "Changed while down"
        assert replica.held.get(ticket.id) is None

        await asyncio.to_thread(own.start)
        assert await becomes_true(lambda: replica.live, within=10)
        # Back: tickets are held again, and nothing held from before the outage comes back.
        assert (await replica.get(ticket.id, cast.agent_a)).description == "Changed while down"
        assert replica.held.get(ticket.id) is not None


async def test_the_writing_replica_forgets_the_ticket_before_answering_even_when_redis_cannot_announce(
    app: HelpdeskApp, ticket_stub: TicketStub, cast: Cast, redis_client: Redis
) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
        replica = Replica(app, channel)
        assert await becomes_true(lambda: replica.live)
        ticket = await open_ticket(ticket_stub, cast.customer_a)
        await held_by(replica, ticket.id, cast.agent_a)

        # Redis holds every write (the announcement included) for longer than the client waits.
        await redis_client.client_pause(6000, all=False)
        try:
            request = ticket_service_pb2.UpdateTicketRequest(ticket=ticket_pb2.Ticket(id=ticket.id, subject="Edited"))
            request.update_mask.paths.append("subject")
            edited = await replica.tickets.UpdateTicket(request, metadata=cast.agent_a.metadata)
            assert await replica.get(ticket.id, cast.agent_a) == edited
        finally:
            await redis_client.client_unpause()
