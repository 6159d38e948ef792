"""Ticket satisfaction through the real server: the customer rates a resolved ticket once."""

from __future__ import annotations

import grpc
import grpc.aio
import pytest

from helpdesk.v1 import ticket_event_pb2, ticket_pb2, ticket_service_pb2
from tests.server.tickets.helpers import Cast, TicketStub, error_info, move_to, open_ticket
from tests.support import bad_fields


def rate(ticket_id: str, rating: int, comment: str = "") -> ticket_service_pb2.RateTicketRequest:
    """A RateTicket request."""
    return ticket_service_pb2.RateTicketRequest(id=ticket_id, rating=rating, comment=comment)


async def test_the_customer_rates_a_resolved_ticket_once(ticket_stub: TicketStub, cast: Cast) -> None:
    customer = cast.customer_a
    ticket = await open_ticket(ticket_stub, customer)
    assert ticket.rating == 0
    assert not ticket.HasField("rate_time")

    with pytest.raises(grpc.aio.AioRpcError) as too_early:
        await ticket_stub.RateTicket(rate(ticket.id, 5), metadata=customer.metadata)
    assert too_early.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(too_early.value).reason == "TICKET_NOT_RESOLVED"

    resolved = await move_to(ticket_stub, ticket.id, ticket_pb2.TICKET_STATUS_RESOLVED, cast.agent_a)
    rated = await ticket_stub.RateTicket(rate(ticket.id, 4, "  Quick and kind  "), metadata=customer.metadata)
    assert (rated.rating, rated.rating_comment) == (4, "Quick and kind")
    assert rated.HasField("rate_time")
    assert rated.etag != resolved.etag
    assert rated.status == ticket_pb2.TICKET_STATUS_RESOLVED

    # A retry of the same rating is answered unchanged; anything else is refused.
    again = await ticket_stub.RateTicket(rate(ticket.id, 4, "Quick and kind"), metadata=customer.metadata)
    assert again.etag == rated.etag
    for other in (rate(ticket.id, 1, "Quick and kind"), rate(ticket.id, 4, "Changed my mind")):
        with pytest.raises(grpc.aio.AioRpcError) as twice:
            await ticket_stub.RateTicket(other, metadata=customer.metadata)
        assert twice.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert error_info(twice.value).reason == "ALREADY_RATED"

    # Staff see the rating on the ticket and in the audit trail.
    seen = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=cast.agent_b.metadata
    )
    assert (seen.rating, seen.rating_comment) == (4, "Quick and kind")
    events = await ticket_stub.ListTicketEvents(
        ticket_service_pb2.ListTicketEventsRequest(ticket_id=ticket.id), metadata=cast.agent_b.metadata
    )
    rated_events = [e for e in events.events if e.type == ticket_event_pb2.TICKET_EVENT_TYPE_RATED]
    assert [(e.rating, e.comment, e.actor_id) for e in rated_events] == [(4, "Quick and kind", customer.user_id)]


async def test_closed_tickets_can_be_rated_and_bad_ratings_name_the_field(ticket_stub: TicketStub, cast: Cast) -> None:
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    await move_to(ticket_stub, ticket.id, ticket_pb2.TICKET_STATUS_CLOSED, cast.customer_a)
    for bad in (0, 6, -1):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await ticket_stub.RateTicket(rate(ticket.id, bad), metadata=cast.customer_a.metadata)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert bad_fields(refused.value) == {"rating"}
    with pytest.raises(grpc.aio.AioRpcError) as too_long:
        await ticket_stub.RateTicket(rate(ticket.id, 3, "x" * 1001), metadata=cast.customer_a.metadata)
    assert bad_fields(too_long.value) == {"comment"}
    rated = await ticket_stub.RateTicket(rate(ticket.id, 2), metadata=cast.customer_a.metadata)
    assert (rated.rating, rated.rating_comment, rated.status) == (2, "", ticket_pb2.TICKET_STATUS_CLOSED)


async def test_only_the_owner_rates_and_others_learn_nothing(ticket_stub: TicketStub, cast: Cast) -> None:
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    await move_to(ticket_stub, ticket.id, ticket_pb2.TICKET_STATUS_RESOLVED, cast.agent_a)
    with pytest.raises(grpc.aio.AioRpcError) as other_customer:
        await ticket_stub.RateTicket(rate(ticket.id, 1), metadata=cast.customer_b.metadata)
    assert other_customer.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as agent:
        await ticket_stub.RateTicket(rate(ticket.id, 5), metadata=cast.agent_a.metadata)
    assert agent.value.code() == grpc.StatusCode.PERMISSION_DENIED
    unrated = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=cast.customer_a.metadata
    )
    assert unrated.rating == 0
