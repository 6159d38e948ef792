"""Checks of SLA policy input: every bad field reported at once, named by its request path.

A policy is checked as a whole (on create, and after an update's fields are applied), so that
rules between fields (resolution at least first response, a warning shorter than both) hold.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from server.core.validation import FieldChecks, check_category, reject_nul
from server.sla.business_hours import Schedule, WorkingInterval, add_working_time

MAX_DISPLAY_NAME = 100
MIN_TARGET = timedelta(minutes=1)
MAX_TARGET = timedelta(days=365)
MAX_WORKING_HOURS = 50
MAX_HOLIDAYS = 366
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True, slots=True)
class WorkingHoursInput:
    """One working span as sent: `day` 1 (Monday) to 7 (Sunday), 0 unset; times `HH:MM`."""

    day: int
    start_time: str
    end_time: str


@dataclass(frozen=True, slots=True)
class BusinessHoursInput:
    """Business hours as sent."""

    time_zone: str
    working_hours: Sequence[WorkingHoursInput] = ()
    holidays: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class PolicyInput:
    """A policy as sent (or as stored, for an update): unset targets are None, priority 0 is unset."""

    display_name: str = ""
    priority: int = 0
    category: str = ""
    first_response_target: timedelta | None = None
    resolution_target: timedelta | None = None
    warning_window: timedelta | None = None
    business_hours: BusinessHoursInput | None = None


def _minutes(value: str, *, path: str, checks: FieldChecks, end: bool) -> int | None:
    if end and value == "24:00":
        return 24 * 60
    match = _CLOCK.fullmatch(value)
    if match is None:
        checks.add(path, "must be a time of day HH:MM (00:00 to 23:59" + (", or 24:00)" if end else ")"))
        return None
    return int(match[1]) * 60 + int(match[2])


def _target(value: timedelta | None, *, path: str, checks: FieldChecks, required: bool) -> int | None:
    if value is None or (not required and not value):
        if required:
            checks.add(path, "is required")
        return None if required else 0
    if value != timedelta(seconds=int(value.total_seconds())):
        checks.add(path, "must be whole seconds")
        return None
    if required and not MIN_TARGET <= value <= MAX_TARGET:
        checks.add(path, "must be between 1 minute and 365 days")
        return None
    if value < timedelta(0):
        checks.add(path, "must not be negative")
        return None
    return int(value.total_seconds())


def _business_hours(hours: BusinessHoursInput, *, path: str, checks: FieldChecks) -> dict[str, Any] | None:
    ok = True
    zone = hours.time_zone.strip()
    if not zone:
        checks.add(f"{path}.time_zone", "is required: an IANA time zone such as America/Sao_Paulo")
        ok = False
    else:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            checks.add(f"{path}.time_zone", f"is not an IANA time zone: {zone!r}")
            ok = False
    if not hours.working_hours:
        checks.add(f"{path}.working_hours", "needs at least one span of working time")
        ok = False
    elif len(hours.working_hours) > MAX_WORKING_HOURS:
        checks.add(f"{path}.working_hours", f"at most {MAX_WORKING_HOURS} spans")
        ok = False
    intervals: list[tuple[WorkingInterval, int]] = []
    for index, span in enumerate(hours.working_hours[:MAX_WORKING_HOURS]):
        at = f"{path}.working_hours[{index}]"
        if not 1 <= span.day <= 7:
            checks.add(f"{at}.day", "is required: WEEKDAY_MONDAY to WEEKDAY_SUNDAY")
            ok = False
        start = _minutes(span.start_time, path=f"{at}.start_time", checks=checks, end=False)
        end = _minutes(span.end_time, path=f"{at}.end_time", checks=checks, end=True)
        if start is None or end is None or not 1 <= span.day <= 7:
            ok = False
            continue
        if end <= start:
            checks.add(f"{at}.end_time", "must be after start_time")
            ok = False
            continue
        intervals.append((WorkingInterval(span.day - 1, start, end), index))
    intervals.sort()
    for (before, _), (after, index) in itertools.pairwise(intervals):
        if before.day == after.day and after.start < before.end:
            checks.add(f"{path}.working_hours[{index}]", "overlaps another span of the same day")
            ok = False
    holidays: set[date] = set()
    if len(hours.holidays) > MAX_HOLIDAYS:
        checks.add(f"{path}.holidays", f"at most {MAX_HOLIDAYS} dates")
        ok = False
    for index, value in enumerate(hours.holidays[:MAX_HOLIDAYS]):
        try:
            if len(value) != 10:
                raise ValueError(value)
            holidays.add(date.fromisoformat(value))
        except ValueError:
            checks.add(f"{path}.holidays[{index}]", "must be a date YYYY-MM-DD")
            ok = False
    if not ok:
        return None
    return {
        "time_zone": zone,
        "intervals": [[interval.day, interval.start, interval.end] for interval, _ in intervals],
        "holidays": sorted(day.isoformat() for day in holidays),
    }


def check_policy(policy: PolicyInput, *, now: datetime, prefix: str = "sla_policy") -> dict[str, Any]:
    """The stored columns of a valid policy; InvalidArgument naming every bad field otherwise."""
    checks = FieldChecks()
    name = policy.display_name.strip()
    if not name:
        checks.add(f"{prefix}.display_name", "is required")
    elif len(name) > MAX_DISPLAY_NAME:
        checks.add(f"{prefix}.display_name", f"must be at most {MAX_DISPLAY_NAME} characters")
    elif "\n" in name or "\r" in name:
        checks.add(f"{prefix}.display_name", "must be a single line")
    else:
        checks.run(lambda: reject_nul(name, field=f"{prefix}.display_name"))
    if not 1 <= policy.priority <= 4:
        checks.add(f"{prefix}.priority", "is required: TICKET_PRIORITY_LOW to TICKET_PRIORITY_URGENT")
    category = checks.run(lambda: check_category(policy.category, field=f"{prefix}.category"))
    if category is not None:
        checks.run(lambda: reject_nul(category, field=f"{prefix}.category"))
    first = _target(policy.first_response_target, path=f"{prefix}.first_response_target", checks=checks, required=True)
    resolution = _target(policy.resolution_target, path=f"{prefix}.resolution_target", checks=checks, required=True)
    warning = _target(policy.warning_window, path=f"{prefix}.warning_window", checks=checks, required=False)
    if first is not None and resolution is not None and resolution < first:
        checks.add(f"{prefix}.resolution_target", "must be at least first_response_target")
    if first is not None and warning is not None and warning >= first:
        checks.add(f"{prefix}.warning_window", "must be shorter than first_response_target")
    hours = None
    if policy.business_hours is not None:
        hours = _business_hours(policy.business_hours, path=f"{prefix}.business_hours", checks=checks)
        if hours is not None and resolution is not None:
            schedule = Schedule(
                zone=ZoneInfo(hours["time_zone"]),
                intervals=tuple(WorkingInterval(*interval) for interval in hours["intervals"]),
                holidays=frozenset(date.fromisoformat(day) for day in hours["holidays"]),
            )
            try:
                add_working_time(now, timedelta(seconds=resolution), schedule)
            except ValueError:
                checks.add(f"{prefix}.business_hours", "has too little working time to ever reach resolution_target")
    checks.raise_if_any()
    return {
        "display_name": name,
        "priority": policy.priority,
        "category": category,
        "first_response_seconds": first,
        "resolution_seconds": resolution,
        "warning_seconds": warning,
        "business_hours": hours,
    }
