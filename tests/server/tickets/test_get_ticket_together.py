"""GetTicket calls that arrive together (and share a statement) each get exactly what their caller may see."""

from __future__ import annotations

import asyncio

import grpc
import grpc.aio
from google.protobuf import field_mask_pb2

from helpdesk.v1 import ticket_pb2, ticket_service_pb2
from tests.server.tickets.helpers import Cast, TicketStub, open_ticket
from tests.support import SignedIn


async def _get(stub: TicketStub, ticket_id: str, caller: SignedIn) -> ticket_pb2.Ticket | grpc.StatusCode:
    try:
        return await stub.GetTicket(ticket_service_pb2.GetTicketRequest(id=ticket_id), metadata=caller.metadata)
    except grpc.aio.AioRpcError as error:
        return error.code()


async def test_concurrent_reads_of_the_same_tickets_answer_each_caller_by_their_own_rights(
    ticket_stub: TicketStub, cast: Cast
) -> None:
    mine, theirs = await asyncio.gather(
        open_ticket(ticket_stub, cast.customer_a, subject="Mine"),
        open_ticket(ticket_stub, cast.customer_b, subject="Theirs"),
    )
    missing = "00000000-0000-4000-8000-000000000000"
    asks = [
        (mine.id, cast.customer_a),
        (mine.id, cast.customer_b),
        (theirs.id, cast.customer_a),
        (theirs.id, cast.customer_b),
        (mine.id, cast.agent_a),
        (theirs.id, cast.agent_b),
        (missing, cast.agent_a),
        (missing, cast.customer_a),
    ] * 5
    answers = await asyncio.gather(*(_get(ticket_stub, ticket_id, caller) for ticket_id, caller in asks))
    expected = [
        mine,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.NOT_FOUND,
        theirs,
        mine,
        theirs,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.NOT_FOUND,
    ] * 5
    # Another customer's ticket reads exactly as one that does not exist.
    assert [a.subject if isinstance(a, ticket_pb2.Ticket) else a for a in answers] == [
        e.subject if isinstance(e, ticket_pb2.Ticket) else e for e in expected
    ]


async def test_a_read_right_after_a_change_shows_the_change(ticket_stub: TicketStub, cast: Cast) -> None:
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    priorities = (ticket_pb2.TICKET_PRIORITY_HIGH, ticket_pb2.TICKET_PRIORITY_LOW, ticket_pb2.TICKET_PRIORITY_URGENT)
    for priority in priorities:
        changed = await ticket_stub.UpdateTicket(
            ticket_service_pb2.UpdateTicketRequest(
                ticket=ticket_pb2.Ticket(id=ticket.id, priority=priority),
                update_mask=field_mask_pb2.FieldMask(paths=["priority"]),
            ),
            metadata=cast.agent_a.metadata,
        )
        reads = await asyncio.gather(*(_get(ticket_stub, ticket.id, cast.agent_b) for _ in range(10)))
        assert all(isinstance(read, ticket_pb2.Ticket) and read.priority == priority for read in reads)
        assert {read.etag for read in reads if isinstance(read, ticket_pb2.Ticket)} == {changed.etag}
