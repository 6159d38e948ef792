"""Internal notes never reach customers: not in lists, counts, search, events, etags or errors."""

from __future__ import annotations

import grpc
import grpc.aio
import pytest
from google.protobuf import field_mask_pb2
from google.protobuf.message import Message

from helpdesk.v1 import ticket_event_pb2, ticket_pb2, ticket_service_pb2
from tests.server.tickets.helpers import Cast, TicketStub, move_to, open_ticket

SECRET = "xylophonist"
NOTE = f"Internal: the {SECRET} account is flagged for fraud review"


def _leaks(message: Message | None, text: str = SECRET) -> bool:
    return message is not None and text.encode() in message.SerializeToString()


async def test_customer_read_paths_never_show_a_note(ticket_stub: TicketStub, cast: Cast) -> None:
    customer, agent = cast.customer_a, cast.agent_a
    ticket = await open_ticket(ticket_stub, customer, subject="Refund please", description="Charged twice")
    await ticket_stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="Looking into it"),
        metadata=agent.metadata,
    )
    before_note = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=customer.metadata
    )
    waiting = await move_to(ticket_stub, ticket.id, ticket_pb2.TICKET_STATUS_WAITING_ON_CUSTOMER, agent)
    note = await ticket_stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body=NOTE, internal=True),
        metadata=agent.metadata,
    )
    assert note.internal

    # Notes neither change the status nor move update_time or the etag.
    after_note = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=customer.metadata
    )
    assert after_note.status == ticket_pb2.TICKET_STATUS_WAITING_ON_CUSTOMER
    assert (after_note.etag, after_note.update_time) == (waiting.etag, waiting.update_time)
    assert after_note.message_count == before_note.message_count == 1
    staff_view = await ticket_stub.GetTicket(ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=agent.metadata)
    assert staff_view.message_count == 2

    seen: list[Message] = [after_note]
    seen.append(
        await ticket_stub.ListTicketMessages(
            ticket_service_pb2.ListTicketMessagesRequest(ticket_id=ticket.id), metadata=customer.metadata
        )
    )
    assert len(seen[-1].messages) == 1  # type: ignore[attr-defined]
    for page_size in (1, 2):
        token = ""
        while True:
            page = await ticket_stub.ListTicketMessages(
                ticket_service_pb2.ListTicketMessagesRequest(
                    ticket_id=ticket.id, page_size=page_size, page_token=token
                ),
                metadata=customer.metadata,
            )
            seen.append(page)
            token = page.next_page_token
            if not token:
                break
    listed = await ticket_stub.ListTickets(ticket_service_pb2.ListTicketsRequest(), metadata=customer.metadata)
    seen.append(listed)
    assert next(t for t in listed.tickets if t.id == ticket.id).message_count == 1
    searched = await ticket_stub.ListTickets(
        ticket_service_pb2.ListTicketsRequest(query=SECRET), metadata=customer.metadata
    )
    assert list(searched.tickets) == []
    staff_search = await ticket_stub.ListTickets(
        ticket_service_pb2.ListTicketsRequest(query=SECRET), metadata=agent.metadata
    )
    assert [t.id for t in staff_search.tickets] == [ticket.id]

    # Writes answered to the customer carry no trace either.
    reply = await ticket_stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="Here is the receipt"),
        metadata=customer.metadata,
    )
    seen.append(reply)
    seen.append(
        await ticket_stub.UpdateTicket(
            ticket_service_pb2.UpdateTicketRequest(
                ticket=ticket_pb2.Ticket(id=ticket.id, subject="Refund please (2)"),
                update_mask=field_mask_pb2.FieldMask(paths=["subject"]),
            ),
            metadata=customer.metadata,
        )
    )
    seen.append(await move_to(ticket_stub, ticket.id, ticket_pb2.TICKET_STATUS_CLOSED, customer))
    for message in seen:
        assert not _leaks(message), message
    assert seen[-1].message_count == 2  # type: ignore[attr-defined]

    # Errors answered to customers never carry the note either.
    for call in (
        ticket_stub.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body=SECRET, internal=True),
            metadata=customer.metadata,
        ),
        ticket_stub.ListTicketEvents(
            ticket_service_pb2.ListTicketEventsRequest(ticket_id=ticket.id), metadata=customer.metadata
        ),
        ticket_stub.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="closed?"), metadata=customer.metadata
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await call
        assert SECRET not in (raised.value.details() or "")
        assert all(
            SECRET.encode() not in value
            for _, value in (raised.value.trailing_metadata() or ())
            if isinstance(value, bytes)
        )

    # Staff see the note in the conversation and as a NOTE_ADDED event.
    staff_messages = await ticket_stub.ListTicketMessages(
        ticket_service_pb2.ListTicketMessagesRequest(ticket_id=ticket.id), metadata=agent.metadata
    )
    assert [m.body for m in staff_messages.messages if m.internal] == [NOTE]
    events = await ticket_stub.ListTicketEvents(
        ticket_service_pb2.ListTicketEventsRequest(ticket_id=ticket.id), metadata=agent.metadata
    )
    assert [e.message_id for e in events.events if e.type == ticket_event_pb2.TICKET_EVENT_TYPE_NOTE_ADDED] == [note.id]


async def test_customers_cannot_write_notes(ticket_stub: TicketStub, cast: Cast) -> None:
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await ticket_stub.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="psst", internal=True),
            metadata=cast.customer_a.metadata,
        )
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_note_never_reopens_a_ticket(ticket_stub: TicketStub, cast: Cast) -> None:
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    await move_to(ticket_stub, ticket.id, ticket_pb2.TICKET_STATUS_RESOLVED, cast.agent_a)
    await ticket_stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="note", internal=True),
        metadata=cast.agent_a.metadata,
    )
    current = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=cast.agent_a.metadata
    )
    assert current.status == ticket_pb2.TICKET_STATUS_RESOLVED
    # A customer reply does reopen it.
    await ticket_stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="still broken"),
        metadata=cast.customer_a.metadata,
    )
    current = await ticket_stub.GetTicket(
        ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=cast.agent_a.metadata
    )
    assert current.status == ticket_pb2.TICKET_STATUS_OPEN
    assert not current.HasField("resolve_time")
