"""Which rollup rows answer each bucket: whole local days of a kept UTC offset, or hours.

A local day of a zone is 24 hours at one UTC offset, except on the days its clocks change. Such a
day is one row of the day rollups of that offset (`report_ticket_days`), if the rollup keeps the
offset's days; any other stretch (a day of 23 or 25 hours, a day of an offset not kept yet, an
hour bucket) is read from the hourly rows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from server.reports.buckets import Bucket, boundaries

DAY = timedelta(days=1)


@dataclass(slots=True)
class Pieces:
    """The rows of a range: days (UTC offset in minutes, local date) per bucket index, and hourly stretches."""

    days: dict[tuple[int, date], int] = field(default_factory=dict)
    # Maximal UTC stretches read from the hourly rows, in time order.
    hours: list[tuple[datetime, datetime]] = field(default_factory=list)
    # Every offset a whole day of the range was at, kept or not: those the rollup should keep.
    offsets: set[int] = field(default_factory=set)
    # The buckets (indexes) with hours among their pieces.
    hour_buckets: set[int] = field(default_factory=set)

    def add_hours(self, start: datetime, end: datetime) -> None:
        """Reads [start, end) from the hours (joined to the previous stretch when they touch)."""
        if self.hours and self.hours[-1][1] == start:
            self.hours[-1] = (self.hours[-1][0], end)
        else:
            self.hours.append((start, end))


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
        found.add_hours(bounds[0], bounds[-1])
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
