"""What the ticket desk tells the domains that live outside it (and may be absent): SLA books, automatic assignment."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from storage.repositories.assignment import TicketSettings
from storage.repositories.sla_policies import PolicyTargets
from storage.repositories.ticket_records import TicketRecord
from storage.unit_of_work import UnitOfWork


class TicketSlaHook(Protocol):
    """Computes the SLA columns a ticket change writes (server.sla.bookkeeping.SlaBookkeeping)."""

    async def for_new_ticket(self, uow: UnitOfWork, *, priority: int, category: str) -> dict[str, Any]:
        """The SLA columns of a ticket being opened now."""

    def new_ticket_columns(self, policy: PolicyTargets | None) -> dict[str, Any]:
        """The SLA columns of a ticket being opened now under `policy` (the one matching it; None: none does)."""

    async def for_new_targets(
        self, uow: UnitOfWork, *, ticket_id: uuid.UUID, priority: int, category: str
    ) -> dict[str, Any]:
        """The SLA columns after a change of priority or category."""

    async def for_status(self, uow: UnitOfWork, *, ticket: TicketRecord, target: str) -> dict[str, Any]:
        """The SLA columns when `ticket` moves to status `target`."""

    async def record_first_response(self, uow: UnitOfWork, *, ticket: TicketRecord) -> None:
        """Stamps the first public reply of the staff on `ticket`, if it is the first."""


class TicketAssignmentHook(Protocol):
    """Told about new tickets (in their transaction) and about capacity freed (after commit)."""

    def assigns_new_ticket(self, settings: TicketSettings, *, category: str) -> bool:
        """Whether `ticket_opened` may assign a new ticket of `category` under `settings` (False: it never does)."""

    async def ticket_opened(self, uow: UnitOfWork, *, ticket_id: uuid.UUID, category: str) -> None:
        """May assign the ticket just added in `uow`, before its change is logged."""

    async def tickets_freed(self) -> None:
        """An agent's open tickets dropped, or a ticket became unassigned: waiting tickets may move."""
