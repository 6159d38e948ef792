"""Report rollups: ticket figures per UTC hour and per agent, category and priority, kept by the rollup job.

The job (`server.reports.rollup`) follows the ticket change log (`ticket_changes`) in position
order and folds each change into these tables; `report_cursors` says how far it went, and is
updated in the same transaction as the rollup rows, so every change is counted exactly once
whichever replica folds it and whenever a fold is cut short.

- `report_ticket_hours`: counts per hour and group, at five levels (`level`): per agent, category
  and priority (0), and summed over all of them (1), per agent alone (2), per category alone (3),
  per priority alone (4), the columns a level sums over left at the nil UUID, '' or 0. A report
  reads the coarsest level that answers it: a 90-day report of the whole desk sums ~2,000 rows
  instead of every group's. `backlog_delta` is the change of the number
  of unresolved tickets of the group during the hour (the backlog at any time is the current
  backlog minus the deltas after it).
- `report_ticket_quarters` and `report_ticket_quarter_durations`: the same counts and histograms per
  UTC quarter-hour, for the zones whose offset is not a whole number of hours: a bucket of +5:30
  starts at half past a UTC hour, and the two halves of that hour come from these rows. Reports
  in whole-hour zones never read them.
- `report_ticket_durations`: first response and resolution times as a histogram per hour and
  group (`measure` 1 first response, 2 resolution; `bin` from `server.reports.histogram`), which
  sums over any set of hours.
- `report_ticket_backlog`: unresolved tickets per group now.
- `report_ticket_facts`: what the job remembers of each ticket: when it was created and whether
  it had its first reply from the staff.
- `report_ticket_days` and `report_ticket_day_durations`: the same counts and histograms per local
  day of a UTC offset (`utc_offset` minutes east of UTC: the day of offset -180 runs from 03:00
  UTC to 03:00 UTC), at the four summed levels, for each offset listed in `report_day_offsets`
  once it is `ready`. A 90-day report by day in São Paulo reads 90 rows per series instead of
  2,160 hours of rows per bin. A histogram is one row: `counts[1]` is bin `lo`, the next element
  the next bin. Reports ask for the offsets they need; the job fills an offset's days from the
  hourly rows once, under its cursor, then keeps them with every fold. Each day's histogram row
  also holds its count and percentile bins, and `report_ticket_day_running` the running sum of
  the histograms up to each day, so that a run of days (a week, a whole range) is two rows.

A ticket without an assignee is counted under the nil UUID (primary keys cannot hold NULL).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, SmallInteger, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.models.tickets import Ticket

NO_AGENT = uuid.UUID(int=0)


# The column blocks the rollup tables share. A mixin's columns would follow the table's own; `sort_order`
# keeps each key in the order the migrations created it (level and time first, then the group).


class _Group:
    """The group a row counts: an agent (nil UUID: unassigned), a category, a priority; part of the key."""

    agent_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, sort_order=-1)
    category: Mapped[str] = mapped_column(Text, primary_key=True, sort_order=-1)
    priority: Mapped[int] = mapped_column(SmallInteger, primary_key=True, sort_order=-1)


class _Counters:
    """The ticket counters of a row (`server.reports.fold`)."""

    created: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    resolved: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    reopened: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    backlog_delta: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    sla_met: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    sla_breached: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class _HourKey:
    """A row of an hour: the rollup level and the UTC hour, first in the key."""

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, sort_order=-3)
    hour: Mapped[datetime] = mapped_column(primary_key=True, sort_order=-2)


class _QuarterKey:
    """A row of a quarter-hour: the rollup level and the UTC quarter-hour's start, first in the key."""

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, sort_order=-3)
    quarter: Mapped[datetime] = mapped_column(primary_key=True, sort_order=-2)


class _Bin:
    """A histogram bin's count of one measure (`measure` 1 first response, 2 resolution), keyed by measure and bin."""

    measure: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    bin: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class _DayKey:
    """A row of a local day: the rollup level, the UTC offset and the day, first in the key."""

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, sort_order=-4)
    utc_offset: Mapped[int] = mapped_column(SmallInteger, primary_key=True, sort_order=-3)
    day: Mapped[date] = mapped_column(primary_key=True, sort_order=-2)


class ReportCursor(Base):
    """How far a rollup has folded its log (the last position counted)."""

    __tablename__ = "report_cursors"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    # When the last fold committed, and the commit time of the last change it counted.
    update_time: Mapped[datetime | None]
    data_time: Mapped[datetime | None]
    # From when the quarter-hour rows hold every change (NULL: from the log's start). An install
    # upgraded from hourly rows alone keeps quarter-hours from its first fold after the upgrade on.
    quarters_since: Mapped[datetime | None]


class ReportTicketHour(_HourKey, _Group, _Counters, Base):
    """Ticket counts of one UTC hour for one agent, category and priority."""

    __tablename__ = "report_ticket_hours"
    # Reports narrowed to one agent, below the agent level (an agent's own figures by category).
    __table_args__ = (Index("ix_report_ticket_hours_agent_id_hour", "agent_id", "hour"),)


class ReportTicketDuration(_HourKey, _Group, _Bin, Base):
    """How many durations of one measure fell in one histogram bin, in one UTC hour and group."""

    __tablename__ = "report_ticket_durations"
    __table_args__ = (Index("ix_report_ticket_durations_agent_id_hour", "agent_id", "hour"),)


class ReportTicketQuarter(_QuarterKey, _Group, _Counters, Base):
    """Ticket counts of one UTC quarter-hour for one group, at every level: the hour's split.

    Read only where a bucket or a local day starts inside a UTC hour (offsets of +5:30, +5:45...).
    """

    __tablename__ = "report_ticket_quarters"


class ReportTicketQuarterDuration(_QuarterKey, _Group, _Bin, Base):
    """How many durations of one measure fell in one histogram bin, in one UTC quarter-hour and group."""

    __tablename__ = "report_ticket_quarter_durations"


class ReportTicketBacklog(_Group, Base):
    """Unresolved tickets of one group now."""

    __tablename__ = "report_ticket_backlog"

    open_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class ReportTicketFact(Base):
    """What the rollup remembers of one ticket (no foreign key: the figures outlive a deleted ticket)."""

    __tablename__ = "report_ticket_facts"

    ticket_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    create_time: Mapped[datetime]
    first_response_time: Mapped[datetime | None]


class ReportDayOffset(Base):
    """A UTC offset (minutes east) whose local days the rollup keeps; `ready` once filled from the hours."""

    __tablename__ = "report_day_offsets"

    utc_offset: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    ready: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    request_time: Mapped[datetime]


class ReportTicketDay(_DayKey, _Group, _Counters, Base):
    """Ticket counts of one local day of one UTC offset for one group (at a summed level)."""

    __tablename__ = "report_ticket_days"


class ReportTicketDayDuration(_DayKey, _Group, Base):
    """The histogram of one measure in one local day of one UTC offset and group: counts from bin `lo` on."""

    __tablename__ = "report_ticket_day_durations"

    measure: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    lo: Mapped[int] = mapped_column(SmallInteger)
    counts: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    # Kept from `counts` by a trigger (`report_rank_day`): the count and the bins of the median and p90.
    hits: Mapped[int] = mapped_column(Integer)
    median_bin: Mapped[int] = mapped_column(SmallInteger)
    p90_bin: Mapped[int] = mapped_column(SmallInteger)


class ReportTicketDayRunning(_Group, Base):
    """The histogram of one measure over every local day up to `day` of one UTC offset and group.

    A row exists for each day with durations; the running histogram at any day is the row of the
    latest day at or before it, and a run of days is the difference of two of them.
    """

    __tablename__ = "report_ticket_day_running"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, sort_order=-3)
    utc_offset: Mapped[int] = mapped_column(SmallInteger, primary_key=True, sort_order=-2)
    measure: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    lo: Mapped[int] = mapped_column(SmallInteger)
    counts: Mapped[list[int]] = mapped_column(ARRAY(Integer))


# The satisfaction report reads ticket ratings by resolution time straight from `tickets`.
Index("ix_tickets_resolve_time", Ticket.resolve_time, postgresql_where=text("resolve_time IS NOT NULL"))
