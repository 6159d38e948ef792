"""Folding ticket changes into hourly rollup deltas: the rules of the ticket figures, without I/O.

Each change of the ticket change log carries the ticket's status, assignee, category and
priority before and after it; the figures follow from those alone, plus what the rollup
remembers of each ticket (`TicketFact`), the author of an added message and the SLA outcome of a
resolved ticket:

- created: a `created` change (counted under the ticket's group at creation);
- resolved: a change from an open status (open, in progress, waiting on the customer) to
  resolved or closed; reopened: the way back;
- backlog: tickets in an open status; a change moves a ticket's unit of backlog from its old
  group to its new one (a reassignment, a new category or priority), or adds or removes it;
- first response: the first public message of an agent or administrator, measured from the
  ticket's creation; resolution time: creation to each resolution;
- SLA: each resolution of a ticket with an SLA policy is met, or breached if the breach job had
  recorded either target breached by then.

Every figure is counted in the UTC hour of the change's commit and under the ticket's group
after the change (before it, for a deletion), again in the UTC quarter-hour of the commit (the
hour's split, for zones whose offset is not whole hours), and again, at the summed levels, in the
local day of the commit for each UTC offset whose days the rollup keeps (`offsets`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from server.reports.histogram import bin_of
from storage.models.reports import NO_AGENT
from storage.repositories.reports import (
    COUNTERS,
    FINE,
    FIRST_RESPONSE,
    PER_AGENT,
    PER_CATEGORY,
    PER_PRIORITY,
    RESOLUTION,
    WHOLE_DESK,
    DayDurationKey,
    DayKey,
    DurationKey,
    Group,
    HourKey,
    RollupDeltas,
    SlaOutcome,
    TicketFact,
)
from storage.repositories.ticket_changes import ChangeRecord

OPEN_STATUSES = frozenset({"open", "in_progress", "waiting_on_customer"})
DONE_STATUSES = frozenset({"resolved", "closed"})
STAFF_ROLES = frozenset({"agent", "admin"})


@dataclass(slots=True)
class Fold(RollupDeltas):
    """The deltas of a batch of changes, ready to add to the rollup tables once `spread`.

    `count` and `measure` add to the change's quarter-hour and group only; `spread` then adds
    each of those sums to its hour, quarter-hour and local days at every level at once. A batch
    holds thousands of changes but few quarter-hours and groups, so a change costs one addition,
    not one per row it reaches. Quarter-hours split every kept day exactly: the UTC offsets whose
    days are kept are whole quarter-hours (`server.reports.validation`).
    """

    # The UTC offsets (minutes) whose local days are kept.
    offsets: tuple[int, ...] = ()
    # Counters and histogram bins per quarter-hour and group, not yet spread.
    by_quarter: dict[tuple[datetime, Group], dict[str, int]] = field(default_factory=dict)
    bins_by_quarter: dict[tuple[datetime, Group, int, int], int] = field(default_factory=dict)

    def count(self, moment: datetime, group: Group, counter: str, amount: int = 1) -> None:
        """Adds `amount` to one counter of the quarter-hour of `moment` and a group."""
        key = (quarter_of(moment), group)
        counters = self.by_quarter.get(key)
        if counters is None:
            counters = self.by_quarter[key] = dict.fromkeys(COUNTERS, 0)
        counters[counter] += amount
        if counter == "backlog_delta":
            self.backlog[group] = self.backlog.get(group, 0) + amount

    def measure(self, moment: datetime, group: Group, measure: int, seconds: float) -> None:
        """Adds one duration to a histogram of the quarter-hour of `moment` and a group."""
        key = (quarter_of(moment), group, measure, bin_of(seconds))
        self.bins_by_quarter[key] = self.bins_by_quarter.get(key, 0) + 1

    def spread(self) -> None:
        """Adds the sums kept per quarter-hour and group to the hours, quarter-hours and local days of every level."""
        for (quarter, group), added in self.by_quarter.items():
            levels = _levels(group)
            for rows, start in ((self.hours, hour_of(quarter)), (self.quarters, quarter)):
                for level, row_group in levels:
                    _add_counters(rows.setdefault(HourKey(level, start, *row_group), dict.fromkeys(COUNTERS, 0)), added)
            for offset, day in self._days(quarter):
                for level, row_group in levels[1:]:
                    day_key = DayKey(level, offset, day, *row_group)
                    _add_counters(self.days.setdefault(day_key, dict.fromkeys(COUNTERS, 0)), added)
        for (quarter, group, measure, index), hits in self.bins_by_quarter.items():
            levels = _levels(group)
            for bins, start in ((self.durations, hour_of(quarter)), (self.quarter_durations, quarter)):
                for level, row_group in levels:
                    key = DurationKey(level, start, *row_group, measure, index)
                    bins[key] = bins.get(key, 0) + hits
            for offset, day in self._days(quarter):
                for level, row_group in levels[1:]:
                    histogram = self.day_durations.setdefault(
                        DayDurationKey(level, offset, day, *row_group, measure), {}
                    )
                    histogram[index] = histogram.get(index, 0) + hits
        self.by_quarter.clear()
        self.bins_by_quarter.clear()

    def _days(self, moment: datetime) -> list[tuple[int, date]]:
        return [(offset, (moment + timedelta(minutes=offset)).date()) for offset in self.offsets]


def _add_counters(counters: dict[str, int], added: Mapping[str, int]) -> None:
    for name, amount in added.items():
        counters[name] += amount


def _levels(group: Group) -> tuple[tuple[int, Group], ...]:
    # FINE first: the day rollups keep the summed levels only.
    return (
        (FINE, group),
        (WHOLE_DESK, Group(NO_AGENT, "", 0)),
        (PER_AGENT, Group(group.agent_id, "", 0)),
        (PER_CATEGORY, Group(NO_AGENT, group.category, 0)),
        (PER_PRIORITY, Group(NO_AGENT, "", group.priority)),
    )


def hour_of(moment: datetime) -> datetime:
    """The UTC hour holding `moment`."""
    return moment.replace(minute=0, second=0, microsecond=0)


def quarter_of(moment: datetime) -> datetime:
    """The UTC quarter-hour holding `moment`."""
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def _group(agent_id: uuid.UUID | None, category: str | None, priority: int | None) -> Group:
    return Group(agent_id or NO_AGENT, category or "", priority or 0)


def fold_changes(
    changes: Iterable[ChangeRecord],
    *,
    facts: Mapping[uuid.UUID, TicketFact],
    staff_messages: frozenset[uuid.UUID],
    sla: Mapping[uuid.UUID, SlaOutcome],
    offsets: Iterable[int] = (),
) -> Fold:
    """The rollup deltas of `changes` (in position order).

    `facts` are the remembered facts of the changes' tickets, `staff_messages` the ids of the
    added messages written by agents or administrators, `sla` the SLA outcome of the tickets
    resolved in the batch, `offsets` the UTC offsets (minutes) whose local days are kept. The
    returned fold's `facts` are the new or changed ones.
    """
    fold = Fold(offsets=tuple(offsets))
    known = dict(facts)
    for change in changes:
        at = change.commit_time
        old = _group(change.old_assignee_id, change.old_category, change.old_priority)
        new = _group(change.new_assignee_id, change.new_category, change.new_priority)
        was_open = change.old_status in OPEN_STATUSES
        is_open = change.new_status in OPEN_STATUSES
        if change.kind == "created":
            fold.count(at, new, "created")
            born = TicketFact(change.ticket_id, change.commit_time, None)
            known[change.ticket_id] = born
            fold.facts[change.ticket_id] = born
        if was_open and (not is_open or old != new):
            fold.count(at, old, "backlog_delta", -1)
        if is_open and (not was_open or old != new):
            fold.count(at, new, "backlog_delta", 1)
        if change.kind == "deleted":
            continue
        fact = known.get(change.ticket_id)
        if was_open and change.new_status in DONE_STATUSES:
            fold.count(at, new, "resolved")
            if fact is not None:
                fold.measure(at, new, RESOLUTION, (change.commit_time - fact.create_time).total_seconds())
            outcome = sla.get(change.ticket_id)
            if outcome is not None and outcome.under_sla:
                fold.count(at, new, "sla_breached" if outcome.breached else "sla_met")
        elif change.old_status in DONE_STATUSES and is_open:
            fold.count(at, new, "reopened")
        if (
            change.kind == "message_added"
            and not change.internal
            and change.message_id in staff_messages
            and fact is not None
            and fact.first_response_time is None
        ):
            fold.measure(at, new, FIRST_RESPONSE, (change.commit_time - fact.create_time).total_seconds())
            answered = fact._replace(first_response_time=change.commit_time)
            known[change.ticket_id] = answered
            fold.facts[change.ticket_id] = answered
    fold.spread()
    return fold
