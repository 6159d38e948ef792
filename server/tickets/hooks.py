"""What the ticket desk tells automatic assignment, which lives outside this domain (and may be absent)."""

from __future__ import annotations

import uuid
from typing import Protocol

from storage.unit_of_work import UnitOfWork


class TicketAssignmentHook(Protocol):
    """Told about new tickets (in their transaction) and about capacity freed (after commit)."""

    async def ticket_opened(self, uow: UnitOfWork, *, ticket_id: uuid.UUID, category: str) -> None:
        """May assign the ticket just added in `uow`, before its change is logged."""

    async def tickets_freed(self) -> None:
        """An agent's open tickets dropped, or a ticket became unassigned: waiting tickets may move."""
