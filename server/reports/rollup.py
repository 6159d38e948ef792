"""The rollup job: folds the ticket change log into the report rollups, each change exactly once.

Every replica runs the job every `report_rollup_interval_seconds`. A fold locks the cursor row
(`SELECT ... FOR UPDATE SKIP LOCKED`: a replica finding it locked leaves the work to the one
holding it), reads the next changes after the cursor in position order, adds their deltas to the
rollup rows and moves the cursor, all in one transaction. Positions of the change log are
gap-free and commit-ordered, so what a fold reads is a complete prefix of the log; a fold cut
short (a crash, a restart, PostgreSQL gone) rolls back whole, rollup rows and cursor together,
and the next fold on any replica starts again from the same cursor.

Reports ask for the local days of the UTC offsets they read (`report_day_offsets`); a fold finding
one asked for fills its days from the hourly rows first (from the quarter-hour rows for an offset
that is not whole hours, whose days start inside UTC hours), in the same transaction, and from
then on adds each change to the days of every offset as well as to its hour and quarter-hour.

The log keeps changes for `ticket_change_retention_seconds` (7 days by default): a rollup left
without any running replica for longer misses the pruned changes, and says so in the log.
"""

from __future__ import annotations

import asyncio
import logging
import random

from server.reports.fold import DONE_STATUSES, fold_changes
from server.reports.running import advanced, changed_series, running_of_days
from storage.db import Database
from storage.repositories.reports import TICKETS_CURSOR

_log = logging.getLogger(__name__)


class TicketRollup:
    """Keeps the ticket rollups current; safe to run on every replica at once."""

    def __init__(self, *, database: Database, interval_seconds: float, batch_size: int) -> None:
        self._database = database
        self._interval = interval_seconds
        self._batch = batch_size
        self._task: asyncio.Task[None] | None = None

    async def run_once(self, *, wait: bool = False) -> int:
        """Folds every change committed so far; returns how many.

        Without `wait`, leaves the work to another replica found folding; with it, waits for that
        fold to end and goes on, so that every change committed before the call is counted on return.
        """
        total = 0
        while True:
            folded = await self.fold_batch(wait=wait)
            total += folded
            if folded < self._batch:
                return total

    async def fold_batch(self, *, wait: bool = False) -> int:
        """Folds up to one batch of changes in one transaction; 0 when caught up (or another replica folds)."""
        async with self._database.unit_of_work() as uow:
            cursor = await uow.reports.lock_cursor(name=TICKETS_CURSOR, wait=wait)
            if cursor is None:
                return 0
            offsets = await uow.reports.day_offsets()
            for offset in sorted(offset for offset, ready in offsets.items() if not ready):
                # The hourly rows hold every change up to the locked cursor: the days start equal to them.
                await uow.reports.fill_day_offset(offset=offset)
                days = await uow.reports.offset_day_histograms(offset=offset)
                await uow.reports.put_running(rows=running_of_days(days))
                _log.info("reports: local days of UTC offset %+d min filled from the rollups", offset)
            changes = await uow.ticket_changes.list_after(position=cursor.position, limit=self._batch)
            if not changes:
                return 0
            if changes[0].position != cursor.position + 1:
                _log.warning(
                    "reports: ticket changes %d to %d were pruned before they were counted",
                    cursor.position + 1,
                    changes[0].position - 1,
                )
            # A ticket created in the batch has no fact yet (the fold makes it): only the others' are read,
            # which spares thousands of index probes a batch when most changes are new tickets.
            created = {change.ticket_id for change in changes if change.kind == "created"}
            facts = await uow.reports.facts(
                ticket_ids=(change.ticket_id for change in changes if change.ticket_id not in created)
            )
            staff = await uow.reports.staff_messages(
                message_ids=(
                    change.message_id
                    for change in changes
                    if change.message_id is not None and change.kind == "message_added" and not change.internal
                )
            )
            sla = await uow.reports.sla_outcomes(
                ticket_ids=(change.ticket_id for change in changes if change.new_status in DONE_STATUSES)
            )
            fold = fold_changes(changes, facts=facts, staff_messages=staff, sla=sla, offsets=sorted(offsets))
            await uow.reports.apply(deltas=fold)
            changed = changed_series(fold.day_durations)
            if changed:
                series = list(changed)
                stored = await uow.reports.running_from(series=[(key, min(changed[key])) for key in series])
                await uow.reports.put_running(
                    rows=[
                        row
                        for key, rows in zip(series, stored, strict=True)
                        for row in advanced(changed[key], rows, series=key)
                    ]
                )
            last = changes[-1]
            await uow.reports.advance_cursor(name=TICKETS_CURSOR, position=last.position, data_time=last.commit_time)
            return len(changes)

    def start(self) -> None:
        """Runs the job every interval (jittered, so that replicas spread out) until `stop`."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="report-rollup")

    async def stop(self) -> None:
        """Stops the job and waits for it to end (a fold in progress rolls back; the next one redoes it).

        Awaited to its end, so that the fold's connection is back in the pool (or closed) before
        the pool is: a fold left to finish its rollback after the pool closed would leave its
        connection to the garbage collector.
        """
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - PostgreSQL may be down; the next run catches up
                _log.warning("reports: a rollup run failed; the next one catches up", exc_info=True)
            await asyncio.sleep(self._interval * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not a secret
