"""Cutting a time range into hour, day or week buckets of an IANA time zone, on whole UTC hours.

The rollups are kept per UTC hour, so a bucket must start and end on a whole UTC hour: true of
every local hour, day and week of a zone whose offsets (standard and daylight-saving time) are
whole hours, which is what nearly every zone uses. Zones with half- or quarter-hour offsets
(India, Nepal, parts of Australia, Newfoundland) are refused rather than answered with buckets
shifted by up to 45 minutes.

Local days follow the zone's calendar: a day with a daylight-saving change is 23 or 25 hours
long. A local midnight the clocks skip (a change at 00:00) starts the day when the clocks jump.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo

HOUR = timedelta(hours=1)
# The most points one report may hold, per bucket length.
MAX_BUCKETS = {1: 744, 2: 400, 3: 160}


class Bucket(IntEnum):
    """`helpdesk.v1.ReportBucket`."""

    HOUR = 1
    DAY = 2
    WEEK = 3


class NotWholeHours(ValueError):
    """A bucket boundary of the zone is not on a whole UTC hour."""


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


def boundaries(*, start: datetime, end: datetime, zone: ZoneInfo, bucket: Bucket, limit: int) -> list[datetime]:
    """The bucket boundaries (UTC) covering [start, end): the first at or before `start`, the last at or after `end`.

    Raises NotWholeHours for a zone whose buckets do not fall on whole UTC hours, and
    OverflowError for more than `limit` buckets.
    """
    if bucket is Bucket.HOUR:
        first = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        points = [first]
        while points[-1] < end:
            points.append(points[-1] + HOUR)
            if len(points) > limit + 1:
                raise OverflowError(limit)
        _check_whole_hours(points, zone)
        return points
    step = timedelta(days=7 if bucket is Bucket.WEEK else 1)
    day = _first_day(start, zone, bucket)
    points = [_local_midnight(day, zone)]
    while points[-1] < end:
        day += step
        points.append(_local_midnight(day, zone))
        if len(points) > limit + 1:
            raise OverflowError(limit)
    _check_whole_hours(points, zone)
    return points


def _check_whole_hours(points: list[datetime], zone: ZoneInfo) -> None:
    for point in points:
        offset = point.astimezone(zone).utcoffset()
        if point.minute or point.second or point.microsecond or (offset is not None and offset % HOUR):
            raise NotWholeHours(zone.key)
