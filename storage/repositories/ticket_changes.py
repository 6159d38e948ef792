"""The ticket change log (`ticket_changes`): appended in each change's transaction, read in position order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import DriverStatement
from storage.models import Ticket, TicketChange, TicketChangeLog, TicketMessage
from storage.models.sla import BREACHED
from storage.repositories.ticket_records import MessageRecord, TicketRecord, select_messages, select_tickets


class ChangeRecord(NamedTuple):
    """One logged change; `old_*` are None for a creation and `new_*` for a deletion."""

    position: int
    ticket_id: uuid.UUID
    kind: str
    customer_id: uuid.UUID
    message_id: uuid.UUID | None
    internal: bool
    old_status: str | None
    new_status: str | None
    old_priority: int | None
    new_priority: int | None
    old_assignee_id: uuid.UUID | None
    new_assignee_id: uuid.UUID | None
    old_category: str | None
    new_category: str | None
    old_tags: list[str] | None
    new_tags: list[str] | None
    old_sla_breached: bool | None
    new_sla_breached: bool | None
    commit_time: datetime


class LogState(NamedTuple):
    """Where the log stands: the last position handed out, and the last one pruned (0: none)."""

    last_position: int
    pruned_through: int


_CHANGE_COLUMNS = tuple(getattr(TicketChange, name) for name in ChangeRecord._fields)
_SELECT_CHANGES = select(*_CHANGE_COLUMNS)
# The changes after a position, for the driver: the report fold and the watch feed read thousands
# of rows a second, and SQLAlchemy's per-row processing cost more than the query.
_LIST_AFTER = (
    _SELECT_CHANGES.where(TicketChange.position > bindparam("position"))
    .order_by(TicketChange.position)
    .limit(bindparam("limit"))
)
_LIST_AFTER_FOR_DRIVER = DriverStatement.compile(_LIST_AFTER)

# Prunes a prefix of the log (rows older than the cutoff) and records how far it went.
_PRUNE = text(
    """
    WITH horizon AS (
        SELECT max(position) AS position FROM ticket_changes WHERE commit_time < :cutoff
    ), gone AS (
        DELETE FROM ticket_changes WHERE position <= (SELECT position FROM horizon) RETURNING position
    )
    UPDATE ticket_change_log
    SET pruned_through = GREATEST(pruned_through, coalesce((SELECT max(position) FROM gone), 0))
    WHERE id = 1
    RETURNING pruned_through
    """
)


def _filter_fields(prefix: str, ticket: TicketRecord | None) -> dict[str, Any]:
    if ticket is None:
        return dict.fromkeys(f"{prefix}_{name}" for name in _FILTER_FIELDS)
    return {
        f"{prefix}_status": ticket.status,
        f"{prefix}_priority": ticket.priority,
        f"{prefix}_assignee_id": ticket.assignee_id,
        f"{prefix}_category": ticket.category,
        f"{prefix}_tags": list(ticket.tags),
        f"{prefix}_sla_breached": ticket.first_response_sla == BREACHED or ticket.resolution_sla == BREACHED,
    }


# What a watcher filters on, before and after the change.
_FILTER_FIELDS = ("status", "priority", "assignee_id", "category", "tags", "sla_breached")
_APPEND_COLUMNS = (
    "ticket_id",
    "kind",
    "customer_id",
    "message_id",
    "internal",
    *(f"{prefix}_{name}" for prefix in ("old", "new") for name in _FILTER_FIELDS),
)


def _append_statement() -> Any:
    # The next position comes from the log's one row, whose lock orders the appends by commit.
    slot = (
        update(TicketChangeLog)
        .where(TicketChangeLog.id == 1)
        .values(last_position=TicketChangeLog.last_position + 1)
        .returning(TicketChangeLog.last_position)
        .cte("slot")
    )
    table = TicketChange.__table__
    values = select(slot.c.last_position, *(bindparam(name, type_=table.c[name].type) for name in _APPEND_COLUMNS))
    return (
        insert(TicketChange)
        .from_select(["position", *_APPEND_COLUMNS], values.select_from(slot))
        .returning(TicketChange.position)
    )


# Built once: every ticket change runs it, and building it cost more than running it.
_APPEND = _append_statement()


class TicketChangeRepository:
    """Appends to and reads the ticket change log; what a watcher may see is the caller's business."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def append(
        self,
        *,
        kind: str,
        before: TicketRecord | None,
        after: TicketRecord | None,
        message_id: uuid.UUID | None = None,
        internal: bool = False,
    ) -> int:
        """Logs one change of a ticket (its state before and after) and returns its position.

        Takes the log's row lock until the transaction ends: call it last, just before commit,
        so that concurrent changes wait only for each other's commit.
        """
        ticket = after if after is not None else before
        assert ticket is not None, "a change has a ticket before or after it"
        parameters: dict[str, Any] = {
            "ticket_id": ticket.id,
            "kind": kind,
            "customer_id": ticket.customer_id,
            "message_id": message_id,
            "internal": internal,
            **_filter_fields("old", before),
            **_filter_fields("new", after),
        }
        connection = await self._session.connection()
        position = (await connection.execute(_APPEND, parameters)).scalar_one()
        return int(position)

    async def read_one_snapshot(self) -> None:
        """Makes the rest of this transaction read one snapshot (call it first).

        A batch of changes, their tickets and their messages are three statements: under READ
        COMMITTED a deletion committing between them would leave a ticket without its message.
        """
        await self._session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))

    async def state(self) -> LogState:
        """The last position handed out and how far the log was pruned (committed values only)."""
        row = (
            await self._session.execute(
                select(TicketChangeLog.last_position, TicketChangeLog.pruned_through).where(TicketChangeLog.id == 1)
            )
        ).one()
        return LogState(int(row[0]), int(row[1]))

    async def list_after(self, *, position: int, limit: int) -> list[ChangeRecord]:
        """Up to `limit` changes after `position`, in position (commit) order."""
        parameters = {"position": position, "limit": limit}
        connection = await self._session.connection()
        driver: Any = (await connection.get_raw_connection()).driver_connection
        if driver.is_in_transaction():
            # On the unit of work's own transaction (its snapshot), skipping SQLAlchemy's row processing.
            rows = await driver.fetch(_LIST_AFTER_FOR_DRIVER.sql, *_LIST_AFTER_FOR_DRIVER.arguments(parameters))
        else:
            # The unit of work's first statement: SQLAlchemy begins its transaction.
            rows = await connection.execute(_LIST_AFTER, parameters)
        return [ChangeRecord._make(row) for row in rows]

    async def tickets(self, *, ticket_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TicketRecord]:
        """The tickets that still exist among `ticket_ids`, as they are now."""
        if not ticket_ids:
            return {}
        rows = await self._session.execute(select_tickets().where(Ticket.id.in_(set(ticket_ids))))
        return {record.id: record for record in map(TicketRecord._make, rows)}

    async def messages(self, *, message_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, MessageRecord]:
        """The messages that still exist among `message_ids`."""
        if not message_ids:
            return {}
        rows = await self._session.execute(select_messages().where(TicketMessage.id.in_(set(message_ids))))
        return {record.id: record for record in map(MessageRecord._make, rows)}

    async def prune(self, *, older_than: datetime) -> int:
        """Deletes the changes committed before `older_than`; returns the last position pruned so far."""
        return int((await self._session.execute(_PRUNE, {"cutoff": older_than})).scalar_one())
