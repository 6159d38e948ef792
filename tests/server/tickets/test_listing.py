"""ListTickets: paging (AIP-158) over many tickets, filters, order_by, full-text search; idempotent create."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import grpc.aio
import pytest
from google.protobuf import timestamp_pb2

from helpdesk.v1 import auth_service_pb2_grpc, ticket_pb2, ticket_service_pb2
from tests.server.tickets.helpers import Cast, TicketStub, move_to, open_ticket
from tests.support import SignedIn, bad_fields, register

P = ticket_pb2


@pytest.fixture(scope="module")
async def busy_customer(
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub, ticket_stub: TicketStub
) -> tuple[SignedIn, list[str]]:
    """A customer with 250 tickets of mixed priorities."""
    customer = await register(auth_stub)
    priorities = (P.TICKET_PRIORITY_LOW, P.TICKET_PRIORITY_MEDIUM, P.TICKET_PRIORITY_HIGH, P.TICKET_PRIORITY_URGENT)
    ids: list[str] = []
    for start in range(0, 250, 25):
        batch = await asyncio.gather(
            *(
                open_ticket(ticket_stub, customer, subject=f"Ticket {i}", priority=priorities[i % 4])
                for i in range(start, start + 25)
            )
        )
        ids.extend(t.id for t in batch)
    return customer, ids


async def _walk(
    stub: TicketStub, caller: SignedIn, request: ticket_service_pb2.ListTicketsRequest, *, between: object = None
) -> list[ticket_pb2.Ticket]:
    seen: list[ticket_pb2.Ticket] = []
    token = ""
    while True:
        request.page_token = token
        page = await stub.ListTickets(request, metadata=caller.metadata)
        assert len(page.tickets) <= request.page_size
        seen.extend(page.tickets)
        token = page.next_page_token
        if not token:
            return seen
        if callable(between):
            await between()


@pytest.mark.parametrize("order_by", ["", "create_time", "priority desc, create_time", "number desc", "update_time"])
async def test_pages_of_seven_see_every_ticket_once_while_tickets_are_created(
    ticket_stub: TicketStub, busy_customer: tuple[SignedIn, list[str]], order_by: str
) -> None:
    customer, ids = busy_customer
    created_meanwhile: list[str] = []

    async def create_one() -> None:
        created_meanwhile.append((await open_ticket(ticket_stub, customer, subject="Meanwhile")).id)

    seen = await _walk(
        ticket_stub,
        customer,
        ticket_service_pb2.ListTicketsRequest(page_size=7, order_by=order_by, customer_id=customer.user_id),
        between=create_one,
    )
    seen_ids = [t.id for t in seen]
    original = set(ids)
    assert sorted(i for i in seen_ids if i in original) == sorted(original)
    assert len(seen_ids) == len(set(seen_ids))
    # Anything else is a ticket created between pages (by this walk or an earlier one).
    assert all(t.subject == "Meanwhile" for t in seen if t.id not in original)
    assert len(created_meanwhile) >= len(original) // 7
    if order_by == "priority desc, create_time":
        keys = [(-t.priority, t.create_time.ToDatetime(), t.id) for t in seen if t.id in original]
        assert keys == sorted(keys)


async def test_page_tokens_are_bound_to_the_filters(
    ticket_stub: TicketStub, busy_customer: tuple[SignedIn, list[str]]
) -> None:
    customer, _ = busy_customer
    first = await ticket_stub.ListTickets(
        ticket_service_pb2.ListTicketsRequest(page_size=5), metadata=customer.metadata
    )
    assert first.next_page_token
    for changed in (
        ticket_service_pb2.ListTicketsRequest(page_token=first.next_page_token, statuses=[P.TICKET_STATUS_OPEN]),
        ticket_service_pb2.ListTicketsRequest(page_token=first.next_page_token, order_by="priority"),
        ticket_service_pb2.ListTicketsRequest(page_token="garbage!"),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await ticket_stub.ListTickets(changed, metadata=customer.metadata)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert bad_fields(raised.value) == {"page_token"}
    # The page size may change between pages; page sizes above 200 are capped.
    second = await ticket_stub.ListTickets(
        ticket_service_pb2.ListTicketsRequest(page_size=500, page_token=first.next_page_token),
        metadata=customer.metadata,
    )
    assert len(second.tickets) == 200


async def test_a_token_grants_no_access(
    ticket_stub: TicketStub, busy_customer: tuple[SignedIn, list[str]], cast: Cast
) -> None:
    customer, _ = busy_customer
    first = await ticket_stub.ListTickets(
        ticket_service_pb2.ListTicketsRequest(page_size=5), metadata=customer.metadata
    )
    stolen = await ticket_stub.ListTickets(
        ticket_service_pb2.ListTicketsRequest(page_size=5, page_token=first.next_page_token),
        metadata=cast.customer_b.metadata,
    )
    assert all(t.customer_id == cast.customer_b.user_id for t in stolen.tickets)
    other = await ticket_stub.ListTickets(
        ticket_service_pb2.ListTicketsRequest(customer_id=customer.user_id), metadata=cast.customer_b.metadata
    )
    assert list(other.tickets) == []


async def test_filters(ticket_stub: TicketStub, cast: Cast) -> None:
    customer = cast.customer_b
    tag = f"t{uuid.uuid4().hex[:8]}"
    low = await open_ticket(ticket_stub, customer, priority=P.TICKET_PRIORITY_LOW, tags=(tag,), category="billing")
    urgent = await open_ticket(ticket_stub, customer, priority=P.TICKET_PRIORITY_URGENT, tags=(tag,))
    other = await open_ticket(ticket_stub, customer, tags=(tag,), subject="Wireless keyboards disconnect")
    await move_to(ticket_stub, urgent.id, P.TICKET_STATUS_IN_PROGRESS, cast.agent_a)
    await ticket_stub.AssignTicket(
        ticket_service_pb2.AssignTicketRequest(id=urgent.id, assignee_id="me"), metadata=cast.agent_b.metadata
    )
    await move_to(ticket_stub, other.id, P.TICKET_STATUS_CLOSED, cast.agent_a)

    async def ids(caller: SignedIn = cast.agent_a, **fields: object) -> set[str]:
        page = await ticket_stub.ListTickets(
            ticket_service_pb2.ListTicketsRequest(tag=tag, page_size=200, **fields),  # type: ignore[arg-type]
            metadata=caller.metadata,
        )
        return {t.id for t in page.tickets}

    assert await ids() == {low.id, urgent.id, other.id}
    assert await ids(statuses=[P.TICKET_STATUS_OPEN, P.TICKET_STATUS_IN_PROGRESS]) == {low.id, urgent.id}
    assert await ids(priorities=[P.TICKET_PRIORITY_URGENT]) == {urgent.id}
    assert await ids(assignee_id="none") == {low.id, other.id}
    assert await ids(caller=cast.agent_b, assignee_id="me") == {urgent.id}
    assert await ids(assignee_id=cast.agent_b.user_id) == {urgent.id}
    assert await ids(category="billing") == {low.id}
    assert await ids(customer_id=customer.user_id) == {low.id, urgent.id, other.id}
    assert await ids(query="wireless keyboard") == {other.id}
    assert await ids(query="wireless mouse") == set()
    assert await ids(caller=customer, query="keyboards") == {other.id}
    future = timestamp_pb2.Timestamp()
    future.FromDatetime(datetime.now(UTC) + timedelta(hours=1))
    assert await ids(create_time_start=future) == set()
    assert await ids(create_time_end=future) == {low.id, urgent.id, other.id}
    for bad in (
        ticket_service_pb2.ListTicketsRequest(order_by="subject"),
        ticket_service_pb2.ListTicketsRequest(order_by="priority sideways"),
        ticket_service_pb2.ListTicketsRequest(assignee_id="someone"),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await ticket_stub.ListTickets(bad, metadata=cast.agent_a.metadata)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_total_size_counts_every_page_of_the_filter_only_when_asked(ticket_stub: TicketStub, cast: Cast) -> None:
    tag = f"n{uuid.uuid4().hex[:8]}"
    opened = [await open_ticket(ticket_stub, cast.customer_a, tags=(tag,)) for _ in range(3)]
    await open_ticket(ticket_stub, cast.customer_b, tags=(tag,), priority=P.TICKET_PRIORITY_URGENT)
    await move_to(ticket_stub, opened[0].id, P.TICKET_STATUS_RESOLVED, cast.agent_a)

    async def page(caller: SignedIn, **fields: object) -> ticket_service_pb2.ListTicketsResponse:
        request = ticket_service_pb2.ListTicketsRequest(tag=tag, page_size=1, **fields)  # type: ignore[arg-type]
        return await ticket_stub.ListTickets(request, metadata=caller.metadata)

    counted = await page(cast.agent_a, include_total_size=True)
    assert (len(counted.tickets), counted.total_size) == (1, 4)
    assert (await page(cast.agent_a)).total_size == 0
    assert (await page(cast.agent_a, include_total_size=True, statuses=[P.TICKET_STATUS_OPEN])).total_size == 3
    assert (await page(cast.agent_a, include_total_size=True, query="zzzunmatched")).total_size == 0
    # Customers count their own tickets only, whatever they ask for.
    assert (await page(cast.customer_a, include_total_size=True)).total_size == 3
    assert (await page(cast.customer_a, include_total_size=True, customer_id=cast.customer_b.user_id)).total_size == 0


async def test_number_finds_one_ticket_the_caller_may_see(ticket_stub: TicketStub, cast: Cast) -> None:
    mine = await open_ticket(ticket_stub, cast.customer_a)
    theirs = await open_ticket(ticket_stub, cast.customer_b)

    async def ids(caller: SignedIn, number: int) -> list[str]:
        page = await ticket_stub.ListTickets(
            ticket_service_pb2.ListTicketsRequest(number=number), metadata=caller.metadata
        )
        return [t.id for t in page.tickets]

    assert await ids(cast.agent_a, mine.number) == [mine.id]
    assert await ids(cast.customer_a, mine.number) == [mine.id]
    assert await ids(cast.customer_a, theirs.number) == []
    assert await ids(cast.agent_a, theirs.number + 1_000_000) == []
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await ids(cast.agent_a, -1)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(raised.value) == {"number"}


async def test_message_text_is_searchable(ticket_stub: TicketStub, cast: Cast) -> None:
    ticket = await open_ticket(ticket_stub, cast.customer_a, subject="Login trouble", description="Cannot sign in")
    await ticket_stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="My authenticator app was reset"),
        metadata=cast.customer_a.metadata,
    )
    for caller in (cast.customer_a, cast.agent_a):
        page = await ticket_stub.ListTickets(
            ticket_service_pb2.ListTicketsRequest(query="authenticator login"), metadata=caller.metadata
        )
        assert [t.id for t in page.tickets] == [ticket.id]


async def test_create_is_idempotent_under_concurrent_retries(ticket_stub: TicketStub, cast: Cast) -> None:
    request = ticket_service_pb2.CreateTicketRequest(
        ticket=ticket_pb2.Ticket(subject="Only once", description="Retried by a flaky client"),
        request_id=str(uuid.uuid4()),
    )
    results = await asyncio.gather(
        *(ticket_stub.CreateTicket(request, metadata=cast.customer_a.metadata) for _ in range(8))
    )
    assert len({t.id for t in results}) == 1
    assert len({t.number for t in results}) == 1
    later = await ticket_stub.CreateTicket(request, metadata=cast.customer_a.metadata)
    assert later.id == results[0].id
    # The key is scoped to the caller: someone else's identical key creates their own ticket.
    theirs = await ticket_stub.CreateTicket(request, metadata=cast.customer_b.metadata)
    assert theirs.id != later.id
    page = await ticket_stub.ListTickets(
        ticket_service_pb2.ListTicketsRequest(query="retried flaky", page_size=50), metadata=cast.customer_a.metadata
    )
    assert [t.id for t in page.tickets] == [later.id]


async def test_add_message_is_idempotent(ticket_stub: TicketStub, cast: Cast) -> None:
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    request = ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="hi", request_id=str(uuid.uuid4()))
    results = await asyncio.gather(
        *(ticket_stub.AddTicketMessage(request, metadata=cast.customer_a.metadata) for _ in range(5))
    )
    assert len({m.id for m in results}) == 1
    current = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=cast.customer_a.metadata
    )
    assert current.message_count == 1


@pytest.mark.parametrize("order_by", ["", "due_time", "priority desc, create_time"])
async def test_a_listed_ticket_is_the_same_bytes_as_get_ticket_returns(
    ticket_stub: TicketStub, cast: Cast, order_by: str
) -> None:
    # Varied tickets: plain; tagged and categorised; assigned with a reply and an internal note;
    # resolved; closed and rated.
    category = f"same-bytes-{uuid.uuid4().hex[:8]}"
    plain = await open_ticket(ticket_stub, cast.customer_a, category=category)
    tagged = await open_ticket(
        ticket_stub, cast.customer_a, category=category, tags=("printer", "floor-2"), priority=P.TICKET_PRIORITY_URGENT
    )
    worked, resolved, closed = [
        await open_ticket(ticket_stub, cast.customer_a, category=category, subject=f"Worked {i} ü ✓") for i in range(3)
    ]
    for ticket in (worked, resolved, closed):
        await ticket_stub.AssignTicket(
            ticket_service_pb2.AssignTicketRequest(id=ticket.id, assignee_id=cast.agent_a.user_id),
            metadata=cast.agent_a.metadata,
        )
        await ticket_stub.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="On it"),
            metadata=cast.agent_a.metadata,
        )
        await ticket_stub.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="Note", internal=True),
            metadata=cast.agent_a.metadata,
        )
    resolved_reply = await move_to(ticket_stub, resolved.id, P.TICKET_STATUS_RESOLVED, cast.agent_a)
    await move_to(ticket_stub, closed.id, P.TICKET_STATUS_RESOLVED, cast.agent_a)
    await ticket_stub.RateTicket(
        ticket_service_pb2.RateTicketRequest(id=closed.id, rating=4, comment="Quick"), metadata=cast.customer_a.metadata
    )
    closed_reply = await move_to(ticket_stub, closed.id, P.TICKET_STATUS_CLOSED, cast.agent_a)
    ids = {t.id for t in (plain, tagged, worked, resolved, closed)}
    # What the last write of a ticket answered, as the customer and as staff see it: reads and
    # writes build the message from differently read rows, and must agree to the byte.
    written = {
        (cast.customer_a.user_id, plain.id): plain,
        (cast.customer_a.user_id, tagged.id): tagged,
        (cast.agent_b.user_id, resolved.id): resolved_reply,
        (cast.agent_b.user_id, closed.id): closed_reply,
    }

    for caller in (cast.customer_a, cast.agent_b):
        listed = await _walk(
            ticket_stub,
            caller,
            ticket_service_pb2.ListTicketsRequest(category=category, order_by=order_by, page_size=2),
        )
        assert {t.id for t in listed} == ids
        compared = 0
        for ticket in listed:
            got = await ticket_stub.GetTicket(
                ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=caller.metadata
            )
            assert ticket.SerializeToString(deterministic=True) == got.SerializeToString(deterministic=True)
            if (caller.user_id, ticket.id) in written:
                reply = written[caller.user_id, ticket.id].SerializeToString(deterministic=True)
                assert got.SerializeToString(deterministic=True) == reply
                compared += 1
        assert compared == 2
        by_id = {t.id: t for t in listed}
        # Internal notes count for staff only; the customer's view of the same ticket counts the reply alone.
        assert by_id[worked.id].message_count == (1 if caller is cast.customer_a else 2)
        assert by_id[closed.id].rating == 4
        assert by_id[closed.id].HasField("close_time")
        assert by_id[resolved.id].HasField("resolve_time")
        assert by_id[worked.id].assignee_id == cast.agent_a.user_id
