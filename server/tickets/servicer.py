"""TicketService over gRPC: protobuf in, domain call, protobuf out. No SQL, no Redis, no rules here."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf import empty_pb2

from helpdesk.v1 import (
    ticket_change_pb2,
    ticket_event_pb2,
    ticket_message_pb2,
    ticket_pb2,
    ticket_service_pb2,
    ticket_service_pb2_grpc,
)
from server.core.context import require_principal
from server.core.encoded_answers import EncodedAnswer
from server.core.update_mask import effective_update_mask
from server.tickets.conversation import TicketConversation
from server.tickets.convert import (
    event_to_proto,
    message_to_proto,
    priorities_from_proto,
    priority_from_proto,
    status_from_proto,
    statuses_from_proto,
    ticket_to_proto,
    time_from_proto,
)
from server.tickets.domain import UPDATABLE_FIELDS, TicketDesk, TicketEdit
from server.tickets.encoded import EncodedTickets, list_tail
from server.tickets.listing import ListTicketsQuery
from server.tickets.satisfaction import TicketSatisfaction
from server.tickets.watch import TicketWatch
from server.tickets.watch_filter import WatchFilter
from storage.repositories.ticket_records import TicketView

_Context = grpc.aio.ServicerContext[Any, Any]


class TicketServicer(ticket_service_pb2_grpc.TicketServiceServicer):
    """Transport for the ticket workflow."""

    def __init__(
        self,
        *,
        desk: TicketDesk,
        conversation: TicketConversation,
        watch: TicketWatch,
        satisfaction: TicketSatisfaction,
        encoded: EncodedTickets,
    ) -> None:
        self._desk = desk
        self._encoded = encoded
        self._conversation = conversation
        self._watch = watch
        self._satisfaction = satisfaction

    async def CreateTicket(
        self, request: ticket_service_pb2.CreateTicketRequest, context: _Context
    ) -> ticket_pb2.Ticket:
        """Opens a ticket (idempotent with `request_id`)."""
        principal = require_principal()
        ticket = await self._desk.create_ticket(
            principal=principal,
            subject=request.ticket.subject,
            description=request.ticket.description,
            priority=priority_from_proto(request.ticket.priority, field="ticket.priority"),
            category=request.ticket.category,
            tags=list(request.ticket.tags),
            customer_id=request.ticket.customer_id,
            request_id=request.request_id,
        )
        return ticket_to_proto(ticket, staff=principal.is_staff)

    async def GetTicket(self, request: ticket_service_pb2.GetTicketRequest, context: _Context) -> ticket_pb2.Ticket:
        """Returns one ticket the caller may see (served by `get_ticket_encoded`)."""
        return ticket_pb2.Ticket.FromString(await self.get_ticket_encoded(request, context))

    async def get_ticket_encoded(self, request: ticket_service_pb2.GetTicketRequest, context: _Context) -> bytes:
        """GetTicket's reply, serialized: the ticket held or read (server.tickets.held), its message kept by content."""
        principal = require_principal()
        ticket = await self._desk.get_ticket(principal=principal, ticket_id=request.id)
        return self._encoded.ticket(ticket, staff=principal.is_staff)

    async def ListTickets(
        self, request: ticket_service_pb2.ListTicketsRequest, context: _Context
    ) -> ticket_service_pb2.ListTicketsResponse:
        """Lists the tickets the caller may see, filtered and ordered (served by `list_tickets_encoded`)."""
        return ticket_service_pb2.ListTicketsResponse.FromString(await self.list_tickets_encoded(request, context))

    async def list_tickets_encoded(self, request: ticket_service_pb2.ListTicketsRequest, context: _Context) -> bytes:
        """ListTickets' reply, serialized: the page read fresh, its tickets' messages and whole reply kept."""
        principal = require_principal()
        query = ListTicketsQuery(
            statuses=statuses_from_proto(request.statuses, field="statuses"),
            priorities=priorities_from_proto(request.priorities, field="priorities"),
            assignee_id=request.assignee_id,
            customer_id=request.customer_id,
            tag=request.tag,
            category=request.category,
            create_time_start=time_from_proto(request.create_time_start, field="create_time_start")
            if request.HasField("create_time_start")
            else None,
            create_time_end=time_from_proto(request.create_time_end, field="create_time_end")
            if request.HasField("create_time_end")
            else None,
            query=request.query,
            order_by=request.order_by,
            number=request.number,
            sla_breached=request.sla_breached,
        )
        page = await self._desk.list_stamp_page(
            principal=principal, query=query, page_size=request.page_size, page_token=request.page_token
        )
        total_size = 0
        if request.include_total_size:
            total_size = await self._desk.count_tickets(principal=principal, query=query)
        reply = await self._encoded.list_page(
            page.key,
            page.read,
            size=page.size,
            staff=principal.is_staff,
            next_page_token=page.next_page_token,
            views=self._ticket_views,
        )
        # total_size last, as protobuf writes it (after next_page_token).
        return reply + list_tail("", total_size) if total_size else reply

    async def _ticket_views(self, ticket_ids: list[uuid.UUID]) -> dict[uuid.UUID, TicketView]:
        return await self._desk.ticket_views(ticket_ids=ticket_ids)

    def encoded_answers(self) -> dict[str, EncodedAnswer]:
        """The methods the server answers in bytes (`server.core.encoded_answers`), by name."""
        return {"GetTicket": self.get_ticket_encoded, "ListTickets": self.list_tickets_encoded}

    async def UpdateTicket(
        self, request: ticket_service_pb2.UpdateTicketRequest, context: _Context
    ) -> ticket_pb2.Ticket:
        """Edits the fields named in the update mask."""
        principal = require_principal()
        paths = effective_update_mask(request.update_mask, request.ticket, UPDATABLE_FIELDS)
        edit = TicketEdit(
            subject=request.ticket.subject,
            description=request.ticket.description,
            priority=priority_from_proto(request.ticket.priority, field="ticket.priority")
            if "priority" in paths
            else None,
            category=request.ticket.category,
            tags=list(request.ticket.tags),
        )
        ticket = await self._desk.update_ticket(
            principal=principal, ticket_id=request.ticket.id, paths=paths, edit=edit, etag=request.ticket.etag
        )
        return ticket_to_proto(ticket, staff=principal.is_staff)

    async def AssignTicket(
        self, request: ticket_service_pb2.AssignTicketRequest, context: _Context
    ) -> ticket_pb2.Ticket:
        """Assigns, reassigns or unassigns the ticket."""
        principal = require_principal()
        ticket = await self._desk.assign_ticket(
            principal=principal,
            ticket_id=request.id,
            assignee_id=request.assignee_id,
            etag=request.etag,
            comment=request.comment,
        )
        return ticket_to_proto(ticket, staff=principal.is_staff)

    async def ChangeTicketStatus(
        self, request: ticket_service_pb2.ChangeTicketStatusRequest, context: _Context
    ) -> ticket_pb2.Ticket:
        """Moves the ticket along the transition table."""
        principal = require_principal()
        ticket = await self._desk.change_status(
            principal=principal,
            ticket_id=request.id,
            status=status_from_proto(request.status, field="status"),
            etag=request.etag,
            comment=request.comment,
        )
        return ticket_to_proto(ticket, staff=principal.is_staff)

    async def DeleteTicket(self, request: ticket_service_pb2.DeleteTicketRequest, context: _Context) -> empty_pb2.Empty:
        """Deletes the ticket for good."""
        await self._desk.delete_ticket(principal=require_principal(), ticket_id=request.id, etag=request.etag)
        return empty_pb2.Empty()

    async def RateTicket(self, request: ticket_service_pb2.RateTicketRequest, context: _Context) -> ticket_pb2.Ticket:
        """The customer rates a resolved or closed ticket, once."""
        principal = require_principal()
        ticket = await self._satisfaction.rate(
            principal=principal, ticket_id=request.id, rating=request.rating, comment=request.comment
        )
        return ticket_to_proto(ticket, staff=principal.is_staff)

    async def AddTicketMessage(
        self, request: ticket_service_pb2.AddTicketMessageRequest, context: _Context
    ) -> ticket_message_pb2.TicketMessage:
        """Adds a reply or an internal note."""
        message = await self._conversation.add_message(
            principal=require_principal(),
            ticket_id=request.ticket_id,
            body=request.body,
            internal=request.internal,
            request_id=request.request_id,
        )
        return message_to_proto(message)

    async def ListTicketMessages(
        self, request: ticket_service_pb2.ListTicketMessagesRequest, context: _Context
    ) -> ticket_service_pb2.ListTicketMessagesResponse:
        """Lists the conversation, oldest first."""
        messages, next_page_token = await self._conversation.list_messages(
            principal=require_principal(),
            ticket_id=request.ticket_id,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return ticket_service_pb2.ListTicketMessagesResponse(
            messages=[message_to_proto(m) for m in messages], next_page_token=next_page_token
        )

    async def ListTicketEvents(
        self, request: ticket_service_pb2.ListTicketEventsRequest, context: _Context
    ) -> ticket_service_pb2.ListTicketEventsResponse:
        """Lists the audit trail, oldest first."""
        events: list[ticket_event_pb2.TicketEvent] = []
        records, next_page_token = await self._conversation.list_events(
            principal=require_principal(),
            ticket_id=request.ticket_id,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        events = [event_to_proto(e) for e in records]
        return ticket_service_pb2.ListTicketEventsResponse(events=events, next_page_token=next_page_token)

    async def WatchTickets(
        self, request: ticket_service_pb2.WatchTicketsRequest, context: _Context
    ) -> AsyncIterator[ticket_change_pb2.TicketChange]:
        """Follows the changes of the tickets the caller may see: replay after the cursor, then live."""
        principal = require_principal()
        spec = WatchFilter.build(
            principal=principal,
            statuses=[s.value for s in statuses_from_proto(request.statuses, field="statuses")],
            priorities=[int(p) for p in priorities_from_proto(request.priorities, field="priorities")],
            assignee_id=request.assignee_id,
            customer_id=request.customer_id,
            tag=request.tag,
            category=request.category,
            ticket_id=request.ticket_id,
            sla_breached=request.sla_breached,
        )
        async for change in self._watch.watch(principal=principal, spec=spec, after_cursor=request.after_cursor):
            yield change
