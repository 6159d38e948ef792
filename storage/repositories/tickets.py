"""Reads and writes of `tickets`, `ticket_messages` and `ticket_events`.

One repository for the aggregate. In a unit of work it runs on the transaction's session; the
hottest reads (GetTicket, ListTickets), which one statement answers, run it on a pooled driver
connection (`Database.read_connection()`) instead, skipping the transaction and SQLAlchemy's
per-call machinery, which cost several times what PostgreSQL spends on these indexed reads.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import Text, bindparam, delete, func, insert, literal, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import ReadConnection, StatementRunner
from storage.models import Ticket, TicketEvent, TicketMessage
from storage.repositories.ticket_listing import TicketFilter, build_count_statement, build_list_statement
from storage.repositories.ticket_records import (
    EventRecord,
    MessageRecord,
    NewEvent,
    TicketRecord,
    search_document,
    select_events,
    select_messages,
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

# GetTicket's statements, built once.
GET_TICKET = select_tickets().where(Ticket.id == bindparam("ticket_id"))
GET_OWN_TICKET = GET_TICKET.where(Ticket.customer_id == bindparam("customer_id"))
_LOCK_TICKET = GET_TICKET.with_for_update(of=Ticket.__table__, key_share=True)

# Stands for "the transaction's time" in `TicketRepository.update` changes (resolve/close stamps).
NOW: Any = func.now()

# The columns a `NewEvent` sets, in its field order.
_EVENT_COLUMNS = tuple(field.name for field in fields(NewEvent))
_INSERT_EVENTS = insert(TicketEvent)

# The columns CreateTicket sets besides the SLA ones.
_NEW_TICKET_COLUMNS = ("id", "subject", "description", "priority", "category", "tags", "customer_id")


@functools.lru_cache(maxsize=16)
def _insert_ticket(sla_columns: tuple[str, ...]) -> Any:
    """The INSERT of a new ticket that also sets `sla_columns`, built once per set of columns.

    Both search documents start equal: the document is computed once (a one-row subquery) and
    stored in both, rather than parsed and stemmed twice.
    """
    table = Ticket.__table__
    names = (*_NEW_TICKET_COLUMNS, *sla_columns)
    document = select(search_document(bindparam("document_text", type_=Text)).label("document")).subquery("doc")
    values = select(
        *(bindparam(name, type_=table.c[name].type) for name in names), document.c.document, document.c.document
    )
    return insert(Ticket).from_select([*names, "search_public", "search_staff"], values)


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
        if customer_id is None:
            row = await self._rows.first(GET_TICKET, {"ticket_id": ticket_id})
        else:
            row = await self._rows.first(GET_OWN_TICKET, {"ticket_id": ticket_id, "customer_id": customer_id})
        return None if row is None else TicketRecord._make(row)

    async def list_page(self, *, spec: TicketFilter, after: Sequence[Any] | None, limit: int) -> list[TicketRecord]:
        """Up to `limit` tickets matching `spec` in its order, strictly after the keyset position `after`."""
        statement, parameters = build_list_statement(spec, after=after, limit=limit)
        return [TicketRecord._make(row) for row in await self._rows.all(statement, parameters)]

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
        parameters: dict[str, Any] = {
            "id": ticket_id,
            "subject": subject,
            "description": description,
            "priority": priority,
            "category": category,
            "tags": list(tags),
            "customer_id": customer_id,
            "document_text": f"{subject} {description}",
            **extra,
        }
        connection = await self._session.connection()
        await connection.execute(_insert_ticket(tuple(sorted(extra))), parameters)

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
