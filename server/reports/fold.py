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
from dataclasses import dataclass
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
    """The deltas of a batch of changes, ready to add to the rollup tables."""

    # The UTC offsets (minutes) whose local days are kept.
    offsets: tuple[int, ...] = ()

    def count(self, moment: datetime, group: Group, counter: str, amount: int = 1) -> None:
        """Adds `amount` to one counter of the hour, quarter-hour (and local days) of `moment` and a group."""
        levels = _levels(group)
        for rows, start in ((self.hours, hour_of(moment)), (self.quarters, quarter_of(moment))):
            for level, row_group in levels:
                counters = rows.setdefault(HourKey(level, start, *row_group), dict.fromkeys(COUNTERS, 0))
                counters[counter] += amount
        for offset, day in self._days(moment):
            for level, row_group in levels[1:]:
                counters = self.days.setdefault(DayKey(level, offset, day, *row_group), dict.fromkeys(COUNTERS, 0))
                counters[counter] += amount
        if counter == "backlog_delta":
            self.backlog[group] = self.backlog.get(group, 0) + amount

    def measure(self, moment: datetime, group: Group, measure: int, seconds: float) -> None:
        """Adds one duration to a histogram of the hour, quarter-hour (and local days) of `moment`."""
        index = bin_of(seconds)
        levels = _levels(group)
        for rows, start in ((self.durations, hour_of(moment)), (self.quarter_durations, quarter_of(moment))):
            for level, row_group in levels:
                key = DurationKey(level, start, *row_group, measure, index)
                rows[key] = rows.get(key, 0) + 1
        for offset, day in self._days(moment):
            for level, row_group in levels[1:]:
                bins = self.day_durations.setdefault(DayDurationKey(level, offset, day, *row_group, measure), {})
                bins[index] = bins.get(index, 0) + 1

    def _days(self, moment: datetime) -> list[tuple[int, date]]:
        return [(offset, (moment + timedelta(minutes=offset)).date()) for offset in self.offsets]


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
    return fold
