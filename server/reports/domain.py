"""Reports: who may see which figures, and the figures of a range, from the rollups and the live tables.

Ticket figures come from the hourly, quarter-hour and day rollups (`server.reports.rollup`); chat, satisfaction and
chat-load figures are read from `chats` and `tickets` by their indexed times. An agent's
figures are those of the tickets assigned to them and the chats they took; an administrator
reads anyone's.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from operator import add, sub
from typing import Any, TypeVar

from domain.roles import Role
from server.core.context import Principal
from server.core.errors import PermissionDenied
from server.core.validation import FieldChecks
from server.reports.figures import (
    ChatPoint,
    DurationStats,
    GroupLabel,
    LoadPoint,
    Ratings,
    Report,
    SatisfactionPoint,
    Series,
    TicketPoint,
)
from server.reports.histogram import MAX_BIN, add_into, bin_of, merge, ranked
from server.reports.pieces import Pieces, pieces
from server.reports.validation import QueryInput, ReportRange, check_query
from storage.db import Database
from storage.models.reports import NO_AGENT
from storage.repositories.reports import (
    DAY_LEVELS,
    FIRST_RESPONSE,
    FOREVER,
    TICKETS_CURSOR,
    CursorState,
    Scope,
    Stretches,
    rollup_level,
)
from storage.unit_of_work import UnitOfWork

P = TypeVar("P")
DAY = timedelta(days=1)
# Shaped as TicketSums (bucket, group, six counters) and DurationStatsRow (bucket, group, measure,
# count, median bin, p90 bin): plain tuples where a report by agent builds thousands.
SumsRow = tuple[int, Any, int, int, int, int, int, int]
StatsRow = tuple[int, Any, int, int, int, int]


def _scope(principal: Principal, report_range: ReportRange) -> Scope:
    if principal.role is Role.ADMIN:
        agent_id = report_range.agent_id
    elif principal.role is Role.AGENT:
        if report_range.agent_id not in (None, principal.user_id):
            raise PermissionDenied("agents read only their own figures", reason="REPORT_OF_ANOTHER_AGENT")
        agent_id = principal.user_id
    else:
        raise PermissionDenied("reports are for agents and administrators")
    return Scope(agent_id=agent_id, category=report_range.category, priority=report_range.priority)


def _sort_key(label: GroupLabel) -> tuple[Any, ...]:
    # Unassigned work after the agents; agents by name; categories by name; priorities most urgent first.
    return (
        label.agent_id is None,
        label.agent_display_name.casefold(),
        str(label.agent_id),
        label.category,
        -label.priority,
    )


async def _plan(uow: UnitOfWork, report_range: ReportRange, *, group_by: str, scope: Scope) -> tuple[Pieces, set[int]]:
    """Which rows answer the range's buckets, and the UTC offsets the rollup does not keep and should."""
    asked = await uow.reports.day_offsets()
    plan = pieces(
        report_range.boundaries,
        zone=report_range.zone,
        bucket=report_range.bucket,
        kept={offset for offset, ready in asked.items() if ready},
        use_days=rollup_level(group_by, scope) in DAY_LEVELS,
    )
    return plan, plan.offsets - asked.keys()


async def _ask_offsets(database: Database, offsets: set[int]) -> None:
    # The next fold fills these offsets' days: the next such report reads one row a day, not 24.
    if offsets:
        async with database.unit_of_work() as uow:
            await uow.reports.request_day_offsets(offsets=offsets)


async def _counter_sums(
    uow: UnitOfWork, plan: Pieces, *, bounds: Sequence[datetime], group_by: str, scope: Scope
) -> Sequence[SumsRow]:
    """Counter sums per bucket (n+1: after the range, the backlog's changes since) and group value.

    The whole days of the plan are one row each of the day rollups; the rest of the range, and
    the hours after it, are read from the hourly rollups (and the quarter-hour ones where a
    bucket starts or ends inside an hour).
    """
    if not plan.days and not plan.quarters:
        return await uow.reports.ticket_sums(boundaries=bounds, group_by=group_by, scope=scope)
    sums: list[SumsRow] = []
    if plan.days:
        sums += await uow.reports.day_sums(  # type: ignore[arg-type]
            days={key: index + 1 for key, index in plan.days.items()}, group_by=group_by, scope=scope
        )
    everything = plan.with_after(bounds[-1], FOREVER)
    sums += await uow.reports.piece_sums(
        boundaries=bounds, stretches=Stretches(everything.hours, everything.quarters, group_by), scope=scope
    )
    return sums


async def _check_quarters(uow: UnitOfWork, plan: Pieces, *, start: datetime, cursor: CursorState | None = None) -> None:
    """Refuses a range needing quarter-hour rows from before the rollup kept them (an install upgraded since).

    Reads the cursor (unless given) only for a range that needs quarter-hours: whole-hour zones never do.
    """
    if not plan.quarters and not any(offset % 60 for offset, _ in plan.days):
        return
    since = (cursor or await uow.reports.cursor(name=TICKETS_CURSOR)).quarters_since
    if since is not None and start < since:
        checks = FieldChecks()
        checks.add(
            "query.start_time",
            f"must be at or after {since.isoformat()} in this time zone: its local hours and days start inside"
            " UTC hours, and the figures of such zones are kept from then on",
        )
        checks.raise_if_any()


def _runs(days: Iterable[tuple[int, date]]) -> list[tuple[int, date, date]]:
    """Consecutive local days of one UTC offset, as (offset, first, last), from days in time order."""
    runs: list[tuple[int, date, date]] = []
    for offset, day in days:
        if runs and runs[-1][0] == offset and runs[-1][2] + DAY == day:
            runs[-1] = (offset, runs[-1][1], day)
        else:
            runs.append((offset, day, day))
    return runs


def _between(later: tuple[int, list[int]] | None, earlier: tuple[int, list[int]] | None) -> list[int]:
    """A running histogram minus an earlier one of the same series, indexed by bin."""
    histogram = [0] * (MAX_BIN + 1)
    if later is not None:
        add_into(histogram, *later)
    if earlier is not None:
        lo, counts = earlier
        histogram[lo : lo + len(counts)] = map(sub, histogram[lo : lo + len(counts)], counts)
    return histogram


async def _duration_stats(
    uow: UnitOfWork, plan: Pieces, *, bounds: Sequence[datetime], group_by: str, scope: Scope
) -> Sequence[StatsRow]:
    """Count, median and p90 bins per bucket (0: the whole range), group value and measure.

    From hours alone, the histograms are summed and ranked in PostgreSQL. With days: a bucket of
    one day reads that day's count and percentile bins, kept with its histogram; a bucket of
    several consecutive days of one offset (a week), and the range's total, the difference of two
    running histograms per run of days; a bucket with hours (a day the clocks change, or a week
    holding one) sums its days' histograms and its hours' bins, here.
    """
    if not plan.days and not plan.quarters:
        return await uow.reports.duration_stats(boundaries=bounds, group_by=group_by, scope=scope)
    n = len(bounds) - 1
    by_bucket: dict[int, list[tuple[int, date]]] = defaultdict(list)
    for key, index in sorted(plan.days.items(), key=lambda item: (item[1], item[0][1])):
        by_bucket[index].append(key)
    stats = (
        await uow.reports.day_stats(
            days={key: index + 1 for key, index in plan.days.items()}, group_by=group_by, scope=scope
        )
        if plan.days
        else []
    )
    durations: list[StatsRow] = []
    # The series (group value, measure) with durations in the range; the days of one-day buckets as they are.
    keys: dict[tuple[Any, int], None] = {}
    singles = {index + 1 for index, days in by_bucket.items() if len(days) == 1 and index not in plan.hour_buckets}
    for row in stats:
        keys[(row[1], row[2])] = None
        if row[0] in singles:
            durations.append(row)  # type: ignore[arg-type]
    # Runs of days: each multi-day bucket's, and the range's (its total).
    bucket_runs = {
        index: runs[0]
        for index, days in by_bucket.items()
        if len(days) > 1 and index not in plan.hour_buckets and len(runs := _runs(days)) == 1
    }
    total_runs = _runs(key for index in sorted(by_bucket) for key in by_bucket[index])
    points = sorted(
        {(offset, day) for offset, start, end in (*bucket_runs.values(), *total_runs) for day in (start - DAY, end)}
    )
    point_index = {point: i for i, point in enumerate(points)}
    series = list(keys)
    running = await uow.reports.running_at(points=points, series=series, group_by=group_by, scope=scope)

    def run_histogram(offset: int, start: date, end: date, key_index: int) -> list[int]:
        return _between(
            running.get((point_index[(offset, end)], key_index)),
            running.get((point_index[(offset, start - DAY)], key_index)),
        )

    for index, (offset, start, end) in bucket_runs.items():
        for key_index, (group, measure) in enumerate(series):
            histogram = run_histogram(offset, start, end, key_index)
            if any(histogram):
                durations.append((index + 1, group, measure, *ranked(0, histogram)))
    # Buckets with hours: their days' histograms and their hours' bins, added up.
    mixed = [index for index in by_bucket if index in plan.hour_buckets or len(by_bucket[index]) > 1]
    mixed = [index for index in mixed if index not in bucket_runs] + sorted(plan.hour_buckets - by_bucket.keys())
    parts: dict[tuple[int, Any, int], list[int]] = {}
    for day in await uow.reports.day_histograms(
        days=(key for index in mixed for key in by_bucket.get(index, [])), group_by=group_by, scope=scope
    ):
        part = (plan.days[(day.utc_offset, day.day)] + 1, day.group, day.measure)
        add_into(parts.setdefault(part, [0] * (MAX_BIN + 1)), day.lo, day.counts)
    totals: dict[tuple[Any, int], list[int]] = {}
    for hour in await uow.reports.piece_bins(
        boundaries=bounds, stretches=Stretches(plan.hours, plan.quarters, group_by), scope=scope
    ):
        if 1 <= hour.bucket <= n:
            parts.setdefault((hour.bucket, hour.group, hour.measure), [0] * (MAX_BIN + 1))[hour.bin] += hour.hits
            totals.setdefault((hour.group, hour.measure), [0] * (MAX_BIN + 1))[hour.bin] += hour.hits
    durations += [(bucket, group, measure, *ranked(0, found)) for (bucket, group, measure), found in parts.items()]
    for key_index, series_key in enumerate(series):
        total = totals.setdefault(series_key, [0] * (MAX_BIN + 1))
        for offset, start, end in total_runs:
            total[:] = map(add, total, run_histogram(offset, start, end, key_index))
    durations += [(0, group, measure, *ranked(0, total)) for (group, measure), total in totals.items() if any(total)]
    return durations


async def _labels(uow: UnitOfWork, dimension: str, values: Iterable[Any]) -> dict[Any, GroupLabel]:
    values = set(values)
    if dimension == "agent":
        names = await uow.reports.display_names(user_ids=(v for v in values if v is not None and v != NO_AGENT))
        return {
            value: GroupLabel(dimension, agent_id=value, agent_display_name=names.get(value, ""))
            if value is not None and value != NO_AGENT
            else GroupLabel(dimension)
            for value in values
        }
    if dimension == "category":
        return {value: GroupLabel(dimension, category=value or "") for value in values}
    if dimension == "priority":
        return {value: GroupLabel(dimension, priority=int(value or 0)) for value in values}
    return {value: GroupLabel(dimension) for value in values}


def _series(labels: dict[Any, GroupLabel], points: dict[Any, list[P]], totals: dict[Any, P]) -> list[Series[P]]:
    ordered = sorted(points, key=lambda value: _sort_key(labels[value]))
    return [Series(group=labels[value], points=points[value], total=totals[value]) for value in ordered]


class Reports:
    """The figures of a range for a caller."""

    def __init__(self, *, database: Database, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._database = database
        self._now = now

    async def tickets(self, *, principal: Principal, query: QueryInput) -> Report[TicketPoint]:
        """Created, resolved, reopened, backlog, response and resolution times and SLA outcomes per bucket."""
        report_range = check_query(query)
        scope = _scope(principal, report_range)
        bounds = report_range.boundaries
        n = len(bounds) - 1
        dimension = report_range.group_by
        async with self._database.unit_of_work() as uow:
            await uow.reports.read_one_snapshot()
            cursor = await uow.reports.cursor(name=TICKETS_CURSOR)
            plan, missing = await _plan(uow, report_range, group_by=dimension, scope=scope)
            await _check_quarters(uow, plan, start=bounds[0], cursor=cursor)
            sums = await _counter_sums(uow, plan, bounds=bounds, group_by=dimension, scope=scope)
            durations = await _duration_stats(uow, plan, bounds=bounds, group_by=dimension, scope=scope)
            backlog_now = await uow.reports.backlog_now(group_by=dimension, scope=scope)
            values = {row[1] for row in sums} | {row[1] for row in durations} | set(backlog_now)
            if not dimension:
                values.add(None)
            labels = await _labels(uow, dimension, values)
        await _ask_offsets(self._database, missing)
        points = {value: [TicketPoint(start_time=bounds[i]) for i in range(n)] for value in values}
        after: dict[Any, int] = defaultdict(int)
        for bucket, group, created, resolved, reopened, backlog_delta, sla_met, sla_breached in sums:
            if bucket > n:
                after[group] += backlog_delta
                continue
            point = points[group][bucket - 1]
            point.created += created
            point.resolved += resolved
            point.reopened += reopened
            point.backlog += backlog_delta  # the delta for now; turned into the level below
            point.sla_met += sla_met
            point.sla_breached += sla_breached
        totals: dict[Any, TicketPoint] = {value: TicketPoint(start_time=bounds[0]) for value in values}
        for bucket, group, measure, count, median_bin, p90_bin in durations:
            target = totals[group] if bucket == 0 else points[group][bucket - 1]
            summary = DurationStats.of_bins(count, median_bin, p90_bin)
            if measure == FIRST_RESPONSE:
                target.first_response = summary
            else:
                target.resolution = summary
        for value, series in points.items():
            # Backlog at the end of each bucket: the level now minus every change after that end.
            level = backlog_now.get(value, 0) - after[value]
            for point in reversed(series):
                delta = point.backlog
                point.backlog = level
                level -= delta
            total = totals[value]
            total.created = sum(p.created for p in series)
            total.resolved = sum(p.resolved for p in series)
            total.reopened = sum(p.reopened for p in series)
            total.backlog = series[-1].backlog
            total.sla_met = sum(p.sla_met for p in series)
            total.sla_breached = sum(p.sla_breached for p in series)
        return Report(bounds[0], bounds[-1], _series(labels, points, totals), data_time=cursor.data_time)

    async def chats(self, *, principal: Principal, query: QueryInput) -> Report[ChatPoint]:
        """Chats started, accepted and missed, waits and durations per bucket of the start."""
        report_range = check_query(query)
        scope = _scope(principal, report_range)
        bounds = report_range.boundaries
        n = len(bounds) - 1
        by_agent = report_range.group_by == "agent"
        dimension = "agent" if by_agent else ""
        async with self._database.read_only() as uow:
            rows = await uow.reports.chats_started(boundaries=bounds, by_agent=by_agent, agent_id=scope.agent_id)
            values = {row.group for row in rows} | (set() if by_agent else {None})
            labels = await _labels(uow, dimension, values)
        points = {value: [ChatPoint(start_time=bounds[i]) for i in range(n)] for value in values}
        for row in rows:
            point = points[row.group][row.bucket - 1]
            point.started += 1
            point.accepted += row.accepted
            point.missed += row.missed
            if row.wait_seconds is not None:
                index = bin_of(float(row.wait_seconds))
                point.wait[index] = point.wait.get(index, 0) + 1
            if row.duration_seconds is not None:
                index = bin_of(float(row.duration_seconds))
                point.duration[index] = point.duration.get(index, 0) + 1
        totals = {
            value: ChatPoint(
                start_time=bounds[0],
                started=sum(p.started for p in series),
                accepted=sum(p.accepted for p in series),
                missed=sum(p.missed for p in series),
                wait=merge(p.wait for p in series),
                duration=merge(p.duration for p in series),
            )
            for value, series in points.items()
        }
        return Report(bounds[0], bounds[-1], _series(labels, points, totals))

    async def satisfaction(self, *, principal: Principal, query: QueryInput) -> Report[SatisfactionPoint]:
        """Ticket ratings by bucket of resolution and chat ratings by bucket of end."""
        report_range = check_query(query)
        scope = _scope(principal, report_range)
        bounds = report_range.boundaries
        n = len(bounds) - 1
        dimension = report_range.group_by
        async with self._database.read_only() as uow:
            tickets = await uow.reports.ticket_ratings(boundaries=bounds, group_by=dimension, scope=scope)
            # Chats have no category or priority: they join the single series, or the agents' ones.
            chat_by_agent = dimension == "agent"
            chats = []
            if dimension in ("", "agent"):
                chats = await uow.reports.chat_ratings(
                    boundaries=bounds, by_agent=chat_by_agent, agent_id=scope.agent_id
                )
            values = {row.group for row in tickets} | {row.group for row in chats}
            if not dimension:
                values.add(None)
            labels = await _labels(uow, dimension, values)
        points = {value: [SatisfactionPoint(start_time=bounds[i]) for i in range(n)] for value in values}
        for rows, kind in ((tickets, "tickets"), (chats, "chats")):
            for row in rows:
                ratings: Ratings = getattr(points[row.group][row.bucket - 1], kind)
                ratings.eligible += row.conversations
                if row.rating is not None:
                    ratings.distribution[row.rating - 1] += row.conversations
        totals: dict[Any, SatisfactionPoint] = {}
        for value, series in points.items():
            total = SatisfactionPoint(start_time=bounds[0])
            for point in series:
                total.tickets.add(point.tickets)
                total.chats.add(point.chats)
            totals[value] = total
        return Report(bounds[0], bounds[-1], _series(labels, points, totals))

    async def agent_load(self, *, principal: Principal, query: QueryInput) -> Report[LoadPoint]:
        """Open tickets (from the rollups) and active chats per agent at the end of each bucket, and now."""
        report_range = check_query(query)
        scope = Scope(agent_id=_scope(principal, report_range).agent_id)
        bounds = report_range.boundaries
        n = len(bounds) - 1
        now = self._now()
        async with self._database.unit_of_work() as uow:
            await uow.reports.read_one_snapshot()
            plan, missing = await _plan(uow, report_range, group_by="agent", scope=scope)
            await _check_quarters(uow, plan, start=bounds[0])
            sums = await _counter_sums(uow, plan, bounds=bounds, group_by="agent", scope=scope)
            backlog_now = await uow.reports.backlog_now(group_by="agent", scope=scope)
            chats = await uow.reports.chats_accepted_between(
                start=bounds[1] if n else bounds[0], end=max(now, bounds[-1]), agent_id=scope.agent_id
            )
            values = {row[1] for row in sums} | set(backlog_now) | {agent for agent, _, _ in chats}
            values.discard(NO_AGENT)
            labels = await _labels(uow, "agent", values)
        await _ask_offsets(self._database, missing)
        deltas: dict[Any, list[int]] = defaultdict(lambda: [0] * (n + 1))
        for bucket, group, *_, backlog_delta, _met, _breached in sums:
            deltas[group][bucket - 1] += backlog_delta
        points = {value: [LoadPoint(start_time=bounds[i]) for i in range(n)] for value in values}
        totals = {value: LoadPoint(start_time=now) for value in values}
        for value, series in points.items():
            level = backlog_now.get(value, 0) - deltas[value][n]
            for i in reversed(range(n)):
                series[i].open_tickets = level
                level -= deltas[value][i]
            totals[value].open_tickets = backlog_now.get(value, 0)
        ends = bounds[1:]
        for agent, accepted, ended in chats:
            if agent not in points:
                continue
            # Active at a bucket's end: accepted before it and not ended by then.
            first = bisect.bisect_right(ends, accepted)
            last = n if ended is None else bisect.bisect_left(ends, ended)
            for i in range(first, last):
                points[agent][i].active_chats += 1
            if accepted <= now and (ended is None or ended > now):
                totals[agent].active_chats += 1
        return Report(bounds[0], bounds[-1], _series(labels, points, totals))
