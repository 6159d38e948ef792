"""Cutting a time range into hour, day or week buckets of an IANA time zone, on whole UTC quarter-hours.

The rollups are kept per UTC hour and, finer, per UTC quarter-hour, so a bucket must start and
end on a whole UTC quarter-hour: true of every local hour, day and week of every zone in use
today, whose offsets are whole hours or, in India, Iran, Newfoundland, parts of Australia (+9:30,
+10:30), Nepal (+5:45) and the Chatham Islands (+12:45), whole half- or quarter-hours. Only the
local mean times of the 19th century and the like fall between, and are refused rather than
answered with shifted buckets.

Hour buckets are the local clock's hours: they start where the local time reads hh:00, so in
+5:30 at half past each UTC hour. A daylight-saving change starts a bucket of its own: Lord Howe
Island's clocks move by half an hour, so the local hour they jump into or repeat is a half-hour
bucket. Local days follow the zone's calendar: a day with a daylight-saving change is 23 or 25
hours long (23.5 or 24.5 on Lord Howe). A local midnight the clocks skip (a change at 00:00)
starts the day when the clocks jump.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo

HOUR = timedelta(hours=1)
QUARTER = timedelta(minutes=15)
SECOND = timedelta(seconds=1)
# The most points one report may hold, per bucket length.
MAX_BUCKETS = {1: 744, 2: 400, 3: 160}


class Bucket(IntEnum):
    """`helpdesk.v1.ReportBucket`."""

    HOUR = 1
    DAY = 2
    WEEK = 3


class NotQuarterHours(ValueError):
    """A bucket boundary of the zone is not on a whole UTC quarter-hour."""


def on_whole_hour(moment: datetime) -> bool:
    """Whether an instant is on a whole UTC hour (an hourly rollup row starts there)."""
    return not (moment.minute or moment.second or moment.microsecond)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    # A skipped midnight (fold=0) resolves to the offset before the jump, i.e. the instant of the jump.
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _first_day(moment: datetime, zone: ZoneInfo, bucket: Bucket) -> date:
    day = moment.astimezone(zone).date()
    if bucket is Bucket.WEEK:
        day -= timedelta(days=day.weekday())
    # The local day may start after `moment` (a skipped midnight): step back until it does not.
    while _local_midnight(day, zone) > moment:
        day -= timedelta(days=7 if bucket is Bucket.WEEK else 1)
    return day


def _offset(moment: datetime, zone: ZoneInfo) -> timedelta:
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def _change_after(start: datetime, end: datetime, zone: ZoneInfo) -> datetime:
    """The first instant of (start, end] at another UTC offset than `start` (there is one): bisected to the second."""
    before = _offset(start, zone)
    low, high = start, end
    while high - low > SECOND:
        middle = low + (high - low) / 2
        middle -= timedelta(microseconds=middle.microsecond)
        if middle <= low:
            break
        if _offset(middle, zone) == before:
            low = middle
        else:
            high = middle
    return high


def _local_hour_start(moment: datetime, zone: ZoneInfo) -> datetime:
    """The start of the local hour holding `moment`: the local hh:00, or the offset change after it."""
    offset = _offset(moment, zone)
    local = moment + offset
    start = moment - timedelta(minutes=local.minute, seconds=local.second, microseconds=local.microsecond)
    if _offset(start, zone) != offset:
        start = _change_after(start, moment, zone)
    return start


def _local_hours(start: datetime, end: datetime, zone: ZoneInfo, limit: int) -> list[datetime]:
    """The starts of the local hours from the one holding `start` to the first at or after `end`."""
    point = _local_hour_start(start, zone)
    offset = _offset(point, zone)
    points = [point]
    while point < end:
        local = point + offset
        following = point + (HOUR - timedelta(minutes=local.minute, seconds=local.second) if local.minute else HOUR)
        following_offset = _offset(following, zone)
        if following_offset != offset:
            # The clocks change within the hour or as it ends: the change starts the next bucket.
            following = _change_after(point, following, zone)
            following_offset = _offset(following, zone)
        point, offset = following, following_offset
        points.append(point)
        if len(points) > limit + 1:
            raise OverflowError(limit)
    return points


def boundaries(*, start: datetime, end: datetime, zone: ZoneInfo, bucket: Bucket, limit: int) -> list[datetime]:
    """The bucket boundaries (UTC) covering [start, end): the first at or before `start`, the last at or after `end`.

    Raises NotQuarterHours for a zone whose buckets do not fall on whole UTC quarter-hours, and
    OverflowError for more than `limit` buckets.
    """
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if bucket is Bucket.HOUR:
        points = _local_hours(start, end, zone, limit)
        _check_quarter_hours(points, zone)
        return points
    step = timedelta(days=7 if bucket is Bucket.WEEK else 1)
    day = _first_day(start, zone, bucket)
    points = [_local_midnight(day, zone)]
    while points[-1] < end:
        day += step
        points.append(_local_midnight(day, zone))
        if len(points) > limit + 1:
            raise OverflowError(limit)
    _check_quarter_hours(points, zone)
    return points


def _check_quarter_hours(points: list[datetime], zone: ZoneInfo) -> None:
    for point in points:
        if point.minute % 15 or point.second or point.microsecond:
            raise NotQuarterHours(zone.key)
