"""A policy's targets and schedule, and a ticket's SLA state: due times from a clock start, and what the job checks.

Pure: no database, no clock. The stored form of business hours is `storage.models.sla`'s JSON
document; `schedule_of` turns it into a `Schedule` (cached, since every ticket create reads one).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.sla.business_hours import Schedule, WorkingInterval, add_working_time
from storage.models import SlaPolicy
from storage.models.sla import BREACHED, NO_DUE_TIME, PENDING, WARNED
from storage.models.tickets import EventType
from storage.repositories.ticket_sla import TicketSlaRow


@dataclass(frozen=True, slots=True)
class Targets:
    """What a policy asks of a ticket: working-time targets, a warning window, when the clock runs."""

    policy_id: uuid.UUID
    first_response: timedelta
    resolution: timedelta
    warning: timedelta
    schedule: Schedule | None


@functools.lru_cache(maxsize=256)
def _schedule(document: str) -> Schedule:
    hours = json.loads(document)
    return Schedule(
        zone=ZoneInfo(hours["time_zone"]),
        intervals=tuple(WorkingInterval(day, start, end) for day, start, end in hours["intervals"]),
        holidays=frozenset(date.fromisoformat(day) for day in hours.get("holidays", ())),
    )


def schedule_of(business_hours: dict[str, Any] | None) -> Schedule | None:
    """The schedule of a stored business-hours document; None for around the clock."""
    if business_hours is None:
        return None
    return _schedule(json.dumps(business_hours, sort_keys=True))


def targets_of(policy: SlaPolicy) -> Targets:
    """The targets of a stored policy."""
    return Targets(
        policy_id=policy.id,
        first_response=timedelta(seconds=policy.first_response_seconds),
        resolution=timedelta(seconds=policy.resolution_seconds),
        warning=timedelta(seconds=policy.warning_seconds),
        schedule=schedule_of(policy.business_hours),
    )


@dataclass(frozen=True, slots=True)
class SlaState:
    """A ticket's SLA columns (see storage.models.sla), minus the two derived ones `columns()` adds."""

    sla_policy_id: uuid.UUID | None = None
    sla_clock_start: datetime | None = None
    sla_paused_since: datetime | None = None
    first_response_time: datetime | None = None
    first_response_due_time: datetime | None = None
    first_response_warn_time: datetime | None = None
    first_response_sla: int = PENDING
    resolution_due_time: datetime | None = None
    resolution_warn_time: datetime | None = None
    resolution_sla: int = PENDING

    @classmethod
    def of(cls, row: TicketSlaRow) -> SlaState:
        """The state stored in `row`."""
        return cls(**{name: getattr(row, name) for name in _STATE_FIELDS})

    def replace(self, **changes: Any) -> SlaState:
        """A copy with `changes`."""
        return dataclasses.replace(self, **changes)

    @property
    def tracked(self) -> bool:
        """Whether there is anything to keep up to date (a policy, or due times from one)."""
        return self.sla_policy_id is not None or self.resolution_due_time is not None

    def _pending(self) -> list[tuple[datetime, datetime | None, int]]:
        # (due, warn, stage) of each target still to be met.
        pending = []
        if self.first_response_time is None and self.first_response_due_time is not None:
            pending.append((self.first_response_due_time, self.first_response_warn_time, self.first_response_sla))
        if self.resolution_due_time is not None:
            pending.append((self.resolution_due_time, self.resolution_warn_time, self.resolution_sla))
        return pending

    def columns(self) -> dict[str, Any]:
        """Every SLA column, the derived `sla_next_check_time` and `sla_due_time` included."""
        values = {name: getattr(self, name) for name in _STATE_FIELDS}
        if self.sla_paused_since is not None:
            return values | {"sla_next_check_time": None, "sla_due_time": NO_DUE_TIME}
        checks: list[datetime] = []
        dues: list[datetime] = []
        for due, warn, stage in self._pending():
            dues.append(due)
            if stage < BREACHED:
                checks.append(due)
            if stage < WARNED and warn is not None:
                checks.append(warn)
        return values | {
            "sla_next_check_time": min(checks, default=None),
            "sla_due_time": min(dues, default=NO_DUE_TIME),
        }

    def retarget(self, targets: Targets, *, clock_start: datetime) -> SlaState:
        """Due and warning times of `targets` counted from `clock_start` (an answered first response keeps its own)."""

        def warn_time(target: timedelta) -> datetime | None:
            if not targets.warning:
                return None
            return add_working_time(clock_start, target - targets.warning, targets.schedule)

        state = self.replace(
            sla_policy_id=targets.policy_id,
            sla_clock_start=clock_start,
            resolution_due_time=add_working_time(clock_start, targets.resolution, targets.schedule),
            resolution_warn_time=warn_time(targets.resolution),
        )
        if self.first_response_time is None:
            state = state.replace(
                first_response_due_time=add_working_time(clock_start, targets.first_response, targets.schedule),
                first_response_warn_time=warn_time(targets.first_response),
            )
        return state

    def untargeted(self) -> SlaState:
        """No policy applies any more: pending due times go (stages, a breach included, stay on record)."""
        first_response_due = self.first_response_due_time if self.first_response_time is not None else None
        return self.replace(
            sla_policy_id=None,
            first_response_due_time=first_response_due,
            first_response_warn_time=None,
            resolution_due_time=None,
            resolution_warn_time=None,
        )

    def shifted(self, by: timedelta) -> SlaState:
        """Pending due and warning times moved later by `by` (resuming without a policy)."""

        def later(value: datetime | None) -> datetime | None:
            return None if value is None else value + by

        state = self.replace(
            resolution_due_time=later(self.resolution_due_time), resolution_warn_time=later(self.resolution_warn_time)
        )
        if self.first_response_time is None:
            state = state.replace(
                first_response_due_time=later(self.first_response_due_time),
                first_response_warn_time=later(self.first_response_warn_time),
            )
        return state

    def reached(self, now: datetime) -> tuple[SlaState, list[EventType]]:
        """The stages reached by `now` and the event types they record (a breach makes its warning moot)."""
        state, events = self, list[EventType]()
        if self.first_response_time is None and self.first_response_due_time is not None:
            stage = _stage(self.first_response_due_time, self.first_response_warn_time, self.first_response_sla, now)
            if stage > self.first_response_sla:
                state = state.replace(first_response_sla=stage)
                events.append("first_response_sla_breached" if stage == BREACHED else "first_response_sla_warning")
        if self.resolution_due_time is not None:
            stage = _stage(self.resolution_due_time, self.resolution_warn_time, self.resolution_sla, now)
            if stage > self.resolution_sla:
                state = state.replace(resolution_sla=stage)
                events.append("resolution_sla_breached" if stage == BREACHED else "resolution_sla_warning")
        return state, events


def _stage(due: datetime, warn: datetime | None, stage: int, now: datetime) -> int:
    if due <= now:
        return BREACHED
    if warn is not None and warn <= now:
        return max(stage, WARNED)
    return stage


_STATE_FIELDS = tuple(field.name for field in dataclasses.fields(SlaState))
