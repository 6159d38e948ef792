"""A ticket's conversation (replies and internal notes) and its audit trail.

Internal notes exist for staff only: customers cannot write them, never read them, never count
them, and a note changes neither the ticket's status, nor its `update_time`, nor its etag.
"""

from __future__ import annotations

import uuid

from server.core.context import Principal, Role
from server.core.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from server.sla.bookkeeping import SlaBookkeeping
from server.tickets.changes import ChangeListener, log_change
from server.tickets.domain import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, load_visible, move, not_found, reread
from server.tickets.listing import decode_seq_token
from server.tickets.transitions import REOPENED_BY_CUSTOMER_REPLY, Status
from server.tickets.validation import check_request_id, check_text, parse_ticket_id
from storage.db import Database
from storage.pagination import encode_page_token, resolve_page_size
from storage.repositories.ticket_records import EventRecord, MessageRecord, NewEvent, TicketRecord

ADD_MESSAGE_SCOPE = "helpdesk.v1.TicketService/AddTicketMessage"


def check_accepts_messages(ticket: TicketRecord) -> None:
    """FailedPrecondition (TICKET_CLOSED): a closed ticket takes no messages until reopened."""
    if ticket.status == Status.CLOSED.value:
        raise FailedPrecondition("the ticket is closed: reopen it first", reason="TICKET_CLOSED")


class TicketConversation:
    """Messages and events of tickets over one database."""

    def __init__(
        self, *, database: Database, changes: ChangeListener | None = None, sla: SlaBookkeeping | None = None
    ) -> None:
        self._database = database
        self._changes = changes
        self._sla = sla

    async def add_message(
        self, *, principal: Principal, ticket_id: str, body: str, internal: bool, request_id: str
    ) -> MessageRecord:
        """Adds a reply or (staff only) an internal note; a customer reply reopens a waiting/resolved ticket."""
        parsed = parse_ticket_id(ticket_id, field="ticket_id")
        if internal and not principal.is_staff:
            raise PermissionDenied("only agents and administrators may add internal notes", reason="NOTE_NOT_ALLOWED")
        text = check_text(body, field="body")
        key = check_request_id(request_id)
        scope = f"{ADD_MESSAGE_SCOPE}/{principal.user_id}"
        async with self._database.unit_of_work() as uow:
            # Locked: a reply and a status change of the same ticket take turns.
            ticket = await load_visible(uow, principal=principal, ticket_id=parsed, lock=True)
            message_id = uuid.uuid4()
            if key is not None and not await uow.idempotency.put(
                scope=scope, request_id=key, resource_id=str(message_id)
            ):
                winner = await uow.idempotency.get(scope=scope, request_id=key)
                earlier = None if winner is None else await uow.tickets.get_message(message_id=uuid.UUID(winner))
                if earlier is None or earlier.ticket_id != parsed:
                    raise InvalidArgument.field(
                        "request_id", "was already used for another request", reason="REQUEST_ID_REUSED"
                    )
                return earlier
            check_accepts_messages(ticket)
            await uow.tickets.add_message(
                message_id=message_id,
                ticket_id=parsed,
                author_id=principal.user_id,
                author_role=principal.role.value,
                body=text,
                internal=internal,
            )
            await uow.tickets.add_events(
                events=[
                    NewEvent(
                        ticket_id=parsed,
                        type="note_added" if internal else "message_added",
                        actor_id=principal.user_id,
                        message_id=message_id,
                    )
                ]
            )
            if principal.role is Role.CUSTOMER and Status(ticket.status) in REOPENED_BY_CUSTOMER_REPLY:
                current = await uow.tickets.get(ticket_id=parsed)
                assert current is not None
                await move(
                    uow, ticket=current, target=Status.OPEN, actor_id=principal.user_id, comment="", sla=self._sla
                )
            elif principal.is_staff and not internal and self._sla is not None:
                # The first public reply of the staff is the SLA's first response.
                await self._sla.record_first_response(uow, ticket=ticket)
            message = await uow.tickets.get_message(message_id=message_id)
            assert message is not None
            await log_change(
                uow,
                listener=self._changes,
                kind="message_added",
                before=ticket,
                after=await reread(uow, parsed),
                message_id=message_id,
                internal=internal,
            )
            return message

    async def list_messages(
        self, *, principal: Principal, ticket_id: str, page_size: int, page_token: str
    ) -> tuple[list[MessageRecord], str]:
        """A page of the conversation, oldest first; customers never get internal notes."""
        parsed = parse_ticket_id(ticket_id, field="ticket_id")
        size = resolve_page_size(page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        filters: dict[str, object] = {"ticket_id": str(parsed)}
        after = decode_seq_token(page_token, filters)
        # Pure reads, outside a transaction: a ticket deleted in between takes its messages along.
        async with self._database.read_only() as uow:
            await load_visible(uow, principal=principal, ticket_id=parsed, lock=False)
            messages = await uow.tickets.list_messages(
                ticket_id=parsed, include_internal=principal.is_staff, after_seq=after, limit=size + 1
            )
        if len(messages) <= size:
            return messages, ""
        return messages[:size], encode_page_token(position=[str(messages[size - 1].seq)], filters=filters)

    async def list_events(
        self, *, principal: Principal, ticket_id: str, page_size: int, page_token: str
    ) -> tuple[list[EventRecord], str]:
        """A page of the audit trail, oldest first (staff only, by the access rule)."""
        parsed = parse_ticket_id(ticket_id, field="ticket_id")
        if not principal.is_staff:
            raise not_found()
        size = resolve_page_size(page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        filters: dict[str, object] = {"ticket_id": str(parsed)}
        after = decode_seq_token(page_token, filters)
        # Pure reads, outside a transaction: a ticket deleted in between takes its messages along.
        async with self._database.read_only() as uow:
            await load_visible(uow, principal=principal, ticket_id=parsed, lock=False)
            events = await uow.tickets.list_events(ticket_id=parsed, after_seq=after, limit=size + 1)
        if len(events) <= size:
            return events, ""
        return events[:size], encode_page_token(position=[str(events[size - 1].seq)], filters=filters)
