"""The macros' parts, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from server.macros.domain import Macros
from server.macros.servicer import MacroServicer
from server.sla.bookkeeping import SlaBookkeeping
from server.tickets.changes import ChangeListener
from storage.db import Database


@dataclass(frozen=True, slots=True)
class MacroParts:
    """The macro domain and its servicer."""

    macros: Macros
    servicer: MacroServicer

    @classmethod
    def create(cls, *, database: Database, changes: ChangeListener, sla: SlaBookkeeping) -> MacroParts:
        """Builds both; ticket changes go to the tickets' live feed and keep the SLA books as the desk does."""
        macros = Macros(database=database, changes=changes, sla=sla)
        return cls(macros=macros, servicer=MacroServicer(macros=macros))
