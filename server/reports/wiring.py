"""The report parts, built once per process: the figures, their servicer and the rollup job."""

from __future__ import annotations

from dataclasses import dataclass

from server.reports.domain import Reports
from server.reports.rollup import TicketRollup
from server.reports.servicer import ReportServicer
from server.settings import Settings
from storage.db import Database


@dataclass(frozen=True, slots=True)
class ReportParts:
    """The figures, the servicer and the rollup job."""

    reports: Reports
    rollup: TicketRollup
    servicer: ReportServicer

    @classmethod
    def create(cls, *, settings: Settings, database: Database) -> ReportParts:
        """Builds every part; the job runs once `start()` is called."""
        reports = Reports(database=database)
        rollup = TicketRollup(
            database=database,
            interval_seconds=settings.report_rollup_interval_seconds,
            batch_size=settings.report_rollup_batch_size,
        )
        return cls(reports=reports, rollup=rollup, servicer=ReportServicer(reports=reports))

    def start(self) -> None:
        """Starts the rollup job."""
        self.rollup.start()

    async def stop(self) -> None:
        """Stops the rollup job and waits for it to end."""
        await self.rollup.stop()
