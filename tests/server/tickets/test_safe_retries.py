"""Retrying a ticket change whose first attempt succeeded answers the ticket unchanged, never an error.

The retry carries the etag the client read before its first attempt; that attempt changed the
etag, so an etag check first would refuse the retry with ABORTED, and a transition check first
would call a move to the current status illegal. Neither is what a retrying client should see.
"""

from __future__ import annotations

from helpdesk.v1 import ticket_pb2, ticket_service_pb2
from tests.server.tickets.helpers import Cast, TicketStub, open_ticket


async def _events(stub: TicketStub, ticket_id: str, cast: Cast) -> int:
    listed = await stub.ListTicketEvents(
        ticket_service_pb2.ListTicketEventsRequest(ticket_id=ticket_id), metadata=cast.agent_a.metadata
    )
    return len(listed.events)


async def test_a_retried_status_change_answers_the_ticket_unchanged(ticket_stub: TicketStub, cast: Cast) -> None:
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    request = ticket_service_pb2.ChangeTicketStatusRequest(
        id=ticket.id, status=ticket_pb2.TICKET_STATUS_RESOLVED, etag=ticket.etag
    )
    first = await ticket_stub.ChangeTicketStatus(request, metadata=cast.agent_a.metadata)
    assert first.etag != ticket.etag
    events = await _events(ticket_stub, ticket.id, cast)

    retried = await ticket_stub.ChangeTicketStatus(request, metadata=cast.agent_a.metadata)

    assert retried == first
    assert await _events(ticket_stub, ticket.id, cast) == events, "a no-op records no event"


async def test_a_customer_closing_a_closed_ticket_again_gets_it_unchanged(ticket_stub: TicketStub, cast: Cast) -> None:
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    close = ticket_service_pb2.ChangeTicketStatusRequest(id=ticket.id, status=ticket_pb2.TICKET_STATUS_CLOSED)
    closed = await ticket_stub.ChangeTicketStatus(close, metadata=cast.customer_a.metadata)
    again = await ticket_stub.ChangeTicketStatus(close, metadata=cast.customer_a.metadata)
    assert again == closed
    assert again.status == ticket_pb2.TICKET_STATUS_CLOSED


async def test_a_retried_assignment_answers_the_ticket_unchanged(ticket_stub: TicketStub, cast: Cast) -> None:
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    request = ticket_service_pb2.AssignTicketRequest(id=ticket.id, assignee_id=cast.agent_b.user_id, etag=ticket.etag)
    first = await ticket_stub.AssignTicket(request, metadata=cast.agent_a.metadata)
    assert first.assignee_id == cast.agent_b.user_id
    events = await _events(ticket_stub, ticket.id, cast)

    retried = await ticket_stub.AssignTicket(request, metadata=cast.agent_a.metadata)

    assert retried == first
    assert await _events(ticket_stub, ticket.id, cast) == events
