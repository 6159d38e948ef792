"""ListTickets pages kept whole (EncodedTickets.list_page): given again only for equal stamps, to the same audience.

Each reply is compared with the one built from fresh rows the way the servicer always built it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence

import grpc.aio
from google.protobuf import field_mask_pb2

from helpdesk.v1 import (
    auth_service_pb2_grpc,
    ticket_service_pb2,
    user_pb2,
    user_service_pb2,
    user_service_pb2_grpc,
)
from server.app import HelpdeskApp
from server.core.context import Principal, Role
from server.tickets.convert import view_fields
from server.tickets.encoded import EncodedTickets
from server.tickets.listing import ListTicketsQuery, StampPage
from storage.repositories.ticket_records import TicketView
from tests.server.sla.sla_support import new_category
from tests.server.tickets.helpers import TicketStub, open_ticket
from tests.support import SignedIn, register, sign_in_as

_LIST = "/helpdesk.v1.TicketService/ListTickets"


def _principal(who: SignedIn, role: Role) -> Principal:
    return Principal(user_id=uuid.UUID(who.user_id), role=role, session_id=uuid.uuid4())


def _cache_hits(app: HelpdeskApp, cache: str) -> float:
    registry = app.resources.metrics.registry
    return registry.get_sample_value("helpdesk_cache_hits_total", {"cache": cache}) or 0.0


async def _served(channel: grpc.aio.Channel, who: SignedIn, request: ticket_service_pb2.ListTicketsRequest) -> bytes:
    """ListTickets' reply bytes as the server sent them."""
    call: grpc.aio.UnaryUnaryMultiCallable[ticket_service_pb2.ListTicketsRequest, bytes] = channel.unary_unary(
        _LIST, request_serializer=ticket_service_pb2.ListTicketsRequest.SerializeToString
    )
    reply: bytes = await call(request, metadata=who.metadata)
    return reply


async def _built(app: HelpdeskApp, principal: Principal, query: ListTicketsQuery, page_size: int) -> bytes:
    """ListTickets' first page as the servicer used to build it, from fresh rows."""
    assert app.tickets is not None
    tickets, next_page_token = await app.tickets.desk.list_tickets(
        principal=principal, query=query, page_size=page_size, page_token=""
    )
    response = ticket_service_pb2.ListTicketsResponse(next_page_token=next_page_token)
    for ticket in tickets:
        response.tickets.add(**view_fields(ticket, staff=principal.is_staff))
    return response.SerializeToString()


async def _rename(
    user_stub: user_service_pb2_grpc.UserServiceAsyncStub, user: SignedIn, name: str, admin: SignedIn
) -> None:
    await user_stub.UpdateUser(
        user_service_pb2.UpdateUserRequest(
            user=user_pb2.User(id=user.user_id, display_name=name),
            update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
        ),
        metadata=admin.metadata,
    )


async def test_an_unchanged_page_is_answered_from_its_kept_reply_and_a_changed_one_is_not(
    app: HelpdeskApp,
    channel: grpc.aio.Channel,
    ticket_stub: TicketStub,
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub,
) -> None:
    customer = await register(auth_stub)
    agent = await sign_in_as(app, auth_stub, Role.AGENT)
    category = new_category()
    opened = [await open_ticket(ticket_stub, customer, category=category, subject=f"Ticket {i}") for i in range(3)]
    request = ticket_service_pb2.ListTicketsRequest(category=category, order_by="create_time", page_size=2)
    query = ListTicketsQuery(category=category, order_by="create_time")
    principal = _principal(agent, Role.AGENT)

    first = await _served(channel, agent, request)  # builds the tickets' entries
    second = await _served(channel, agent, request)  # every ticket kept: the page is kept whole
    pages, tickets = _cache_hits(app, "encoded_pages"), _cache_hits(app, "encoded_tickets")
    third = await _served(channel, agent, request)
    assert _cache_hits(app, "encoded_pages") == pages + 1, "an unchanged page is answered whole"
    assert _cache_hits(app, "encoded_tickets") == tickets, "without looking its tickets up one by one"
    built = await _built(app, principal, query, 2)
    assert first == second == third == built
    assert ticket_service_pb2.ListTicketsResponse.FromString(third).next_page_token

    # An internal note leaves the version alone but not what staff see: the kept page is not given.
    await ticket_stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=opened[0].id, body="Vendor called.", internal=True),
        metadata=agent.metadata,
    )
    pages = _cache_hits(app, "encoded_pages")
    noted = await _served(channel, agent, request)
    assert _cache_hits(app, "encoded_pages") == pages
    assert noted == await _built(app, principal, query, 2) != built

    # The last ticket gone: the same first page, but no next page any more.
    admin = await sign_in_as(app, auth_stub, Role.ADMIN)
    await ticket_stub.DeleteTicket(ticket_service_pb2.DeleteTicketRequest(id=opened[2].id), metadata=admin.metadata)
    for _ in range(3):
        last = await _served(channel, agent, request)
        assert last == await _built(app, principal, query, 2)
    assert not ticket_service_pb2.ListTicketsResponse.FromString(last).next_page_token


async def test_a_kept_page_is_given_to_its_own_audience_only(
    app: HelpdeskApp,
    channel: grpc.aio.Channel,
    ticket_stub: TicketStub,
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub,
) -> None:
    """Staff and the customer asking for the same page, with the same filters, read the same stamps."""
    customer = await register(auth_stub)
    agent = await sign_in_as(app, auth_stub, Role.AGENT)
    ticket = await open_ticket(ticket_stub, customer)
    await ticket_stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="Internal only.", internal=True),
        metadata=agent.metadata,
    )
    request = ticket_service_pb2.ListTicketsRequest(customer_id=customer.user_id, page_size=5)
    query = ListTicketsQuery(customer_id=customer.user_id)
    staff_built = await _built(app, _principal(agent, Role.AGENT), query, 5)
    customer_built = await _built(app, _principal(customer, Role.CUSTOMER), query, 5)
    assert staff_built != customer_built  # staff count the internal note
    for _ in range(3):
        assert await _served(channel, agent, request) == staff_built
        assert await _served(channel, customer, request) == customer_built


async def test_a_page_made_with_tickets_read_after_its_stamps_is_not_kept(
    app: HelpdeskApp,
    ticket_stub: TicketStub,
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub,
    user_stub: user_service_pb2_grpc.UserServiceAsyncStub,
) -> None:
    """Its reply may show a ticket newer than the stamps; equal stamps read later must not get it."""
    customer = await register(auth_stub)
    agent = await sign_in_as(app, auth_stub, Role.AGENT)
    admin = await sign_in_as(app, auth_stub, Role.ADMIN)
    await _rename(user_stub, customer, "Ana", admin)
    await open_ticket(ticket_stub, customer)
    assert app.tickets is not None
    desk = app.tickets.desk
    principal = _principal(agent, Role.AGENT)
    query = ListTicketsQuery(customer_id=customer.user_id)
    encoded = EncodedTickets(max_entries=100, max_bytes=1 << 20)

    async def page() -> StampPage:
        return await desk.list_stamp_page(principal=principal, query=query, page_size=5, page_token="")

    async def renamed_then_read(ids: list[uuid.UUID]) -> dict[uuid.UUID, TicketView]:
        # The customer renamed between the page's stamps and its tickets' rows.
        await _rename(user_stub, customer, "Bia", admin)
        return await desk.ticket_views(ticket_ids=ids)

    async def read(ids: list[uuid.UUID]) -> dict[uuid.UUID, TicketView]:
        return await desk.ticket_views(ticket_ids=ids)

    async def reply(
        stamps: StampPage, views: Callable[[list[uuid.UUID]], Awaitable[dict[uuid.UUID, TicketView]]]
    ) -> list[str]:
        raw = await encoded.list_page(
            stamps.key, stamps.read, size=stamps.size, staff=True, next_page_token=stamps.next_page_token, views=views
        )
        return [t.customer_display_name for t in ticket_service_pb2.ListTicketsResponse.FromString(raw).tickets]

    before = await page()
    assert [stamp.customer_display_name for stamp in before.stamps] == ["Ana"]
    assert await reply(before, renamed_then_read) == ["Bia"]  # newer than its stamp: allowed
    await _rename(user_stub, customer, "Ana", admin)
    again = await page()
    assert again.read == before.read  # the same stamps as the first time
    assert await reply(again, read) == ["Ana"]
    assert await reply(again, read) == ["Ana"]  # kept now, and still right


async def test_kept_pages_stay_within_their_bounds(
    app: HelpdeskApp, ticket_stub: TicketStub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    customer = await register(auth_stub)
    category = new_category()
    for index in range(4):
        await open_ticket(ticket_stub, customer, category=category, subject=f"Ticket {index}", description="x" * 500)
    assert app.tickets is not None
    desk = app.tickets.desk
    principal = _principal(customer, Role.CUSTOMER)
    encoded = EncodedTickets(max_entries=1000, max_bytes=64 * 1024)  # pages: 16 KiB at most, 2 KiB each

    async def read(ids: list[uuid.UUID]) -> dict[uuid.UUID, TicketView]:
        return await desk.ticket_views(ticket_ids=ids)

    replies: dict[str, bytes] = {}
    for size in (1, 2, 4) * 40:
        for token_round in range(2):
            page = await desk.list_stamp_page(
                principal=principal, query=ListTicketsQuery(category=category), page_size=size, page_token=""
            )
            # Distinct keys (the page token is free to name anything here), so that pages pile up.
            key: Sequence[object] = (*page.key, token_round, len(replies))
            raw = await encoded.list_page(
                tuple(key), page.read, size=page.size, staff=False, next_page_token=page.next_page_token, views=read
            )
            replies.setdefault(f"{size}", raw)
            assert raw == replies[f"{size}"]
            count, size_bytes = encoded.pages
            assert size_bytes <= 16 * 1024
            assert count <= 256
    assert encoded.pages[0] > 0
    assert len(ticket_service_pb2.ListTicketsResponse.FromString(replies["4"]).tickets) == 4
