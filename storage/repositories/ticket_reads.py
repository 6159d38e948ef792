"""The hottest ticket reads (GetTicket, ListTickets) at the driver level, outside any transaction.

The statements are the repository's own (`GET_TICKET` beside `TicketRepository.get`, and
`build_list_statement` of `ticket_listing`), compiled once to asyncpg's SQL and run on a pooled
connection: SQLAlchemy's per-call machinery costs several times what PostgreSQL spends on these
indexed reads. Each answer is one statement, so no transaction is needed for a consistent view.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ClauseElement

from storage.db import DriverStatement, ReadConnection
from storage.repositories.ticket_listing import TicketFilter, build_count_statement, build_list_statement
from storage.repositories.ticket_records import TicketRecord
from storage.repositories.tickets import GET_OWN_TICKET, GET_TICKET

_GET = DriverStatement.compile(GET_TICKET)
_GET_OWN = DriverStatement.compile(GET_OWN_TICKET)


@functools.lru_cache(maxsize=512)
def _compiled(statement: ClauseElement) -> DriverStatement:
    # List statements are built once per filter shape (and cached there), so this cache follows them.
    return DriverStatement.compile(statement)


class TicketReads:
    """Ticket reads on one pooled driver connection (`Database.read_connection()`)."""

    def __init__(self, connection: ReadConnection) -> None:
        self._connection = connection

    async def get(self, *, ticket_id: uuid.UUID, customer_id: uuid.UUID | None = None) -> TicketRecord | None:
        """The ticket, if it exists (and, with `customer_id`, belongs to that customer)."""
        if customer_id is None:
            row = await self._connection.fetchrow(_GET.sql, *_GET.arguments({"ticket_id": ticket_id}))
        else:
            arguments = _GET_OWN.arguments({"ticket_id": ticket_id, "customer_id": customer_id})
            row = await self._connection.fetchrow(_GET_OWN.sql, *arguments)
        return None if row is None else TicketRecord._make(row)

    async def list_page(self, *, spec: TicketFilter, after: Sequence[Any] | None, limit: int) -> list[TicketRecord]:
        """Up to `limit` tickets matching `spec` in its order, strictly after the keyset position `after`."""
        statement, parameters = build_list_statement(spec, after=after, limit=limit)
        compiled = _compiled(statement)
        rows = await self._connection.fetch(compiled.sql, *compiled.arguments(parameters))
        return [TicketRecord._make(row) for row in rows]

    async def count(self, *, spec: TicketFilter) -> int:
        """How many tickets match `spec` in all."""
        statement, parameters = build_count_statement(spec)
        compiled = _compiled(statement)
        row = await self._connection.fetchrow(compiled.sql, *compiled.arguments(parameters))
        return 0 if row is None else int(row["total"])
