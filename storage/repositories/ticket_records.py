"""Plain records of tickets, messages and events, and the Core columns that produce them.

Hot reads (GetTicket, ListTickets) use SQLAlchemy Core: one SELECT joining the display names,
rows turned straight into records, no ORM identity map. The records are named tuples built
positionally from the row (`Record._make(row)`): a list page builds dozens of them per call, and
that is an order of magnitude cheaper than keyword construction from a row mapping. Each SELECT
below is checked at import to produce exactly its record's fields, in order.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeAlias, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    FromClause,
    Select,
    cast,
    func,
    literal_column,
    null,
    select,
)
from sqlalchemy.orm import aliased

from storage.etags import etag_for_version
from storage.models import Ticket, TicketEvent, TicketMessage, User
from storage.models.tickets import EventType
from storage.timestamps import epoch_microseconds

# A SELECT of any columns (the row shape is the record dataclass's business).
AnySelect: TypeAlias = "Select[*tuple[Any, ...]]"

# Full-text configuration of ticket search: English stemming over accent-folded text.
SEARCH_CONFIG: ColumnElement[Any] = literal_column("'english'::regconfig")


def search_document(value: ColumnElement[Any] | str) -> ColumnElement[Any]:
    """The tsvector of `value` (accents folded, English stemming)."""
    return func.to_tsvector(SEARCH_CONFIG, func.unaccent(value))


def search_query(value: ColumnElement[Any] | str) -> ColumnElement[Any]:
    """A tsquery requiring every word of `value`."""
    return func.plainto_tsquery(SEARCH_CONFIG, func.unaccent(value))


_Time = TypeVar("_Time")


class TicketRow(NamedTuple, Generic[_Time]):
    """A ticket as read, with the display names of its customer and assignee; timestamps of type `_Time`.

    Two readings of the same row (see TicketRecord and TicketView), field for field the same.
    """

    id: uuid.UUID
    number: int
    subject: str
    description: str
    priority: int
    status: str
    category: str
    tags: list[str]
    customer_id: uuid.UUID
    customer_display_name: str
    assignee_id: uuid.UUID | None
    assignee_display_name: str
    public_message_count: int
    message_count: int
    create_time: _Time
    update_time: _Time
    resolve_time: _Time | None
    close_time: _Time | None
    version: int
    # SLA bookkeeping (see storage.models.sla).
    sla_policy_id: uuid.UUID | None
    sla_paused_since: _Time | None
    first_response_time: _Time | None
    first_response_due_time: _Time | None
    first_response_sla: int
    resolution_due_time: _Time | None
    resolution_sla: int
    # The "due soonest" sort key (`tickets.sla_due_time`); None from a list page not sorted by it.
    due_time: _Time | None
    rating: int | None
    rating_comment: str
    rate_time: _Time | None
    # The chat the ticket was made from (ChatService.CreateTicketFromChat).
    source_chat_id: uuid.UUID | None

    @property
    def etag(self) -> str:
        """The etag of this version of the ticket (AIP-154)."""
        return etag_for_version(self.version)


class TicketRecord(TicketRow[datetime]):
    """A ticket with its timestamps as aware datetimes: what writes, the SLA clock and the watch feed use."""

    __slots__ = ()


class TicketView(TicketRow[int]):
    """A ticket as GetTicket and ListTickets show it: each timestamp is whole microseconds since the epoch.

    Read from PostgreSQL as an integer: asyncpg builds a datetime for every timestamp it reads,
    the dearest part of reading a list page, and the API wants seconds and nanos anyway.
    """

    __slots__ = ()


class TicketStamp(NamedTuple):
    """What a list page needs of a ticket whose message is kept already (see server.tickets.encoded).

    Its identity and version, what its message depends on besides the version, and its sort keys.
    A third of a full row's columns, and the dearest ones (the texts, tags, ids and most
    timestamps) are not among them: a page of tickets whose messages are kept decodes only these.
    Timestamps are whole microseconds since the epoch, as in TicketView.
    """

    id: uuid.UUID
    version: int
    customer_display_name: str
    assignee_display_name: str
    message_count: int
    first_response_sla: int
    resolution_sla: int
    sla_policy_id: uuid.UUID | None
    priority: int
    number: int
    create_time: int
    update_time: int
    due_time: int | None


class MessageRecord(NamedTuple):
    """One message of a conversation, with its author's current display name."""

    id: uuid.UUID
    seq: int
    ticket_id: uuid.UUID
    author_id: uuid.UUID
    author_display_name: str
    author_role: str
    body: str
    internal: bool
    create_time: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class NewEvent:
    """One audited change to record: the `ticket_events` columns a writer sets (unset ones stay NULL)."""

    ticket_id: uuid.UUID
    type: EventType
    actor_id: uuid.UUID | None
    old_status: str | None = None
    new_status: str | None = None
    old_priority: int | None = None
    new_priority: int | None = None
    old_assignee_id: uuid.UUID | None = None
    new_assignee_id: uuid.UUID | None = None
    old_category: str | None = None
    new_category: str | None = None
    added_tags: list[str] | None = None
    removed_tags: list[str] | None = None
    message_id: uuid.UUID | None = None
    updated_fields: list[str] | None = None
    comment: str | None = None
    rating: int | None = None


class EventRecord(NamedTuple):
    """One audited change, with the actor's current display name ("" for the system or a deleted user)."""

    id: uuid.UUID
    seq: int
    ticket_id: uuid.UUID
    type: str
    actor_id: uuid.UUID | None
    actor_display_name: str
    create_time: datetime
    old_status: str | None
    new_status: str | None
    old_priority: int | None
    new_priority: int | None
    old_assignee_id: uuid.UUID | None
    new_assignee_id: uuid.UUID | None
    old_category: str | None
    new_category: str | None
    added_tags: list[str]
    removed_tags: list[str]
    message_id: uuid.UUID | None
    updated_fields: list[str]
    comment: str
    rating: int | None


_customer = aliased(User, name="customer")
_assignee = aliased(User, name="assignee")
_tickets: FromClause = Ticket.__table__

TICKET_FROM = _tickets.join(_customer, _customer.id == Ticket.customer_id).outerjoin(
    _assignee, _assignee.id == Ticket.assignee_id
)
TICKET_COLUMNS: tuple[Any, ...] = (
    Ticket.id,
    Ticket.number,
    Ticket.subject,
    Ticket.description,
    Ticket.priority,
    Ticket.status,
    Ticket.category,
    Ticket.tags,
    Ticket.customer_id,
    _customer.display_name.label("customer_display_name"),
    Ticket.assignee_id,
    func.coalesce(_assignee.display_name, "").label("assignee_display_name"),
    Ticket.public_message_count,
    Ticket.message_count,
    Ticket.create_time,
    Ticket.update_time,
    Ticket.resolve_time,
    Ticket.close_time,
    Ticket.version,
    Ticket.sla_policy_id,
    Ticket.sla_paused_since,
    Ticket.first_response_time,
    Ticket.first_response_due_time,
    Ticket.first_response_sla,
    Ticket.resolution_due_time,
    Ticket.resolution_sla,
    Ticket.sla_due_time.label("due_time"),
    Ticket.rating,
    func.coalesce(Ticket.rating_comment, "").label("rating_comment"),
    Ticket.rate_time,
    Ticket.source_chat_id,
)


def _matching(statement: AnySelect, record: type[tuple[Any, ...]]) -> AnySelect:
    """`statement`, after checking its columns are `record`'s fields in order (rows are read by position)."""
    names = tuple(statement.selected_columns.keys())
    fields: tuple[str, ...] = record._fields  # type: ignore[attr-defined]
    if names != fields:
        raise AssertionError(f"{record.__name__} fields {fields} != selected columns {names}")
    return statement


_SELECT_TICKETS = _matching(select(*TICKET_COLUMNS).select_from(TICKET_FROM), TicketRecord)
# The same without the "due soonest" key: nothing shows it, only a page sorted by it needs it for its
# next-page token, and a timestamp is the dearest column to read (asyncpg builds a datetime for
# each: a third of reading a list page's rows).
_SELECT_TICKETS_NO_DUE_TIME = _matching(
    select(
        *(
            cast(null(), Ticket.sla_due_time.type).label("due_time") if column.key == "due_time" else column
            for column in TICKET_COLUMNS
        )
    ).select_from(TICKET_FROM),
    TicketRecord,
)


def select_tickets(*, due_time: bool = True) -> AnySelect:
    """SELECT of full ticket records (add WHERE / ORDER BY / LIMIT); read rows with `TicketRecord._make`.

    Without `due_time`, the records' `due_time` is None.
    """
    return _SELECT_TICKETS if due_time else _SELECT_TICKETS_NO_DUE_TIME


def _as_view(columns: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(
        epoch_microseconds(column, label=column.key) if isinstance(column.type, DateTime) else column
        for column in columns
    )


_SELECT_VIEWS = _matching(select(*_as_view(TICKET_COLUMNS)).select_from(TICKET_FROM), TicketView)
_SELECT_VIEWS_NO_DUE_TIME = _matching(
    select(
        *(
            cast(null(), BigInteger).label("due_time") if column.key == "due_time" else column
            for column in _as_view(TICKET_COLUMNS)
        )
    ).select_from(TICKET_FROM),
    TicketView,
)


def select_ticket_views(*, due_time: bool = True) -> AnySelect:
    """`select_tickets` for `TicketView` rows (timestamps as microseconds): read rows with `TicketView._make`."""
    return _SELECT_VIEWS if due_time else _SELECT_VIEWS_NO_DUE_TIME


def _stamp_columns(*, due_time: bool) -> tuple[Any, ...]:
    views = {column.key: column for column in _as_view(TICKET_COLUMNS)}
    if not due_time:
        views["due_time"] = cast(null(), BigInteger).label("due_time")
    return tuple(views[name] for name in TicketStamp._fields)


_SELECT_STAMPS = _matching(select(*_stamp_columns(due_time=True)).select_from(TICKET_FROM), TicketStamp)
_SELECT_STAMPS_NO_DUE_TIME = _matching(select(*_stamp_columns(due_time=False)).select_from(TICKET_FROM), TicketStamp)


def select_ticket_stamps(*, due_time: bool = True) -> AnySelect:
    """`select_ticket_views` for `TicketStamp` rows: read rows with `TicketStamp._make`."""
    return _SELECT_STAMPS if due_time else _SELECT_STAMPS_NO_DUE_TIME


_author = aliased(User, name="author")
MESSAGE_COLUMNS: tuple[Any, ...] = (
    TicketMessage.id,
    TicketMessage.seq,
    TicketMessage.ticket_id,
    TicketMessage.author_id,
    _author.display_name.label("author_display_name"),
    TicketMessage.author_role,
    TicketMessage.body,
    TicketMessage.internal,
    TicketMessage.create_time,
)


_messages: FromClause = TicketMessage.__table__
_SELECT_MESSAGES = _matching(
    select(*MESSAGE_COLUMNS).select_from(_messages.join(_author, _author.id == TicketMessage.author_id)),
    MessageRecord,
)


def select_messages() -> AnySelect:
    """SELECT of message records; read rows with `MessageRecord._make`."""
    return _SELECT_MESSAGES


_actor = aliased(User, name="actor")
_events: FromClause = TicketEvent.__table__
_SELECT_EVENTS = _matching(
    select(
        TicketEvent.id,
        TicketEvent.seq,
        TicketEvent.ticket_id,
        TicketEvent.type,
        TicketEvent.actor_id,
        func.coalesce(_actor.display_name, "").label("actor_display_name"),
        TicketEvent.create_time,
        TicketEvent.old_status,
        TicketEvent.new_status,
        TicketEvent.old_priority,
        TicketEvent.new_priority,
        TicketEvent.old_assignee_id,
        TicketEvent.new_assignee_id,
        TicketEvent.old_category,
        TicketEvent.new_category,
        func.coalesce(TicketEvent.added_tags, literal_column("'{}'::text[]")).label("added_tags"),
        func.coalesce(TicketEvent.removed_tags, literal_column("'{}'::text[]")).label("removed_tags"),
        TicketEvent.message_id,
        func.coalesce(TicketEvent.updated_fields, literal_column("'{}'::text[]")).label("updated_fields"),
        func.coalesce(TicketEvent.comment, "").label("comment"),
        TicketEvent.rating,
    ).select_from(_events.outerjoin(_actor, _actor.id == TicketEvent.actor_id)),
    EventRecord,
)


def select_events() -> AnySelect:
    """SELECT of event records; read rows with `EventRecord._make`."""
    return _SELECT_EVENTS
