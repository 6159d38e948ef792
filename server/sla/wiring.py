"""The SLA parts, built once per process: policies and their servicer, the ticket bookkeeping, the breach job."""

from __future__ import annotations

from dataclasses import dataclass

from server.core.metrics import Metrics
from server.settings import Settings
from server.sla.bookkeeping import SlaBookkeeping
from server.sla.breaches import BreachWatch
from server.sla.clock import Clock
from server.sla.domain import SlaPolicies
from server.sla.servicer import SlaServicer
from server.tickets.changes import ChangeListener
from storage.db import Database


@dataclass(frozen=True, slots=True)
class Sla:
    """Policies, the bookkeeping the ticket desk calls, the breach job and the servicer, on one clock."""

    policies: SlaPolicies
    bookkeeping: SlaBookkeeping
    breaches: BreachWatch
    servicer: SlaServicer

    @classmethod
    def create(
        cls,
        *,
        settings: Settings,
        database: Database,
        metrics: Metrics,
        bookkeeping: SlaBookkeeping,
        changes: ChangeListener | None,
    ) -> Sla:
        """Builds every part on the bookkeeping's clock; the job runs once `start()` is called."""
        clock: Clock = bookkeeping.clock
        policies = SlaPolicies(database=database, clock=clock, changes=changes)
        breaches = BreachWatch(
            database=database,
            clock=clock,
            metrics=metrics,
            changes=changes,
            interval_seconds=settings.sla_check_interval_seconds,
        )
        return cls(
            policies=policies, bookkeeping=bookkeeping, breaches=breaches, servicer=SlaServicer(policies=policies)
        )

    def start(self) -> None:
        """Starts the breach job."""
        self.breaches.start()

    async def stop(self) -> None:
        """Stops the breach job."""
        await self.breaches.stop()
