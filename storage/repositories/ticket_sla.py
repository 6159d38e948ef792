"""The SLA columns of `tickets`: read under the ticket's lock, written beside its changes, scanned by the breach job."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Ticket


class TicketSlaRow(NamedTuple):
    """A ticket's SLA bookkeeping, with what decides its policy and clock."""

    ticket_id: uuid.UUID
    priority: int
    category: str
    status: str
    create_time: datetime
    sla_policy_id: uuid.UUID | None
    sla_clock_start: datetime | None
    sla_paused_since: datetime | None
    first_response_time: datetime | None
    first_response_due_time: datetime | None
    first_response_warn_time: datetime | None
    first_response_sla: int
    resolution_due_time: datetime | None
    resolution_warn_time: datetime | None
    resolution_sla: int


_SELECT_ROWS = select(Ticket.id.label("ticket_id"), *(getattr(Ticket, name) for name in TicketSlaRow._fields[1:]))


class TicketSlaRepository:
    """SLA bookkeeping of tickets; what the values mean is the domain's business."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, *, ticket_id: uuid.UUID) -> TicketSlaRow | None:
        """The ticket's SLA columns (read it under the ticket's row lock to change them)."""
        row = (await self._session.execute(_SELECT_ROWS.where(Ticket.id == ticket_id))).one_or_none()
        return None if row is None else TicketSlaRow._make(row)

    async def set(self, *, ticket_id: uuid.UUID, values: Mapping[str, Any]) -> None:
        """Writes SLA columns without touching the ticket's version (SLA state is not an edit)."""
        if values:
            await self._session.execute(update(Ticket).where(Ticket.id == ticket_id).values(**values))

    async def claim_due(self, *, now: datetime, limit: int) -> list[TicketSlaRow]:
        """Up to `limit` tickets whose warning or due time `now` has reached, row-locked, skipping locked ones.

        Another replica's job (or a change in flight) holding a row skips it rather than
        waiting: each due ticket is handled by exactly one transaction, and a skipped one is
        still due on the next run.
        """
        statement = (
            _SELECT_ROWS.where(Ticket.sla_next_check_time <= now)
            .order_by(Ticket.sla_next_check_time)
            .limit(limit)
            # FOR NO KEY UPDATE, as the desk locks tickets: rows referencing them (messages) go on.
            .with_for_update(of=Ticket.__table__, skip_locked=True, key_share=True)
        )
        return [TicketSlaRow._make(row) for row in await self._session.execute(statement)]
