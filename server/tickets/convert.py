"""Protobuf <-> domain values for TicketService: enums, records to messages, timestamps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from google.protobuf import timestamp_pb2

from helpdesk.v1 import ticket_event_pb2, ticket_message_pb2, ticket_pb2, user_pb2
from server.core.errors import InvalidArgument
from server.core.timestamps import micros_timestamp_fields, timestamp_fields, to_timestamp
from server.tickets.transitions import Priority, Status
from storage.etags import etag_for_version
from storage.models.sla import BREACHED, WARNED
from storage.repositories.ticket_records import EventRecord, MessageRecord, TicketRecord, TicketView

_STATUS_TO_PROTO = {status: ticket_pb2.TicketStatus.Value(f"TICKET_STATUS_{status.name}") for status in Status}
_STATUS_FROM_PROTO = {value: status for status, value in _STATUS_TO_PROTO.items()}
_STATUS_BY_TEXT = {status.value: _STATUS_TO_PROTO[status] for status in Status}
_ROLE_TO_PROTO = {"customer": user_pb2.ROLE_CUSTOMER, "agent": user_pb2.ROLE_AGENT, "admin": user_pb2.ROLE_ADMIN}


def status_from_proto(value: int, *, field: str) -> Status | None:
    """The domain status of an enum value; None for UNSPECIFIED, InvalidArgument for unknown values."""
    if value == ticket_pb2.TICKET_STATUS_UNSPECIFIED:
        return None
    status = _STATUS_FROM_PROTO.get(ticket_pb2.TicketStatus.ValueType(value))
    if status is None:
        raise InvalidArgument.field(field, f"unknown status {value}")
    return status


def priority_from_proto(value: int, *, field: str) -> Priority | None:
    """The domain priority of an enum value (same numbers); None for UNSPECIFIED."""
    if value == ticket_pb2.TICKET_PRIORITY_UNSPECIFIED:
        return None
    try:
        return Priority(value)
    except ValueError:
        raise InvalidArgument.field(field, f"unknown priority {value}") from None


def statuses_from_proto(values: Sequence[int], *, field: str) -> list[Status]:
    """A status filter; UNSPECIFIED inside it is refused."""
    result = []
    for value in values:
        status = status_from_proto(value, field=field)
        if status is None:
            raise InvalidArgument.field(field, "TICKET_STATUS_UNSPECIFIED is not a status")
        result.append(status)
    return result


def priorities_from_proto(values: Sequence[int], *, field: str) -> list[Priority]:
    """A priority filter; UNSPECIFIED inside it is refused."""
    result = []
    for value in values:
        priority = priority_from_proto(value, field=field)
        if priority is None:
            raise InvalidArgument.field(field, "TICKET_PRIORITY_UNSPECIFIED is not a priority")
        result.append(priority)
    return result


def time_from_proto(value: timestamp_pb2.Timestamp, *, field: str) -> datetime:
    """A request's timestamp as an aware datetime; one outside Timestamp's valid range is refused."""
    try:
        return value.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise InvalidArgument.field(field, "must be a valid timestamp between years 0001 and 9999") from None


# Built by arithmetic, in place (see server.core.timestamps): a page of 50 tickets makes 100+.
_stamp = to_timestamp


# Typed as returning Any: the stubs only accept a Timestamp for a message field, the runtime a
# mapping too. An alias rather than a wrapper: a page of 50 tickets makes 100+ of them.
_stamp_fields: Callable[[datetime], Any] = timestamp_fields


def ticket_to_proto(ticket: TicketRecord, *, staff: bool) -> ticket_pb2.Ticket:
    """The API view of a ticket; `message_count` counts internal notes for staff only."""
    return ticket_pb2.Ticket(**_fields(ticket, staff, _stamp_fields))


def view_to_proto(ticket: TicketView, *, staff: bool) -> ticket_pb2.Ticket:
    """`ticket_to_proto` of a ticket read as a TicketView (the same message for the same ticket)."""
    return ticket_pb2.Ticket(**_fields(ticket, staff, micros_timestamp_fields))


def ticket_fields(ticket: TicketRecord, *, staff: bool) -> dict[str, Any]:
    """`ticket_to_proto`'s fields as keyword arguments, to build a ticket in place in a repeated field.

    `response.tickets.add(**fields)` builds the message where it will live; appending a finished
    Ticket copies it, which for a page of 50 costs about as much as building them did.
    """
    return _fields(ticket, staff, _stamp_fields)


def view_fields(ticket: TicketView, *, staff: bool) -> dict[str, Any]:
    """`ticket_fields` of a TicketView."""
    return _fields(ticket, staff, micros_timestamp_fields)


def _fields(ticket: TicketRecord | TicketView, staff: bool, stamp: Callable[[Any], Any]) -> dict[str, Any]:
    # The row is unpacked in one step: reading 30 fields by name costs more than building the dict.
    # Fields at their default (no assignee, no rating, not resolved...) are left out rather than
    # passed as "", 0 or None: the message is the same (Ticket has no presence-tracked scalars),
    # and every keyword costs a field lookup by name, a third of a page's conversion when they
    # were all passed.
    (
        ticket_id,
        number,
        subject,
        description,
        priority,
        status,
        category,
        tags,
        customer_id,
        customer_display_name,
        assignee_id,
        assignee_display_name,
        public_message_count,
        message_count,
        create_time,
        update_time,
        resolve_time,
        close_time,
        version,
        sla_policy_id,
        _,
        first_response_time,
        _,
        _,
        resolution_due_time,
        _,
        _,
        rating,
        rating_comment,
        rate_time,
        source_chat_id,
    ) = ticket
    fields: dict[str, Any] = {
        "id": str(ticket_id),
        "number": number,
        "subject": subject,
        "description": description,
        "priority": priority,
        "status": _STATUS_BY_TEXT[status],
        "customer_id": str(customer_id),
        "customer_display_name": customer_display_name,
        "message_count": message_count if staff else public_message_count,
        "create_time": stamp(create_time),
        "update_time": stamp(update_time),
        "etag": etag_for_version(version),
    }
    if category:
        fields["category"] = category
    if tags:
        fields["tags"] = tags
    if assignee_id:
        fields["assignee_id"] = str(assignee_id)
    if assignee_display_name:
        fields["assignee_display_name"] = assignee_display_name
    if resolve_time is not None:
        fields["resolve_time"] = stamp(resolve_time)
    if close_time is not None:
        fields["close_time"] = stamp(close_time)
    if rating:
        fields["rating"] = rating
    if rating_comment:
        fields["rating_comment"] = rating_comment
    if rate_time is not None:
        fields["rate_time"] = stamp(rate_time)
    if source_chat_id:
        fields["source_chat_id"] = str(source_chat_id)
    if staff and (sla_policy_id is not None or resolution_due_time is not None or first_response_time):
        fields |= _sla_fields(ticket, stamp)
    return fields


def _sla_fields(ticket: TicketRecord | TicketView, stamp: Callable[[Any], Any]) -> dict[str, Any]:
    # For staff only: customers never see service levels.
    first_response_pending = ticket.first_response_time is None
    return dict(
        first_response_due_time=_optional_stamp(ticket.first_response_due_time, stamp),
        resolution_due_time=_optional_stamp(ticket.resolution_due_time, stamp),
        first_response_time=_optional_stamp(ticket.first_response_time, stamp),
        first_response_breached=ticket.first_response_sla == BREACHED,
        resolution_breached=ticket.resolution_sla == BREACHED,
        sla_paused=ticket.sla_paused_since is not None,
        sla_policy_id="" if ticket.sla_policy_id is None else str(ticket.sla_policy_id),
        sla_at_risk=(first_response_pending and ticket.first_response_sla == WARNED) or ticket.resolution_sla == WARNED,
    )


def _optional_stamp(value: Any, stamp: Callable[[Any], Any]) -> Any:
    return None if value is None else stamp(value)


def message_to_proto(record: MessageRecord) -> ticket_message_pb2.TicketMessage:
    """The API view of one message (the caller was already allowed to see it)."""
    return ticket_message_pb2.TicketMessage(
        id=str(record.id),
        ticket_id=str(record.ticket_id),
        author_id=str(record.author_id),
        author_display_name=record.author_display_name,
        author_role=_ROLE_TO_PROTO[record.author_role],
        body=record.body,
        internal=record.internal,
        create_time=_stamp(record.create_time),
    )


def _optional_id(value: object) -> str:
    return "" if value is None else str(value)


def event_to_proto(record: EventRecord) -> ticket_event_pb2.TicketEvent:
    """The API view of one audit event."""
    event = ticket_event_pb2.TicketEvent(
        id=str(record.id),
        ticket_id=str(record.ticket_id),
        type=ticket_event_pb2.TicketEventType.Value(f"TICKET_EVENT_TYPE_{record.type.upper()}"),
        actor_id=_optional_id(record.actor_id),
        actor_display_name=record.actor_display_name,
        create_time=_stamp(record.create_time),
        old_assignee_id=_optional_id(record.old_assignee_id),
        new_assignee_id=_optional_id(record.new_assignee_id),
        old_category=record.old_category or "",
        new_category=record.new_category or "",
        added_tags=record.added_tags,
        removed_tags=record.removed_tags,
        message_id=_optional_id(record.message_id),
        updated_fields=record.updated_fields,
        comment=record.comment,
        rating=record.rating or 0,
    )
    if record.old_status:
        event.old_status = _STATUS_BY_TEXT[record.old_status]
    if record.new_status:
        event.new_status = _STATUS_BY_TEXT[record.new_status]
    if record.old_priority:
        event.old_priority = ticket_pb2.TicketPriority.ValueType(record.old_priority)
    if record.new_priority:
        event.new_priority = ticket_pb2.TicketPriority.ValueType(record.new_priority)
    return event
