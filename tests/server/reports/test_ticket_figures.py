"""Ticket figures equal those computed from the raw rows, over random histories, zones, buckets and DST days.

Each example writes a random history of tickets straight into the tables (`history.py`), folds
it with the rollup job in random batch sizes, asks the report for a random zone, bucket length
and breakdown, and compares every point with the figures computed from the timeline by brute
force. Histories start on days when clocks change (New York, London, Sydney, and Newfoundland,
Adelaide, Lord Howe, Chatham whose offsets are not whole hours) and their steps often fall on whole
hours or quarter-hours, so local midnights, half-hour bucket edges and DST edges are hit.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.roles import Role
from server.core.context import Principal
from server.reports.domain import Reports
from server.reports.figures import DurationStats, GroupLabel, TicketPoint
from server.reports.histogram import LINEAR_LIMIT
from server.reports.rollup import TicketRollup
from server.reports.validation import QueryInput
from storage.db import Database
from tests.server.reports.history import (
    History,
    bucket_key,
    build,
    exact_percentile,
    expected_backlog,
    expected_counts,
    write,
)

# Midnights (UTC) before clock changes: US and Newfoundland spring forward, EU fall back, Sydney, Adelaide and
# Lord Howe (by half an hour) spring forward, US and Newfoundland fall back, Lord Howe (half an hour), Adelaide and
# Chatham fall back, Chatham springs forward.
BASES = [
    datetime(2026, 3, 7, tzinfo=UTC),
    datetime(2026, 10, 24, tzinfo=UTC),
    datetime(2026, 10, 3, tzinfo=UTC),
    datetime(2026, 10, 31, 20, tzinfo=UTC),
    datetime(2026, 4, 4, tzinfo=UTC),
    datetime(2026, 9, 26, tzinfo=UTC),
]
WHOLE_HOUR_ZONES = ["UTC", "America/New_York", "Europe/London", "Australia/Sydney", "America/Sao_Paulo", "Asia/Tokyo"]
# Offsets of half and quarter hours, some with daylight-saving time (Lord Howe's moves by half an hour).
FRACTIONAL_ZONES = [
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Tehran",
    "Australia/Adelaide",
    "Australia/Darwin",
]
ZONES = WHOLE_HOUR_ZONES + FRACTIONAL_ZONES
BUCKETS = {1: "hour", 2: "day", 3: "week"}
DIMENSIONS = {0: "", 1: "agent", 2: "category", 3: "priority"}
# 2 ** (1/32) - 1: half a bin of 16 per doubling, as a ratio.
TOLERANCE = 2 ** (1 / 32) - 1 + 1e-9

operations = st.lists(
    st.tuples(
        st.sampled_from(
            ["create", "create", "status", "status", "assign", "category", "priority", "message", "message", "delete"]
        ),
        st.integers(0, 50),
        # Gaps of whole hours or quarter-hours two times out of three: steps land exactly on bucket edges, those
        # of the zones at +5:30 or +5:45 too.
        st.one_of(
            st.integers(1, 40).map(lambda hours: hours * 3600),
            st.integers(1, 160).map(lambda quarters: quarters * 900),
            st.integers(1, 30 * 3600),
        ),
        st.integers(0, 11),
    ),
    min_size=1,
    max_size=25,
)


def _key(label: GroupLabel, dimension: str) -> Any:
    return {"": None, "agent": label.agent_id, "category": label.category, "priority": label.priority}[dimension]


def _check_durations(actual: DurationStats, raw: list[float], where: str) -> None:
    assert actual.count == len(raw), where
    for fraction, reported in ((0.5, actual.median), (0.9, actual.p90)):
        if not raw:
            assert reported == 0, where
            continue
        exact = exact_percentile(raw, fraction)
        if exact < LINEAR_LIMIT:
            assert reported == exact, (where, fraction, raw)
        else:
            assert abs(reported - exact) <= TOLERANCE * exact, (where, fraction, reported, exact)


async def _report(database: Database, history: History, people: dict[str, uuid.UUID], data: st.DataObject) -> None:
    zone_name = data.draw(st.sampled_from(ZONES), label="zone")
    bucket = data.draw(st.sampled_from(sorted(BUCKETS)), label="bucket")
    group_by = data.draw(st.sampled_from(sorted(DIMENSIONS)), label="group_by")
    as_agent = data.draw(st.booleans(), label="as agent")
    first, last = history.steps[0].time, history.steps[-1].time
    # Sometimes the range ends before the history does: the backlog then counts changes after it.
    end = data.draw(st.sampled_from([last + timedelta(hours=1), first + (last - first) / 2 + timedelta(hours=1)]))
    start = first - timedelta(hours=data.draw(st.integers(0, 30), label="lead hours"))
    principal = Principal(
        user_id=people["agent" if as_agent else "admin"],
        role=Role.AGENT if as_agent else Role.ADMIN,
        session_id=uuid.uuid4(),
    )
    report = await Reports(database=database).tickets(
        principal=principal,
        query=QueryInput(start_time=start, end_time=end, time_zone=zone_name, bucket=bucket, group_by=group_by),
    )
    zone = ZoneInfo(zone_name)
    name, dimension = BUCKETS[bucket], DIMENSIONS[group_by]
    agent = people["agent"] if as_agent else None
    counts = expected_counts(history, zone=zone, bucket=name, dimension=dimension, agent=agent)
    series = {_key(s.group, dimension): s for s in report.series}
    groups = set(series) | {group for _, group in counts}
    assert report.start_time <= start
    assert report.end_time >= end
    for group in groups:
        found = series.get(group)
        points: list[TicketPoint] = found.points if found is not None else []
        if found is None:
            # A group the report leaves out has nothing to show.
            assert all(
                cell == type(cell)()
                for (key, g), cell in counts.items()
                if g == group and report.start_time <= _start(key, zone, name) < report.end_time
            )
            continue
        keys = [bucket_key(point.start_time, zone, name) for point in points]
        assert len(set(keys)) == len(keys)
        ends = [point.start_time for point in points[1:]] + [report.end_time]
        for point, key, bucket_end in zip(points, keys, ends, strict=True):
            # Each point starts at its bucket's first instant: a local midnight for days and weeks.
            assert bucket_key(point.start_time - timedelta(microseconds=1), zone, name) != key
            assert bucket_key(bucket_end - timedelta(microseconds=1), zone, name) == key
            cell = counts.get((key, group))
            where = f"{zone_name} {name} {dimension} {group} {point.start_time.isoformat()}"
            expected = (
                (0, 0, 0, 0, 0)
                if cell is None
                else (cell.created, cell.resolved, cell.reopened, cell.sla_met, cell.sla_breached)
            )
            assert (point.created, point.resolved, point.reopened, point.sla_met, point.sla_breached) == expected, where
            backlog = expected_backlog(history, at=bucket_end, dimension=dimension, agent=agent)
            assert point.backlog == backlog.get(group, 0), where
            _check_durations(
                point.first_response, [] if cell is None else cell.first_response, where + " first response"
            )
            _check_durations(point.resolution, [] if cell is None else cell.resolution, where + " resolution")
        assert found.total.created == sum(point.created for point in points)
        assert found.total.backlog == (points[-1].backlog if points else 0)


def _start(key: Any, zone: ZoneInfo, name: str) -> datetime:
    if name == "hour":
        # The local hour's hh:00 at its offset (after a half-hour change, half an hour before the bucket starts).
        wall: datetime = key[0]
        offset: timedelta = key[1]
        return (wall - offset).replace(tzinfo=UTC)
    return datetime(key.year, key.month, key.day, tzinfo=zone).astimezone(UTC)


# 60 examples each write, fold and read a history: minutes on a loaded machine, not the default 120 s.
@pytest.mark.timeout(300)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    base=st.sampled_from(BASES),
    drawn=operations,
    sla=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=4),
    batch=st.integers(1, 7),
    data=st.data(),
)
async def test_figures_equal_the_raw_rows(
    database: Database,
    people: dict[str, uuid.UUID],
    base: datetime,
    drawn: list[tuple[str, int, int, int]],
    sla: list[tuple[bool, bool]],
    batch: int,
    data: st.DataObject,
) -> None:
    history = build(base=base, operations=drawn, sla=sla, agents=[people["agent"], people["agent_b"]])
    await write(
        database, history, customer=people["customer"], staff={"agent": people["agent"], "admin": people["admin"]}
    )
    folded = await TicketRollup(database=database, interval_seconds=3600, batch_size=batch).run_once(wait=True)
    assert folded == len(history.steps)
    await _report(database, history, people, data)
