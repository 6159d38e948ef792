"""The macros' parts, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from server.macros.domain import Macros
from server.macros.servicer import MacroServicer
from server.sla.bookkeeping import SlaBookkeeping
from server.tickets.changes import ChangeListener
from server.tickets.hooks import TicketAssignmentHook
from storage.db import Database


@dataclass(frozen=True, slots=True)
class MacroParts:
    """The macro domain and its servicer."""

    macros: Macros
    servicer: MacroServicer

    @classmethod
    def create(
        cls, *, database: Database, changes: ChangeListener, sla: SlaBookkeeping, assignment: TicketAssignmentHook
    ) -> MacroParts:
        """Builds both; ticket changes go where the desk's go (live feed, SLA books, automatic assignment)."""
        macros = Macros(database=database, changes=changes, sla=sla, assignment=assignment)
        return cls(macros=macros, servicer=MacroServicer(macros=macros))
