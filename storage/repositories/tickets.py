"""Reads and writes of `tickets`, `ticket_messages` and `ticket_events`.

One repository for the aggregate. In a unit of work it runs on the transaction's session; the
hottest reads (GetTicket, ListTickets), which one statement answers, run it on a pooled driver
connection (`Database.read_connection()`) instead, skipping the transaction and SQLAlchemy's
per-call machinery, which cost several times what PostgreSQL spends on these indexed reads.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any, NamedTuple, cast

from sqlalchemy import Text, any_, bindparam, delete, func, insert, literal, literal_column, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import DriverStatement, ReadConnection, StatementRunner, first_row
from storage.models import Ticket, TicketEvent, TicketMessage
from storage.models.sla import BREACHED
from storage.repositories.ticket_listing import TicketFilter, build_count_statement, build_list_statement
from storage.repositories.ticket_records import (
    AnySelect,
    EventRecord,
    MessageRecord,
    NewEvent,
    TicketRecord,
    TicketView,
    search_document,
    select_events,
    select_messages,
    select_ticket_views,
    select_tickets,
)

# Rebuilds both search documents from the ticket's text and its messages (after an edit of the
# subject or description; message inserts append to the documents instead).
_REBUILD_SEARCH = text(
    """
    UPDATE tickets AS t SET
        search_public = to_tsvector('english'::regconfig, unaccent(
            t.subject || ' ' || t.description || ' ' || coalesce((
                SELECT string_agg(m.body, ' ' ORDER BY m.seq) FROM ticket_messages m
                WHERE m.ticket_id = t.id AND NOT m.internal), ''))),
        search_staff = to_tsvector('english'::regconfig, unaccent(
            t.subject || ' ' || t.description || ' ' || coalesce((
                SELECT string_agg(m.body, ' ' ORDER BY m.seq) FROM ticket_messages m
                WHERE m.ticket_id = t.id), '')))
    WHERE t.id = :ticket_id
    """
)

GET_TICKET = select_tickets().where(Ticket.id == bindparam("ticket_id"))
GET_OWN_TICKET = GET_TICKET.where(Ticket.customer_id == bindparam("customer_id"))
_LOCK_TICKET = GET_TICKET.with_for_update(of=Ticket.__table__, key_share=True)
# GetTicket's statement, built once: the tickets of many callers at a time (see storage.coalesced_reads).
_TICKET_IDS = bindparam("ticket_ids", type_=postgresql.ARRAY(postgresql.UUID(as_uuid=True)))
_VIEW_TICKETS = select_ticket_views().where(Ticket.id == any_(_TICKET_IDS))

# Stands for "the transaction's time" in `TicketRepository.update` changes (resolve/close stamps).
NOW: Any = func.now()

# The columns a `NewEvent` sets, in its field order.
_EVENT_COLUMNS = tuple(field.name for field in fields(NewEvent))
_INSERT_EVENTS = insert(TicketEvent)

# The columns CreateTicket sets besides the SLA ones.
_NEW_TICKET_COLUMNS = ("id", "subject", "description", "priority", "category", "tags", "customer_id")


# A new ticket's two search documents are one: the subquery computing it says OFFSET 0, which keeps
# PostgreSQL from pulling it up into the INSERT, where its expression would be copied into both
# columns and the text parsed and stemmed twice (7 % of what PostgreSQL spent on a create).
_ONE_DOCUMENT = "OFFSET 0"


@functools.lru_cache(maxsize=16)
def _insert_ticket(sla_columns: tuple[str, ...]) -> Any:
    """The INSERT of a new ticket that also sets `sla_columns`, built once per set of columns.

    Both search documents start equal: the document is computed once (a one-row subquery) and
    stored in both, rather than parsed and stemmed twice (see `_ONE_DOCUMENT`).
    """
    table = Ticket.__table__
    names = (*_NEW_TICKET_COLUMNS, *sla_columns)
    document = (
        select(search_document(bindparam("document_text", type_=Text)).label("document"))
        .offset(literal_column("0"))
        .subquery("doc")
    )
    values = select(
        *(bindparam(name, type_=table.c[name].type) for name in names), document.c.document, document.c.document
    )
    return insert(Ticket).from_select([*names, "search_public", "search_staff"], values)


# --- CreateTicket in one statement -------------------------------------------------------------
#
# Opening a ticket writes five rows: the idempotency key, the ticket with its search documents,
# the CREATED event and the change log's slot and entry. As one statement on a driver connection
# in autocommit they are one round trip and one commit (a unit of work costs BEGIN, a statement
# each and COMMIT, and SQLAlchemy's session machinery several times what PostgreSQL spends). The
# statement writes nothing unless `guard` (the caller's check that what it decided from cached
# settings still holds, read in the statement's own snapshot) and, for staff, the customer check
# pass, and nothing past the key unless the key was claimed here: every refusal leaves no trace,
# and the caller answers it the slower, general way.

# What the statement returns of the new ticket: `TicketRecord`'s fields in order (the customer's
# display name joined; a new ticket has no assignee), then the change's log position.
_OPENED_COLUMNS = """
    t.id, t.number, t.subject, t.description, t.priority, t.status, t.category, t.tags, t.customer_id,
    customer.display_name, t.assignee_id, '', t.public_message_count, t.message_count, t.create_time,
    t.update_time, t.resolve_time, t.close_time, t.version, t.sla_policy_id, t.sla_paused_since,
    t.first_response_time, t.first_response_due_time, t.first_response_sla, t.resolution_due_time,
    t.resolution_sla, t.sla_due_time, t.rating, coalesce(t.rating_comment, ''), t.rate_time, t.source_chat_id,
    (SELECT position FROM change)
"""
# The statement's parameters and their types; SLA columns take their column's, any other (the guard's) text.
_OPEN_PARAMETER_TYPES = {
    "id": "uuid",
    "subject": "text",
    "description": "text",
    "priority": "smallint",
    "category": "text",
    "tags": "text[]",
    "customer_id": "uuid",
    "document_text": "text",
    "actor_id": "uuid",
    "scope": "text",
    "request_id": "text",
}


_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


def _parameter_type(name: str) -> str:
    if name in _OPEN_PARAMETER_TYPES:
        return _OPEN_PARAMETER_TYPES[name]
    if name in Ticket.__table__.c:
        return str(Ticket.__table__.c[name].type.compile(dialect=_DIALECT))
    return "text"


class NewTicket(NamedTuple):
    """What a new ticket is opened with (it starts OPEN and unassigned)."""

    id: uuid.UUID
    subject: str
    description: str
    priority: int
    category: str
    tags: Sequence[str]
    customer_id: uuid.UUID


def _new_ticket_parameters(ticket: NewTicket, sla: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of a new ticket's INSERT (both search documents are of `document_text`)."""
    return {
        **sla,
        **ticket._asdict(),
        "tags": list(ticket.tags),
        "document_text": f"{ticket.subject} {ticket.description}",
    }


@functools.lru_cache(maxsize=64)
def open_ticket_statement(
    *, sla_columns: tuple[str, ...], claims_key: bool, checks_customer: bool, guard: str
) -> tuple[str, tuple[str, ...]]:
    """The SQL (asyncpg's `$n`) opening a ticket in one statement, and its parameter names in order.

    `guard` is a boolean SQL expression over named parameters written `:name` (the caller's own,
    passed along with the ticket's); `sla_columns` are the SLA columns set besides the defaults.
    """
    names: list[str] = []

    def param(name: str) -> str:
        if name not in names:
            names.append(name)
        return f"CAST(${names.index(name) + 1} AS {_parameter_type(name)})"

    ticket_id = param("id")
    conditions = [re.sub(r"(?<!:):(\w+)", lambda match: param(match.group(1)), guard)]
    if checks_customer:
        customer = param("customer_id")
        conditions.append(f"EXISTS (SELECT 1 FROM users WHERE id = {customer} AND role = 'customer')")  # noqa: S608 - values bound
    where = " AND ".join(f"({condition})" for condition in conditions)
    if claims_key:
        claim = f"""
            INSERT INTO idempotency_keys (scope, request_id, resource_id)
            SELECT {param("scope")}, {param("request_id")}, {ticket_id}::text WHERE {where}
            ON CONFLICT (scope, request_id) DO NOTHING
            RETURNING 1"""
    else:
        claim = f"SELECT 1 WHERE {where}"
    columns = ["id", "subject", "description", "priority", "category", "tags", "customer_id", *sla_columns]
    values = [ticket_id] + [param(name) for name in columns[1:]]
    document = f"to_tsvector('english'::regconfig, unaccent({param('document_text')}))"
    breached = f"(t.first_response_sla = {BREACHED} OR t.resolution_sla = {BREACHED})"
    sql = f"""
        WITH claim AS ({claim}
        ), ticket AS (
            INSERT INTO tickets ({", ".join(columns)}, search_public, search_staff)
            SELECT {", ".join(values)}, doc.document, doc.document
            FROM (SELECT {document} AS document {_ONE_DOCUMENT}) AS doc
            WHERE EXISTS (SELECT 1 FROM claim)
            RETURNING *
        ), event AS (
            INSERT INTO ticket_events (ticket_id, type, actor_id, new_status, new_priority)
            SELECT id, 'created', {param("actor_id")}, status, priority FROM ticket
        ), slot AS (
            -- The change log's one row: its lock orders the appends by commit (this statement's end).
            UPDATE ticket_change_log SET last_position = last_position + 1
            WHERE id = 1 AND EXISTS (SELECT 1 FROM ticket)
            RETURNING last_position
        ), change AS (
            INSERT INTO ticket_changes (position, ticket_id, kind, customer_id, internal, new_status,
                                        new_priority, new_assignee_id, new_category, new_tags, new_sla_breached)
            SELECT slot.last_position, t.id, 'created', t.customer_id, false, t.status, t.priority,
                   t.assignee_id, t.category, t.tags, {breached}
            FROM slot, ticket AS t
            RETURNING position
        )
        SELECT {_OPENED_COLUMNS}
        FROM ticket AS t JOIN users AS customer ON customer.id = t.customer_id
    """  # noqa: S608 - fixed column names, values bound
    return sql, tuple(names)


class TicketRepository:
    """Tickets with their conversation and audit trail. Visibility rules are the caller's (domain's) job."""

    def __init__(self, source: AsyncSession | ReadConnection) -> None:
        self._rows = StatementRunner(source)
        self._source = source

    @property
    def _session(self) -> AsyncSession:
        # Writes and locks belong to a unit of work; a pooled read connection only answers reads.
        if not isinstance(self._source, AsyncSession):
            raise TypeError("this TicketRepository runs on a read connection: writes need a unit of work")
        return self._source

    async def get(self, *, ticket_id: uuid.UUID, customer_id: uuid.UUID | None = None) -> TicketRecord | None:
        """The ticket, if it exists (and, with `customer_id`, belongs to that customer): one indexed query."""
        row = await self._one(GET_TICKET, GET_OWN_TICKET, ticket_id=ticket_id, customer_id=customer_id)
        return None if row is None else TicketRecord._make(row)

    async def views(self, ticket_ids: list[uuid.UUID]) -> dict[uuid.UUID, TicketView]:
        """Tickets by id (anyone's) as GetTicket shows them (timestamps as microseconds): those that exist, by id."""
        rows = await self._rows.all(_VIEW_TICKETS, {"ticket_ids": ticket_ids})
        return {view.id: view for view in map(TicketView._make, rows)}

    async def _one(
        self, anyones: AnySelect, owned: AnySelect, *, ticket_id: uuid.UUID, customer_id: uuid.UUID | None
    ) -> Sequence[Any] | None:
        if customer_id is None:
            return await self._rows.first(anyones, {"ticket_id": ticket_id})
        return await self._rows.first(owned, {"ticket_id": ticket_id, "customer_id": customer_id})

    async def list_page(self, *, spec: TicketFilter, after: Sequence[Any] | None, limit: int) -> list[TicketView]:
        """Up to `limit` tickets matching `spec` in its order, strictly after the keyset position `after`."""
        statement, parameters = build_list_statement(spec, after=after, limit=limit)
        return [TicketView._make(row) for row in await self._rows.all(statement, parameters)]

    async def count(self, *, spec: TicketFilter) -> int:
        """How many tickets match `spec` in all."""
        statement, parameters = build_count_statement(spec)
        row = await self._rows.first(statement, parameters)
        return 0 if row is None else int(row[0])

    async def lock(self, *, ticket_id: uuid.UUID) -> TicketRecord | None:
        """The ticket, row-locked until commit (FOR NO KEY UPDATE: messages referencing it go on)."""
        connection = await self._session.connection()
        row = (await connection.execute(_LOCK_TICKET, {"ticket_id": ticket_id})).one_or_none()
        return None if row is None else TicketRecord._make(row)

    async def add(
        self,
        *,
        ticket_id: uuid.UUID,
        subject: str,
        description: str,
        priority: int,
        category: str,
        tags: Sequence[str],
        customer_id: uuid.UUID,
        sla: Mapping[str, Any] | None = None,
    ) -> None:
        """Inserts an OPEN, unassigned ticket with its search documents (and its SLA columns, if any)."""
        extra = dict(sla or {})
        ticket = NewTicket(ticket_id, subject, description, priority, category, tags, customer_id)
        connection = await self._session.connection()
        await connection.execute(_insert_ticket(tuple(sorted(extra))), _new_ticket_parameters(ticket, extra))

    async def open(
        self,
        ticket: NewTicket,
        *,
        actor_id: uuid.UUID,
        sla: Mapping[str, Any],
        key: tuple[str, str] | None,
        check_customer: bool,
        guard: str,
        guard_parameters: Mapping[str, str],
    ) -> tuple[TicketRecord, int] | None:
        """Opens `ticket` in one statement on a driver connection (autocommit): the ticket and its log position.

        Writes the idempotency `key` (scope, request id) if given, the ticket with its search
        documents and `sla` columns, the CREATED event and the change log entry, all or nothing.
        None, with nothing written, if `guard` (SQL over `:name` parameters) is false, if
        `check_customer` and the customer is no customer, or if the key was claimed before.
        """
        if isinstance(self._source, AsyncSession):
            raise TypeError("opening a ticket in one statement runs on a driver connection, not in a unit of work")
        sql, names = open_ticket_statement(
            sla_columns=tuple(sorted(sla)), claims_key=key is not None, checks_customer=check_customer, guard=guard
        )
        parameters = {**guard_parameters, **_new_ticket_parameters(ticket, sla), "actor_id": actor_id}
        if key is not None:
            parameters["scope"], parameters["request_id"] = key
        # asyncpg's Record reads by position, as a Row does.
        row = cast(
            "Sequence[Any] | None",
            await first_row(self._source, DriverStatement(sql, names, {}), [parameters[name] for name in names]),
        )
        if row is None:
            return None
        return TicketRecord._make(row[:-1]), int(row[-1])

    async def update(self, *, ticket_id: uuid.UUID, changes: Mapping[str, Any], public: bool = True) -> bool:
        """Sets `changes` (column -> value); a public change also bumps `version` and `update_time`.

        Editing `subject` or `description` rebuilds the search documents. False if the ticket is gone.
        """
        values: dict[str, Any] = dict(changes)
        if public:
            values["version"] = Ticket.version + 1
            values["update_time"] = func.now()
        result = await self._session.execute(
            update(Ticket).where(Ticket.id == ticket_id).values(**values).returning(Ticket.id)
        )
        if result.one_or_none() is None:
            return False
        if "subject" in changes or "description" in changes:
            await self._session.execute(_REBUILD_SEARCH, {"ticket_id": ticket_id})
        return True

    async def delete(self, *, ticket_id: uuid.UUID) -> bool:
        """Deletes the ticket with its messages and events (ON DELETE CASCADE); False if it was gone."""
        result = await self._session.execute(delete(Ticket).where(Ticket.id == ticket_id).returning(Ticket.id))
        return result.one_or_none() is not None

    async def add_message(
        self,
        *,
        message_id: uuid.UUID,
        ticket_id: uuid.UUID,
        author_id: uuid.UUID,
        author_role: str,
        body: str,
        internal: bool,
    ) -> None:
        """Inserts a message and counts and indexes it on its ticket.

        A public message also bumps the ticket's `version` and `update_time`; an internal note
        changes neither, so that customers cannot notice it.
        """
        await self._session.execute(
            insert(TicketMessage).values(
                id=message_id,
                ticket_id=ticket_id,
                author_id=author_id,
                author_role=author_role,
                body=body,
                internal=internal,
            )
        )
        document = search_document(literal(body, Text))
        values: dict[str, Any] = {
            "message_count": Ticket.message_count + 1,
            "search_staff": Ticket.search_staff.op("||")(document),
        }
        if not internal:
            values |= {
                "public_message_count": Ticket.public_message_count + 1,
                "search_public": Ticket.search_public.op("||")(document),
                "version": Ticket.version + 1,
                "update_time": func.now(),
            }
        await self._session.execute(update(Ticket).where(Ticket.id == ticket_id).values(**values))

    async def get_message(self, *, message_id: uuid.UUID) -> MessageRecord | None:
        """One message by id."""
        row = (await self._session.execute(select_messages().where(TicketMessage.id == message_id))).one_or_none()
        return None if row is None else MessageRecord._make(row)

    async def list_messages(
        self, *, ticket_id: uuid.UUID, include_internal: bool, after_seq: int | None, limit: int
    ) -> list[MessageRecord]:
        """Up to `limit` messages oldest first (by `seq`), after `after_seq`; notes only if `include_internal`."""
        statement = select_messages().where(TicketMessage.ticket_id == ticket_id)
        if not include_internal:
            statement = statement.where(TicketMessage.internal.is_(False))
        if after_seq is not None:
            statement = statement.where(TicketMessage.seq > after_seq)
        statement = statement.order_by(TicketMessage.seq).limit(limit)
        return [MessageRecord._make(row) for row in await self._session.execute(statement)]

    async def add_events(self, *, events: Sequence[NewEvent]) -> None:
        """Records the events, in order."""
        if not events:
            return
        # One executemany of a Core INSERT built once; every row names every column so that the batch is uniform.
        rows = [{column: getattr(event, column) for column in _EVENT_COLUMNS} for event in events]
        connection = await self._session.connection()
        await connection.execute(_INSERT_EVENTS, rows)

    async def list_events(self, *, ticket_id: uuid.UUID, after_seq: int | None, limit: int) -> list[EventRecord]:
        """Up to `limit` events oldest first (by `seq`), after `after_seq`."""
        statement = select_events().where(TicketEvent.ticket_id == ticket_id)
        if after_seq is not None:
            statement = statement.where(TicketEvent.seq > after_seq)
        statement = statement.order_by(TicketEvent.seq).limit(limit)
        return [EventRecord._make(row) for row in await self._session.execute(statement)]
