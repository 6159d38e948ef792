"""Working-time arithmetic: adding a target to a start instant, and measuring working time between two instants.

Pure and transport-free. A `Schedule` is a weekly set of local working intervals in an IANA time
zone, minus holidays (local dates); `None` stands for "around the clock". Every instant handled
here is an aware UTC datetime; local wall-clock times exist only inside the schedule.

The schedule is turned into a sequence of UTC windows, one per working interval of each working
date, in order and never overlapping, so the two operations agree exactly:

    working_time_between(start, add_working_time(start, d)) == d
    add_working_time(add_working_time(t, a), b) == add_working_time(t, a + b)

`add_working_time(start, d)` is the earliest instant at which `d` of working time has elapsed
since `start` (for `d > 0` it always falls inside a window or at its end).

Daylight-saving changes: local times are mapped to instants monotonically, so the windows of a
day stay in order. A boundary that falls in a spring-forward gap (02:30 on a day that skips from
02:00 to 03:00) starts at the moment the clocks jump; a boundary that falls in a repeated
fall-back hour is its first occurrence. A day from 00:00 to 24:00 therefore lasts 23 or 25 hours
on those days, as the people working it would count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
# How far ahead a deadline is searched for: policies are checked on save to reach their targets
# well within it, so only a schedule too sparse for its target ever gets there.
SEARCH_DAYS = 10 * 366
_ZERO = timedelta(0)


@dataclass(frozen=True, slots=True, order=True)
class WorkingInterval:
    """Working time on one weekday: `day` 0 (Monday) to 6 (Sunday), minutes since local midnight [start, end)."""

    day: int
    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.day <= 6 or not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise ValueError(f"not a working interval: {self}")


@dataclass(frozen=True, slots=True)
class Schedule:
    """Business hours: weekly working intervals in `zone`, none on the `holidays` (local dates)."""

    zone: ZoneInfo
    intervals: tuple[WorkingInterval, ...]
    holidays: frozenset[date] = frozenset()
    # The intervals of each weekday, sorted: built once.
    _by_day: tuple[tuple[WorkingInterval, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.intervals:
            raise ValueError("a schedule needs at least one working interval")
        by_day: list[list[WorkingInterval]] = [[] for _ in range(7)]
        for interval in sorted(self.intervals):
            day = by_day[interval.day]
            if day and day[-1].end > interval.start:
                raise ValueError(f"working intervals overlap on day {interval.day}")
            day.append(interval)
        object.__setattr__(self, "_by_day", tuple(tuple(day) for day in by_day))

    def windows(self, *, since: datetime, until: datetime | None = None) -> Iterator[tuple[datetime, datetime]]:
        """The working windows (UTC, in order, never overlapping) that end after `since` (and open before `until`).

        Without `until`, ValueError once the search horizon passes without another window.
        """
        first = since.astimezone(self.zone).date() - timedelta(days=1)
        if until is None:
            days = SEARCH_DAYS + len(self.holidays)
        else:
            days = (until.astimezone(self.zone).date() - first).days + 2
        for offset in range(days):
            day = first + timedelta(days=offset)
            if day in self.holidays:
                continue
            for interval in self._by_day[day.weekday()]:
                opens = _instant(day, interval.start, self.zone)
                closes = _instant(day, interval.end, self.zone)
                if closes > opens and closes > since:
                    yield opens, closes
        if until is None:
            raise ValueError("the schedule has no working time within the search horizon")


def _instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of local wall-clock time `minutes` after midnight of `day` (monotone in both)."""
    # Aware arithmetic on one tzinfo is wall-clock arithmetic: 24:00 is the next day's 00:00.
    local = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(minutes=minutes)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant  # exists (for a repeated time: its first occurrence, fold=0)
    # In a spring-forward gap: the first instant whose local time is at or past it, i.e. the
    # moment the clocks jump. It lies between the two readings of the gap time.
    low = local.replace(fold=1).astimezone(UTC)
    high = instant
    wanted = local.replace(tzinfo=None)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= wanted:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0) if high.microsecond else high


def add_working_time(start: datetime, duration: timedelta, schedule: Schedule | None) -> datetime:
    """The earliest instant at which `duration` of working time has elapsed since `start` (UTC)."""
    if duration < _ZERO:
        raise ValueError("a duration to add cannot be negative")
    start = start.astimezone(UTC)
    if schedule is None or duration == _ZERO:
        return start + duration
    remaining = duration
    for opens, closes in schedule.windows(since=start):
        begin = max(opens, start)
        available = closes - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise AssertionError("unreachable: windows() raises when it runs out")


def working_time_between(start: datetime, end: datetime, schedule: Schedule | None) -> timedelta:
    """Working time elapsed from `start` to `end` (zero if `end` is not after `start`)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return _ZERO
    if schedule is None:
        return end - start
    total = _ZERO
    for opens, closes in schedule.windows(since=start, until=end):
        if opens >= end:
            break
        total += min(closes, end) - max(opens, start)
    return total
