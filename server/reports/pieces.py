"""Which rollup rows answer each bucket: whole local days of a kept UTC offset, hours, or quarter-hours.

A local day of a zone is 24 hours at one UTC offset, except on the days its clocks change. Such a
day is one row of the day rollups of that offset (`report_ticket_days`), if the rollup keeps the
offset's days; any other stretch (a day of 23 or 25 hours, a day of an offset not kept yet, an
hour bucket) is read from the hourly rows, except where a bucket or a day starts or ends inside a
UTC hour (zones at +5:30, +5:45, -3:30...): the part of such an hour on each side is read from
the quarter-hour rows. In a zone of whole-hour offsets every stretch is whole hours, and a report
reads exactly the rows it read before quarter-hours were kept.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from server.reports.buckets import HOUR, Bucket, boundaries, on_whole_hour

DAY = timedelta(days=1)
Stretch = tuple[datetime, datetime]


def _floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _ceil_hour(moment: datetime) -> datetime:
    return moment if on_whole_hour(moment) else _floor_hour(moment) + HOUR


def _join(stretches: list[Stretch], start: datetime, end: datetime) -> None:
    # Appended in time order; joined to the previous stretch when they touch.
    if stretches and stretches[-1][1] == start:
        stretches[-1] = (stretches[-1][0], end)
    else:
        stretches.append((start, end))


@dataclass(slots=True)
class Pieces:
    """The rows of a range: days (UTC offset in minutes, local date) per bucket index, hours and quarter-hours."""

    days: dict[tuple[int, date], int] = field(default_factory=dict)
    # Maximal UTC stretches read from the hourly rows, and from the quarter-hour rows, in time order.
    hours: list[Stretch] = field(default_factory=list)
    quarters: list[Stretch] = field(default_factory=list)
    # Every offset a whole day of the range was at, kept or not: those the rollup should keep.
    offsets: set[int] = field(default_factory=set)
    # The buckets (indexes) with hours or quarter-hours among their pieces.
    hour_buckets: set[int] = field(default_factory=set)

    def add_hours(self, start: datetime, end: datetime, cuts: Iterable[datetime] = ()) -> None:
        """Reads [start, end) from the hourly rows where whole UTC hours, else from the quarter-hour rows.

        `cuts` are the bucket boundaries within it: no hourly row may straddle one either.
        """
        edges = [start, *cuts, end]
        for first, last in pairwise(edges):
            inner_start, inner_end = _ceil_hour(first), _floor_hour(last)
            if inner_start >= inner_end:
                _join(self.quarters, first, last)
                continue
            if first < inner_start:
                _join(self.quarters, first, inner_start)
            _join(self.hours, inner_start, inner_end)
            if inner_end < last:
                _join(self.quarters, inner_end, last)

    def with_after(self, end: datetime, forever: datetime) -> Pieces:
        """These pieces and [end, forever) (the changes after the range: the backlog since)."""
        found = Pieces(days=self.days, hours=list(self.hours), quarters=list(self.quarters))
        found.add_hours(end, forever)
        return found


def _offset_minutes(moment: datetime, zone: ZoneInfo) -> int:
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds()) // 60


def pieces(
    bounds: Sequence[datetime], *, zone: ZoneInfo, bucket: Bucket, kept: Collection[int], use_days: bool
) -> Pieces:
    """How to read the buckets between `bounds` (UTC): from the days of the `kept` offsets where whole, else hours.

    Without `use_days` (the report reads a level the day rollups do not keep) everything is hours.
    """
    found = Pieces()
    if bucket is Bucket.HOUR or not use_days:
        found.add_hours(bounds[0], bounds[-1], cuts=[bound for bound in bounds[1:-1] if not on_whole_hour(bound)])
        found.hour_buckets.update(range(len(bounds) - 1))
        return found
    for index in range(len(bounds) - 1):
        start, end = bounds[index], bounds[index + 1]
        days = (
            [start, end]
            if bucket is Bucket.DAY
            else boundaries(start=start, end=end, zone=zone, bucket=Bucket.DAY, limit=8)
        )
        for first, last in pairwise(days):
            offset = _offset_minutes(first, zone)
            local = first + timedelta(minutes=offset)
            # The day row of (offset, local date) holds exactly [first, first + 24 h).
            whole = last - first == DAY and local.hour == local.minute == 0
            if whole:
                found.offsets.add(offset)
            if whole and offset in kept:
                found.days[(offset, local.date())] = index
            else:
                found.add_hours(first, last)
                found.hour_buckets.add(index)
    return found
