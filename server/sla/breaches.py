"""The breach job: tickets reaching an SLA warning window or due time get their event, once, on one replica.

Every replica runs the job every `sla_check_interval_seconds`. A run claims the tickets whose
next check time the clock has reached with `SELECT ... FOR UPDATE SKIP LOCKED`, in batches, and
in the same transaction moves each target's stage forward, records one ticket event per stage
reached and logs the ticket change for WatchTickets (internal: customers never see SLA state).
The stage only moves forward and the claim re-reads it under the row lock, so a ticket is never
counted twice, however many replicas run at once; what one run does not reach (PostgreSQL down,
a replica stopped, a row locked by a change in flight) is still due, and found by the next run
on any replica, after any restart.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import uuid
from dataclasses import dataclass

from server.core.metrics import Metrics
from server.sla.clock import Clock
from server.sla.targets import SlaState
from server.tickets.changes import ChangeListener, log_change
from storage.db import Database
from storage.repositories.ticket_records import NewEvent

_log = logging.getLogger(__name__)

BATCH = 100


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one run recorded: tickets changed, and events by type."""

    tickets: int
    events: dict[str, int]


class BreachWatch:
    """Finds tickets that reached a warning or due time and records it, across replicas exactly once."""

    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        metrics: Metrics,
        changes: ChangeListener | None,
        interval_seconds: float,
    ) -> None:
        self._database = database
        self._clock = clock
        self._changes = changes
        self._interval = interval_seconds
        self._breaches = {
            target: metrics.sla_breaches.labels(target=target) for target in ("first_response", "resolution")
        }
        self._warnings = {
            target: metrics.sla_warnings.labels(target=target) for target in ("first_response", "resolution")
        }
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> RunResult:
        """Records every stage reached by now (in batches); returns what this run recorded."""
        tickets = 0
        events: dict[str, int] = {}
        while True:
            claimed, recorded = await self._run_batch()
            tickets += claimed
            for kind, count in recorded.items():
                events[kind] = events.get(kind, 0) + count
            if claimed < BATCH:
                return RunResult(tickets=tickets, events=events)

    async def _run_batch(self) -> tuple[int, dict[str, int]]:
        now = self._clock()
        recorded: dict[str, int] = {}
        async with self._database.unit_of_work() as uow:
            rows = await uow.ticket_sla.claim_due(now=now, limit=BATCH)
            recomputed: list[uuid.UUID] = []
            for row in rows:
                before = await uow.tickets.get(ticket_id=row.ticket_id)
                state, kinds = SlaState.of(row).reached(now)
                await uow.ticket_sla.set(ticket_id=row.ticket_id, values=state.columns())
                if not kinds:
                    # A check time already behind it (the clock moved back): recomputed only, no
                    # change logged, but its held rows go all the same (nothing written goes unheard).
                    recomputed.append(row.ticket_id)
                    continue
                await uow.tickets.add_events(
                    events=[NewEvent(ticket_id=row.ticket_id, type=kind, actor_id=None) for kind in kinds]
                )
                after = await uow.tickets.get(ticket_id=row.ticket_id)
                await log_change(uow, listener=self._changes, kind="updated", before=before, after=after, internal=True)
                for kind in kinds:
                    recorded[kind] = recorded.get(kind, 0) + 1
            if recomputed and self._changes is not None:
                uow.after_commit(functools.partial(self._changes.tickets_changed, recomputed))
            uow.after_commit(lambda: self._count(recorded))
        return len(rows), recorded

    async def _count(self, recorded: dict[str, int]) -> None:
        for kind, count in recorded.items():
            target = "first_response" if kind.startswith("first_response") else "resolution"
            counter = self._breaches[target] if kind.endswith("breached") else self._warnings[target]
            counter.inc(count)
            _log.info("SLA: %d ticket(s) %s", count, kind.replace("_", " "))

    def start(self) -> None:
        """Starts running the job every interval (jittered, so that replicas spread out)."""
        self._task = asyncio.create_task(self._loop(), name="sla-breach-watch")

    async def stop(self) -> None:
        """Stops the job (a run in progress is cancelled and rolled back; the next run redoes it)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not a secret
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - PostgreSQL may be down; the next run catches up
                _log.warning("SLA breach job: a run failed; the next one catches up", exc_info=True)
