"""Checks of a report query: every bad field reported at once, named by its request path (`query.time_zone`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from server.core.validation import FieldChecks, check_category, reject_nul
from server.reports.buckets import MAX_BUCKETS, Bucket, NotQuarterHours, boundaries

# `helpdesk.v1.ReportDimension` -> the rollup column a breakdown groups by.
DIMENSIONS = {0: "", 1: "agent", 2: "category", 3: "priority"}
BUCKET_NAMES = {Bucket.HOUR: "hour", Bucket.DAY: "day", Bucket.WEEK: "week"}


@dataclass(frozen=True, slots=True)
class QueryInput:
    """A report query as sent: unset timestamps are None, enums as numbers (0 unset)."""

    start_time: datetime | None
    end_time: datetime | None
    time_zone: str
    bucket: int
    group_by: int = 0
    agent_id: str = ""
    category: str | None = None
    priority: int = 0


@dataclass(frozen=True, slots=True)
class ReportRange:
    """A checked query: the bucket boundaries (UTC, n+1 of them for n buckets) and the filters."""

    boundaries: tuple[datetime, ...]
    zone: ZoneInfo
    bucket: Bucket
    group_by: str
    agent_id: uuid.UUID | None
    category: str | None
    priority: int | None


def _zone(name: str, *, checks: FieldChecks) -> ZoneInfo | None:
    field = "query.time_zone"
    if not name:
        checks.add(field, "is required: an IANA time zone such as America/Sao_Paulo")
        return None
    if "\x00" in name or len(name) > 64:
        checks.add(field, "is not an IANA time zone")
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        checks.add(field, f"is not an IANA time zone: {name!r}")
        return None


def check_query(query: QueryInput) -> ReportRange:
    """The query's buckets and filters, or InvalidArgument naming every bad field."""
    checks = FieldChecks()
    zone = _zone(query.time_zone, checks=checks)
    if query.start_time is None:
        checks.add("query.start_time", "is required")
    if query.end_time is None:
        checks.add("query.end_time", "is required")
    elif query.start_time is not None and query.end_time <= query.start_time:
        checks.add("query.end_time", "must be after start_time")
    bucket = Bucket(query.bucket) if query.bucket in {member.value for member in Bucket} else None
    if bucket is None:
        checks.add("query.bucket", "is required: hour, day or week")
    group_by = DIMENSIONS.get(query.group_by)
    if group_by is None:
        checks.add("query.group_by", "is not a known breakdown")
    agent_id: uuid.UUID | None = None
    if query.agent_id:
        try:
            agent_id = uuid.UUID(query.agent_id)
        except ValueError:
            checks.add("query.agent_id", "is not a user id")
    category = None
    if query.category is not None:
        checks.run(lambda: reject_nul(query.category or "", field="query.category"))
        category = checks.run(lambda: check_category(query.category or "", field="query.category"))
    if not 0 <= query.priority <= 4:
        checks.add("query.priority", "is not a ticket priority")
    checks.raise_if_any()
    assert zone is not None
    assert bucket is not None
    assert group_by is not None
    assert query.start_time is not None
    assert query.end_time is not None
    limit = MAX_BUCKETS[bucket]
    points: list[datetime] = []
    try:
        points = boundaries(start=query.start_time, end=query.end_time, zone=zone, bucket=bucket, limit=limit)
    except NotQuarterHours:
        checks.add(
            "query.time_zone",
            f"{zone.key} has an offset that is not a whole number of quarter-hours in this range: not supported",
        )
    except OverflowError:
        checks.add("query.end_time", f"the range holds more than {limit} {BUCKET_NAMES[bucket]} buckets")
    checks.raise_if_any()
    return ReportRange(
        boundaries=tuple(points),
        zone=zone,
        bucket=bucket,
        group_by=group_by,
        agent_id=agent_id,
        category=category,
        priority=query.priority or None,
    )
