"""The report rollups: the job's cursor and deltas, and the sums a report reads (`storage.models.reports`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import DriverStatement
from storage.models.reports import NO_AGENT

# `report_ticket_durations.measure`.
FIRST_RESPONSE, RESOLUTION = 1, 2
# The rollup levels (`storage.models.reports`): per group, and summed over all but one column or all.
FINE, WHOLE_DESK, PER_AGENT, PER_CATEGORY, PER_PRIORITY = 0, 1, 2, 3, 4
TICKETS_CURSOR = "tickets"


class Group(NamedTuple):
    """Who and what a figure is about: agent (nil UUID: unassigned), category, priority (1-4)."""

    agent_id: uuid.UUID
    category: str
    priority: int


class HourKey(NamedTuple):
    """One row of `report_ticket_hours` (or of `report_ticket_quarters`, `hour` holding the quarter-hour's start)."""

    level: int
    hour: datetime
    agent_id: uuid.UUID
    category: str
    priority: int


class DurationKey(NamedTuple):
    """One row of `report_ticket_durations` (or of `report_ticket_quarter_durations`, as `HourKey`)."""

    level: int
    hour: datetime
    agent_id: uuid.UUID
    category: str
    priority: int
    measure: int
    bin: int


class DayKey(NamedTuple):
    """One row of `report_ticket_days`."""

    level: int
    utc_offset: int
    day: date
    agent_id: uuid.UUID
    category: str
    priority: int


class DayDurationKey(NamedTuple):
    """One histogram of `report_ticket_day_durations`."""

    level: int
    utc_offset: int
    day: date
    agent_id: uuid.UUID
    category: str
    priority: int
    measure: int


class RunningSeries(NamedTuple):
    """Whose running histogram: level, UTC offset, group and measure."""

    level: int
    utc_offset: int
    agent_id: uuid.UUID
    category: str
    priority: int
    measure: int


class RunningRow(NamedTuple):
    """The histogram of a series over every day up to `day`: counts from bin `lo` on."""

    level: int
    utc_offset: int
    agent_id: uuid.UUID
    category: str
    priority: int
    measure: int
    day: date
    lo: int
    counts: list[int]


class TicketFact(NamedTuple):
    """What the rollup remembers of a ticket."""

    ticket_id: uuid.UUID
    create_time: datetime
    first_response_time: datetime | None


class SlaOutcome(NamedTuple):
    """A ticket's SLA state as its resolution is folded."""

    under_sla: bool
    breached: bool


class CursorState(NamedTuple):
    """How far a rollup has folded: the last position and the commit time of that change.

    `quarters_since`: from when the quarter-hour rows hold every change (None: from the start).
    """

    position: int
    data_time: datetime | None
    quarters_since: datetime | None = None


# The counters of `report_ticket_hours` and the tables like it.
COUNTERS = ("created", "resolved", "reopened", "backlog_delta", "sla_met", "sla_breached")


@dataclass(slots=True)
class RollupDeltas:
    """What a fold adds to the rollups: counters, histograms, backlog per group, new or changed facts.

    Counters per hour, quarter-hour (`HourKey`, `hour` holding the quarter-hour's start) and local
    day; histogram bin counts likewise.
    """

    hours: dict[HourKey, dict[str, int]] = field(default_factory=dict)
    durations: dict[DurationKey, int] = field(default_factory=dict)
    quarters: dict[HourKey, dict[str, int]] = field(default_factory=dict)
    quarter_durations: dict[DurationKey, int] = field(default_factory=dict)
    backlog: dict[Group, int] = field(default_factory=dict)
    facts: dict[uuid.UUID, TicketFact] = field(default_factory=dict)
    days: dict[DayKey, dict[str, int]] = field(default_factory=dict)
    # Per day histogram, the count of each bin.
    day_durations: dict[DayDurationKey, dict[int, int]] = field(default_factory=dict)


class Stretches(NamedTuple):
    """UTC ranges a report reads from the hourly rows and from the quarter-hour rows, in a breakdown (group by)."""

    hours: Sequence[tuple[datetime, datetime]]
    quarters: Sequence[tuple[datetime, datetime]]
    group_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """Which rollup rows a report sums: an agent (nil UUID: unassigned), a category, a priority."""

    agent_id: uuid.UUID | None = None
    category: str | None = None
    priority: int | None = None


class TicketSums(NamedTuple):
    """Sums of the counters of one bucket (`bucket` 1..n, n+1 after the range) and group value."""

    bucket: int
    group: Any
    created: int
    resolved: int
    reopened: int
    backlog_delta: int
    sla_met: int
    sla_breached: int


class DurationStatsRow(NamedTuple):
    """The histogram of one bucket (0: the whole range), group value and measure, ranked."""

    bucket: int
    group: Any
    measure: int
    durations: int
    median_bin: int
    p90_bin: int


class DaySums(NamedTuple):
    """Sums of the counters of one local day of one UTC offset and group value."""

    utc_offset: int
    day: date
    group: Any
    created: int
    resolved: int
    reopened: int
    backlog_delta: int
    sla_met: int
    sla_breached: int


class DayHistogram(NamedTuple):
    """The histogram of one measure in one local day of one UTC offset and group value: counts from bin `lo`."""

    utc_offset: int
    day: date
    group: Any
    measure: int
    lo: int
    counts: list[int]


class DayStats(NamedTuple):
    """Count and percentile bins of one measure in one local day of one UTC offset and group (value and key)."""

    utc_offset: int
    day: date
    group: Any
    agent_id: uuid.UUID
    category: str
    priority: int
    measure: int
    hits: int
    median_bin: int
    p90_bin: int


class BinSums(NamedTuple):
    """How many durations of one measure fell in one bin, in one bucket (1..n) and group value."""

    bucket: int
    group: Any
    measure: int
    bin: int
    hits: int


# The levels the day rollups keep (not FINE: a report filtered by category or priority reads hours).
DAY_LEVELS = (WHOLE_DESK, PER_AGENT, PER_CATEGORY, PER_PRIORITY)
# Later than any hour: the end of the range "from the report's end on" (backlog changes since).
FOREVER = datetime(9999, 1, 1, tzinfo=UTC)

# The counters of a rollup row, summed.
_SUMS = "sum(created), sum(resolved), sum(reopened), sum(backlog_delta), sum(sla_met), sum(sla_breached)"
# What a breakdown groups by: a column of the rollup, or one constant group.
GROUP_COLUMNS = {"": "NULL", "agent": "agent_id", "category": "category", "priority": "priority"}

_LOCK_CURSOR = text("SELECT position, data_time FROM report_cursors WHERE name = :name FOR UPDATE")
_TRY_LOCK_CURSOR = text("SELECT position, data_time FROM report_cursors WHERE name = :name FOR UPDATE SKIP LOCKED")
_READ_CURSOR = text("SELECT position, data_time, quarters_since FROM report_cursors WHERE name = :name")
_ADVANCE_CURSOR = text(
    "UPDATE report_cursors SET position = :position, data_time = :data_time, update_time = clock_timestamp()"
    " WHERE name = :name"
)
_DAY_OFFSETS = text("SELECT utc_offset, ready FROM report_day_offsets")
_REQUEST_OFFSETS = text(
    "INSERT INTO report_day_offsets (utc_offset, request_time)"
    " SELECT unnest(CAST(:offsets AS smallint[])), clock_timestamp() ON CONFLICT DO NOTHING"
)
_OFFSET_DAY_HISTOGRAMS = text(
    "SELECT level, agent_id, category, priority, measure, day, lo, counts FROM report_ticket_day_durations"
    " WHERE utc_offset = :offset ORDER BY level, agent_id, category, priority, measure, day"
)
_PUT_RUNNING = text(
    """
    INSERT INTO report_ticket_day_running AS r
        (level, utc_offset, agent_id, category, priority, measure, day, lo, counts)
    SELECT level, utc_offset, agent_id, category, priority, measure, day, lo, CAST(counts AS int[]) FROM unnest(
        CAST(:level AS smallint[]), CAST(:utc_offset AS smallint[]), CAST(:agent_id AS uuid[]),
        CAST(:category AS text[]), CAST(:priority AS smallint[]), CAST(:measure AS smallint[]), CAST(:day AS date[]),
        CAST(:lo AS smallint[]), CAST(:counts AS text[]))
        AS d(level, utc_offset, agent_id, category, priority, measure, day, lo, counts)
    ON CONFLICT (level, utc_offset, agent_id, category, priority, measure, day) DO UPDATE SET
        lo = excluded.lo, counts = excluded.counts
    """
)
_RUNNING_FROM = text(
    """
    SELECT k.i, r.day, r.lo, r.counts
    FROM unnest(CAST(:level AS smallint[]), CAST(:utc_offset AS smallint[]), CAST(:agent_id AS uuid[]),
        CAST(:category AS text[]), CAST(:priority AS smallint[]), CAST(:measure AS smallint[]), CAST(:first AS date[]))
        WITH ORDINALITY AS k(level, utc_offset, agent_id, category, priority, measure, first, i)
    CROSS JOIN LATERAL (
        (SELECT day, lo, counts FROM report_ticket_day_running r
         WHERE (r.level, r.utc_offset, r.agent_id, r.category, r.priority, r.measure)
             = (k.level, k.utc_offset, k.agent_id, k.category, k.priority, k.measure) AND r.day < k.first
         ORDER BY r.day DESC LIMIT 1)
        UNION ALL
        (SELECT day, lo, counts FROM report_ticket_day_running r
         WHERE (r.level, r.utc_offset, r.agent_id, r.category, r.priority, r.measure)
             = (k.level, k.utc_offset, k.agent_id, k.category, k.priority, k.measure) AND r.day >= k.first)) AS r
    """
)
_RUNNING_AT = text(
    """
    SELECT p.i, k.i, r.lo, r.counts
    FROM unnest(CAST(:offsets AS smallint[]), CAST(:days AS date[])) WITH ORDINALITY AS p(utc_offset, day, i)
    CROSS JOIN unnest(CAST(:agent_id AS uuid[]), CAST(:category AS text[]), CAST(:priority AS smallint[]),
        CAST(:measure AS smallint[])) WITH ORDINALITY AS k(agent_id, category, priority, measure, i)
    CROSS JOIN LATERAL (
        SELECT lo, counts FROM report_ticket_day_running r
        WHERE r.level = :level AND r.utc_offset = p.utc_offset AND r.agent_id = k.agent_id
            AND r.category = k.category AND r.priority = k.priority AND r.measure = k.measure AND r.day <= p.day
        ORDER BY r.day DESC LIMIT 1) AS r
    """
)
_OFFSET_READY = text("UPDATE report_day_offsets SET ready = true WHERE utc_offset = :offset")
# The counters' deltas as bound arrays, and each added to the row's value.
_COUNTER_ARRAYS = ", ".join(f"CAST(:{name} AS int[])" for name in COUNTERS)
_ADD_COUNTERS = ", ".join(f"{name} = r.{name} + excluded.{name}" for name in COUNTERS)
_UPSERT_DAYS = text(
    f"""
    INSERT INTO report_ticket_days AS r
        (level, utc_offset, day, agent_id, category, priority, {", ".join(COUNTERS)})
    SELECT * FROM unnest(
        CAST(:level AS smallint[]), CAST(:utc_offset AS smallint[]), CAST(:day AS date[]),
        CAST(:agent_id AS uuid[]), CAST(:category AS text[]), CAST(:priority AS smallint[]), {_COUNTER_ARRAYS})
    ON CONFLICT (level, utc_offset, day, agent_id, category, priority) DO UPDATE SET {_ADD_COUNTERS}
    """  # noqa: S608 - fixed column names
)
# Each histogram's counts travel as array text ('{1,0,2}'): unnest cannot return arrays of unequal length.
_UPSERT_DAY_DURATIONS = text(
    """
    INSERT INTO report_ticket_day_durations AS r
        (level, utc_offset, day, agent_id, category, priority, measure, lo, counts)
    SELECT level, utc_offset, day, agent_id, category, priority, measure, lo, CAST(counts AS int[]) FROM unnest(
        CAST(:level AS smallint[]), CAST(:utc_offset AS smallint[]), CAST(:day AS date[]),
        CAST(:agent_id AS uuid[]), CAST(:category AS text[]), CAST(:priority AS smallint[]),
        CAST(:measure AS smallint[]), CAST(:lo AS smallint[]), CAST(:counts AS text[]))
        AS d(level, utc_offset, day, agent_id, category, priority, measure, lo, counts)
    ON CONFLICT (level, utc_offset, day, agent_id, category, priority, measure) DO UPDATE SET
        lo = least(r.lo, excluded.lo),
        counts = report_add_bins(r.lo, r.counts, excluded.lo, excluded.counts)
    """
)
_FACTS = text("SELECT ticket_id, create_time, first_response_time FROM report_ticket_facts WHERE ticket_id = ANY(:ids)")
_STAFF_MESSAGES = text(
    "SELECT id FROM ticket_messages WHERE id = ANY(:ids) AND author_role IN ('agent', 'admin') AND NOT internal"
)
_SLA_OUTCOMES = text(
    "SELECT id, sla_policy_id IS NOT NULL OR resolution_due_time IS NOT NULL,"
    " first_response_sla = 2 OR resolution_sla = 2 FROM tickets WHERE id = ANY(:ids)"
)


def _upsert_counters(table: str, time: str) -> TextClause:
    """Adds counter deltas to the rows of an hour or quarter-hour table (`time` its time column)."""
    return text(
        f"""
        INSERT INTO {table} AS r (level, {time}, agent_id, category, priority, {", ".join(COUNTERS)})
        SELECT * FROM unnest(
            CAST(:level AS smallint[]), CAST(:at AS timestamptz[]), CAST(:agent_id AS uuid[]),
            CAST(:category AS text[]), CAST(:priority AS smallint[]), {_COUNTER_ARRAYS})
        ON CONFLICT (level, {time}, agent_id, category, priority) DO UPDATE SET {_ADD_COUNTERS}
        """  # noqa: S608 - fixed table and column names
    )


def _upsert_bins(table: str, time: str) -> TextClause:
    """Adds histogram bin counts to the rows of an hour or quarter-hour table (`time` its time column)."""
    return text(
        f"""
        INSERT INTO {table} AS r (level, {time}, agent_id, category, priority, measure, bin, count)
        SELECT * FROM unnest(
            CAST(:level AS smallint[]), CAST(:at AS timestamptz[]), CAST(:agent_id AS uuid[]),
            CAST(:category AS text[]), CAST(:priority AS smallint[]), CAST(:measure AS smallint[]),
            CAST(:bin AS smallint[]), CAST(:count AS int[]))
        ON CONFLICT (level, {time}, agent_id, category, priority, measure, bin) DO UPDATE SET
            count = r.count + excluded.count
        """  # noqa: S608 - fixed table and column names
    )


# The hourly rows, and their split in quarter-hours (zones of +5:30 and the like): counters and histogram bins.
_HOURS = ("report_ticket_hours", "report_ticket_durations", "hour")
_QUARTERS = ("report_ticket_quarters", "report_ticket_quarter_durations", "quarter")
_UPSERTS = {
    grain[2]: (_upsert_counters(grain[0], grain[2]), _upsert_bins(grain[1], grain[2])) for grain in (_HOURS, _QUARTERS)
}


def _fill(counters: str, bins: str, time: str) -> tuple[TextClause, TextClause]:
    """The statements filling the day rollups of one UTC offset from the rows of an hour or quarter-hour table."""
    local_day = f"CAST(({time} AT TIME ZONE 'UTC') + make_interval(mins => CAST(:offset AS smallint)) AS date)"
    days = f"""
        INSERT INTO report_ticket_days (level, utc_offset, day, agent_id, category, priority, created, resolved,
            reopened, backlog_delta, sla_met, sla_breached)
        SELECT level, CAST(:offset AS smallint), {local_day}, agent_id, category, priority, {_SUMS}
        FROM {counters} WHERE level = ANY(CAST(:levels AS smallint[]))
        GROUP BY level, 3, agent_id, category, priority
        """  # noqa: S608 - fixed table and column names
    day_durations = f"""
        INSERT INTO report_ticket_day_durations (level, utc_offset, day, agent_id, category, priority, measure, lo,
            counts)
        SELECT level, CAST(:offset AS smallint), day, agent_id, category, priority, measure, min(bin),
               report_dense_bins(array_agg(bin ORDER BY bin), array_agg(hits ORDER BY bin))
        FROM (SELECT level, {local_day} AS day, agent_id, category, priority, measure, bin,
                     CAST(sum(count) AS int) AS hits
              FROM {bins} WHERE level = ANY(CAST(:levels AS smallint[]))
              GROUP BY level, 2, agent_id, category, priority, measure, bin) AS per_bin
        GROUP BY level, day, agent_id, category, priority, measure
        """  # noqa: S608 - fixed table and column names
    return text(days), text(day_durations)


# A day of a whole-hour offset is whole hours; one of +5:30 starts and ends inside hours.
_FILLS = {grain[2]: _fill(*grain) for grain in (_HOURS, _QUARTERS)}
_UPSERT_BACKLOG = text(
    """
    INSERT INTO report_ticket_backlog AS r (agent_id, category, priority, open_count)
    SELECT * FROM unnest(CAST(:agent_id AS uuid[]), CAST(:category AS text[]), CAST(:priority AS smallint[]),
        CAST(:open_count AS int[]))
    ON CONFLICT (agent_id, category, priority) DO UPDATE SET open_count = r.open_count + excluded.open_count
    """
)
_UPSERT_FACTS = text(
    """
    INSERT INTO report_ticket_facts AS r (ticket_id, create_time, first_response_time)
    SELECT * FROM unnest(CAST(:ticket_id AS uuid[]), CAST(:create_time AS timestamptz[]),
        CAST(:first_response_time AS timestamptz[]))
    ON CONFLICT (ticket_id) DO UPDATE SET
        create_time = excluded.create_time, first_response_time = excluded.first_response_time
    """
)


def _columns(rows: Iterable[Sequence[Any]], names: Sequence[str]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {name: [] for name in names}
    for row in rows:
        for name, value in zip(names, row, strict=True):
            columns[name].append(value)
    return columns


# What the columns a day level sums over hold (`server.reports.fold`).
_SUMMED: dict[int, dict[str, Any]] = {
    WHOLE_DESK: {"agent_id": NO_AGENT, "category": "", "priority": 0},
    PER_AGENT: {"category": "", "priority": 0},
    PER_CATEGORY: {"agent_id": NO_AGENT, "priority": 0},
    PER_PRIORITY: {"agent_id": NO_AGENT, "category": ""},
}
# The days a report reads, with the bucket each belongs to (`_wanted_days`).
_WANTED_DAYS = (
    "unnest(CAST(:want_offsets AS smallint[]), CAST(:want_days AS date[]), CAST(:want_buckets AS int[]))"
    " AS want(utc_offset, day, bucket)"
)


def _wanted_days(days: Mapping[tuple[int, date], int]) -> dict[str, list[Any]]:
    return {
        "want_offsets": [offset for offset, _ in days],
        "want_days": [day for _, day in days],
        "want_buckets": list(days.values()),
    }


def _dense(bins: Mapping[int, int]) -> tuple[int, str]:
    """A histogram's first bin and its counts from there to the last, as PostgreSQL array text."""
    lo, hi = min(bins), max(bins)
    return lo, "{" + ",".join(str(bins.get(index, 0)) for index in range(lo, hi + 1)) + "}"


def rollup_level(group_by: str, scope: Scope) -> int:
    """The coarsest rollup level holding the rows of a breakdown within a scope."""
    if scope.category is not None or scope.priority is not None:
        return FINE
    if scope.agent_id is not None:
        return PER_AGENT if group_by in ("", "agent") else FINE
    return {"": WHOLE_DESK, "agent": PER_AGENT, "category": PER_CATEGORY, "priority": PER_PRIORITY}[group_by]


def _range_params(boundaries: Sequence[datetime]) -> dict[str, Any]:
    """The bound parameters of a query over a range: the bucket boundaries, the range's start and end."""
    return {"bounds": list(boundaries), "start": boundaries[0], "end": boundaries[-1]}


def _where(scope: Scope, params: dict[str, Any]) -> str:
    clauses = []
    if scope.agent_id is not None:
        clauses.append("agent_id = :agent_id")
        params["agent_id"] = scope.agent_id
    if scope.category is not None:
        clauses.append("category = :category")
        params["category"] = scope.category
    if scope.priority is not None:
        clauses.append("priority = :priority")
        params["priority"] = scope.priority
    return "".join(f" AND {clause}" for clause in clauses)


def _scoped(group_by: str, scope: Scope, params: dict[str, Any]) -> tuple[str, str]:
    """Binds the level of a breakdown within a scope; the breakdown's group column and the scope's conditions."""
    params["level"] = rollup_level(group_by, scope)
    return GROUP_COLUMNS[group_by], _where(scope, params)


def _days_query(
    columns: str,
    table: str,
    wanted: tuple[Mapping[tuple[int, date], int], str, Scope],
    *,
    keys: str = "want.bucket",
    tail: str = "",
) -> tuple[str, dict[str, Any]]:
    """A query of a day table's rows of local days ((UTC offset, date) -> bucket), in a breakdown (group by) and scope.

    Selects `keys`, the group value and `columns`.
    """
    days, group_by, scope = wanted
    params: dict[str, Any] = _wanted_days(days)
    group, where = _scoped(group_by, scope, params)
    statement = (
        f"SELECT {keys}, {group} AS grp, {columns} FROM {_WANTED_DAYS} JOIN {table} AS d"  # noqa: S608 - fixed column names, values bound
        f" ON d.level = :level AND d.utc_offset = want.utc_offset AND d.day = want.day{where}{tail}"
    )
    return statement, params


def _piece_query(
    columns: str,
    *,
    table: str,
    time: str,
    boundaries: Sequence[datetime],
    pieces: Sequence[tuple[datetime, datetime]],
    group_by: str,
    scope: Scope,
) -> tuple[str, dict[str, Any]]:
    """A query of the rows of an hour or quarter-hour table (`time` its time column) within `pieces` (UTC ranges).

    Selects the bucket of `boundaries` a row starts in, the group value and `columns`.
    """
    params: dict[str, Any] = {
        "bounds": list(boundaries),
        "starts": [start for start, _ in pieces],
        "ends": [end for _, end in pieces],
    }
    group, where = _scoped(group_by, scope, params)
    statement = (
        f"SELECT width_bucket({time}, CAST(:bounds AS timestamptz[])) AS bucket, {group} AS grp, {columns}"  # noqa: S608 - fixed column names, values bound
        " FROM unnest(CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[])) AS piece(s, e)"
        f" JOIN {table} ON {time} >= piece.s AND {time} < piece.e WHERE level = :level{where}"
    )
    return statement, params


class ReportRepository:
    """The rollup tables; what the figures mean is `server.reports`' business."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def read_one_snapshot(self) -> None:
        """Makes the rest of this transaction read one snapshot (call it first): sums and totals agree."""
        await self._session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))

    async def lock_cursor(self, *, name: str, wait: bool) -> CursorState | None:
        """The cursor, locked until the transaction ends; None if another transaction holds it and not `wait`."""
        statement = _LOCK_CURSOR if wait else _TRY_LOCK_CURSOR
        row = (await self._session.execute(statement, {"name": name})).one_or_none()
        return None if row is None else CursorState(int(row[0]), row[1])

    async def cursor(self, *, name: str) -> CursorState:
        """The cursor as committed."""
        row = (await self._session.execute(_READ_CURSOR, {"name": name})).one()
        return CursorState(int(row[0]), row[1], row[2])

    async def advance_cursor(self, *, name: str, position: int, data_time: datetime | None) -> None:
        """Moves the (locked) cursor to `position`."""
        await self._session.execute(_ADVANCE_CURSOR, {"name": name, "position": position, "data_time": data_time})

    async def facts(self, *, ticket_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, TicketFact]:
        """The remembered facts of those tickets that have them."""
        ids = list(set(ticket_ids))
        if not ids:
            return {}
        rows = await self._session.execute(_FACTS, {"ids": ids})
        return {row[0]: TicketFact(row[0], row[1], row[2]) for row in rows}

    async def staff_messages(self, *, message_ids: Iterable[uuid.UUID]) -> frozenset[uuid.UUID]:
        """Those of the messages (still existing) that are public replies of agents or administrators."""
        ids = list(set(message_ids))
        if not ids:
            return frozenset()
        return frozenset(row[0] for row in await self._session.execute(_STAFF_MESSAGES, {"ids": ids}))

    async def sla_outcomes(self, *, ticket_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, SlaOutcome]:
        """Whether each (still existing) ticket has SLA targets, and whether one was breached."""
        ids = list(set(ticket_ids))
        if not ids:
            return {}
        rows = await self._session.execute(_SLA_OUTCOMES, {"ids": ids})
        return {row[0]: SlaOutcome(bool(row[1]), bool(row[2])) for row in rows}

    async def apply(self, *, deltas: RollupDeltas) -> None:
        """Adds counter, histogram and backlog deltas to the rollups and stores new or changed facts."""
        counters = COUNTERS
        if deltas.days:
            rows = [(*key, *(values[name] for name in counters)) for key, values in deltas.days.items()]
            await self._session.execute(_UPSERT_DAYS, _columns(rows, (*DayKey._fields, *counters)))
        if deltas.day_durations:
            rows = [(*key, *_dense(bins)) for key, bins in deltas.day_durations.items()]
            await self._session.execute(
                _UPSERT_DAY_DURATIONS, _columns(rows, (*DayDurationKey._fields, "lo", "counts"))
            )
        group = ("level", "at", "agent_id", "category", "priority")
        for time, counts, bins in (
            ("hour", deltas.hours, deltas.durations),
            ("quarter", deltas.quarters, deltas.quarter_durations),
        ):
            upsert_counters, upsert_bins = _UPSERTS[time]
            if counts:
                rows = [(*key, *(values[name] for name in counters)) for key, values in counts.items()]
                await self._session.execute(upsert_counters, _columns(rows, (*group, *counters)))
            if bins:
                rows = [(*key, count) for key, count in bins.items()]
                await self._session.execute(upsert_bins, _columns(rows, (*group, "measure", "bin", "count")))
        changed = [(*group, delta) for group, delta in deltas.backlog.items() if delta]
        if changed:
            await self._session.execute(
                _UPSERT_BACKLOG, _columns(changed, ("agent_id", "category", "priority", "open_count"))
            )
        fact_rows = list(deltas.facts.values())
        if fact_rows:
            await self._session.execute(
                _UPSERT_FACTS, _columns(fact_rows, ("ticket_id", "create_time", "first_response_time"))
            )

    async def ticket_sums(self, *, boundaries: Sequence[datetime], group_by: str, scope: Scope) -> list[TicketSums]:
        """Counter sums per bucket of `boundaries` and group, from the first boundary on (bucket n+1: after)."""
        params: dict[str, Any] = {"bounds": list(boundaries), "start": boundaries[0]}
        group, where = _scoped(group_by, scope, params)
        statement = text(
            f"SELECT width_bucket(hour, CAST(:bounds AS timestamptz[])) AS bucket, {group} AS grp, {_SUMS}"  # noqa: S608 - fixed column names, values bound
            f" FROM report_ticket_hours WHERE level = :level AND hour >= :start{where} GROUP BY 1, 2"
        )
        return [
            TicketSums(*(row[:2]), *(int(value) for value in row[2:]))
            for row in await self._session.execute(statement, params)
        ]

    async def duration_stats(
        self, *, boundaries: Sequence[datetime], group_by: str, scope: Scope
    ) -> list[DurationStatsRow]:
        """Count and the bins of the median and the p90 (nearest rank) per bucket (0: the range), group, measure.

        The histograms are summed and ranked in PostgreSQL: a few rows come back, not every bin.
        """
        params = _range_params(boundaries)
        group, where = _scoped(group_by, scope, params)
        statement = text(
            f"""
            WITH bins AS (
                SELECT width_bucket(hour, CAST(:bounds AS timestamptz[])) AS bucket, {group} AS grp, measure, bin,
                       sum(count) AS hits
                FROM report_ticket_durations
                WHERE level = :level AND hour >= :start AND hour < :end{where}
                GROUP BY 1, 2, 3, 4),
            everything AS (
                SELECT bucket, grp, measure, bin, hits FROM bins
                UNION ALL
                SELECT 0, grp, measure, bin, sum(hits) FROM bins GROUP BY grp, measure, bin),
            ranked AS (
                SELECT bucket, grp, measure, bin,
                       sum(hits) OVER (PARTITION BY bucket, grp, measure ORDER BY bin) AS running,
                       sum(hits) OVER (PARTITION BY bucket, grp, measure) AS total
                FROM everything)
            SELECT bucket, grp, measure, CAST(max(total) AS bigint),
                   min(bin) FILTER (WHERE running >= ceil(0.5 * total)),
                   min(bin) FILTER (WHERE running >= ceil(0.9 * total))
            FROM ranked GROUP BY bucket, grp, measure
            """  # noqa: S608 - fixed column names, values bound
        )
        return [DurationStatsRow._make(row) for row in await self._session.execute(statement, params)]

    async def backlog_now(self, *, group_by: str, scope: Scope) -> dict[Any, int]:
        """Unresolved tickets now, per group value."""
        params: dict[str, Any] = {}
        group = GROUP_COLUMNS[group_by]
        statement = text(
            f"SELECT {group} AS grp, sum(open_count) FROM report_ticket_backlog WHERE true{_where(scope, params)}"  # noqa: S608 - fixed column names, values bound
            " GROUP BY 1"
        )
        return {row[0]: int(row[1]) for row in await self._session.execute(statement, params)}

    async def day_offsets(self) -> dict[int, bool]:
        """The UTC offsets (minutes) whose local days are asked for, and whether the rollup keeps them yet."""
        return {int(row[0]): bool(row[1]) for row in await self._session.execute(_DAY_OFFSETS)}

    async def request_day_offsets(self, *, offsets: Iterable[int]) -> None:
        """Asks the rollup job to keep the local days of these UTC offsets (minutes) too."""
        await self._session.execute(_REQUEST_OFFSETS, {"offsets": sorted(set(offsets))})

    async def fill_day_offset(self, *, offset: int) -> None:
        """Fills the days of a UTC offset from the rollups and marks it ready (call under the locked cursor).

        From the hourly rows for a whole-hour offset, else from the quarter-hour rows: from when
        they hold every change (`CursorState.quarters_since`) on, the days are exact.
        """
        params = {"offset": offset, "levels": list(DAY_LEVELS)}
        for statement in _FILLS["hour" if offset % 60 == 0 else "quarter"]:
            await self._session.execute(statement, params)
        await self._session.execute(_OFFSET_READY, {"offset": offset})

    async def offset_day_histograms(self, *, offset: int) -> list[RunningRow]:
        """Every day histogram of a UTC offset, series by series (level and group, measure), days in order."""
        rows = await self._session.execute(_OFFSET_DAY_HISTOGRAMS, {"offset": offset})
        return [RunningRow(row[0], offset, *row[1:]) for row in rows]

    async def running_from(self, *, series: Sequence[tuple[RunningSeries, date]]) -> list[list[RunningRow]]:
        """Per series: its running histogram of the latest day before `first`, and those of the days from `first` on."""
        if not series:
            return []
        names = (*RunningSeries._fields, "first")
        found: list[list[RunningRow]] = [[] for _ in series]
        for row in await self._session.execute(
            _RUNNING_FROM, _columns([(*key, first) for key, first in series], names)
        ):
            index = int(row[0]) - 1
            found[index].append(RunningRow(*series[index][0], row[1], row[2], row[3]))
        return found

    async def put_running(self, *, rows: Iterable[RunningRow]) -> None:
        """Stores running histograms (replacing those of the same series and day)."""
        text_rows = [(*row[:7], row.lo, "{" + ",".join(map(str, row.counts)) + "}") for row in rows]
        if text_rows:
            await self._session.execute(_PUT_RUNNING, _columns(text_rows, RunningRow._fields))

    async def _driver_rows(self, statement: str, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        # The hot reads of a report by agent (thousands of rows): run by the driver on this transaction's
        # connection, skipping SQLAlchemy's per-row work, which costs more than the query.
        compiled = DriverStatement.compile(text(statement))
        connection = await self._session.connection()
        driver: Any = (await connection.get_raw_connection()).driver_connection
        rows: Sequence[Sequence[Any]] = await driver.fetch(compiled.sql, *compiled.arguments(params))
        return rows

    async def day_sums(
        self, *, days: Mapping[tuple[int, date], int], group_by: str, scope: Scope
    ) -> Sequence[Sequence[Any]]:
        """Counter sums per bucket of local days ((UTC offset, date) -> bucket 1..n) and group value.

        Rows shaped as `TicketSums`: bucket, group value, the six counters.
        """
        # A day level holds one row per offset, day and group value: the buckets of days, summed.
        statement, params = _days_query(_SUMS, "report_ticket_days", (days, group_by, scope), tail=" GROUP BY 1, 2")
        return await self._driver_rows(statement, params)

    async def day_stats(
        self, *, days: Mapping[tuple[int, date], int], group_by: str, scope: Scope
    ) -> Sequence[Sequence[Any]]:
        """Count and percentile bins of local days ((UTC offset, date) -> bucket 1..n) per group value and measure.

        Rows: bucket, group value, measure, count, median bin, p90 bin (each day its own row).
        """
        statement, params = _days_query(
            "measure, hits, median_bin, p90_bin", "report_ticket_day_durations", (days, group_by, scope)
        )
        return await self._driver_rows(statement, params)

    async def day_histograms(
        self, *, days: Iterable[tuple[int, date]], group_by: str, scope: Scope
    ) -> list[DayHistogram]:
        """The histograms of these local days (UTC offset, date) per group and measure."""
        wanted = dict.fromkeys(sorted(set(days)), 0)
        if not wanted:
            return []
        statement, params = _days_query(
            "measure, lo, counts",
            "report_ticket_day_durations",
            (wanted, group_by, scope),
            keys="want.utc_offset, want.day",
        )
        return [DayHistogram._make(row) for row in await self._session.execute(text(statement), params)]

    async def running_at(
        self, *, points: Sequence[tuple[int, date]], series: Sequence[tuple[Any, int]], group_by: str, scope: Scope
    ) -> dict[tuple[int, int], tuple[int, list[int]]]:
        """Running histograms at each point (UTC offset, day) of each series (group value, measure).

        Keyed by (point index, series index); a series without durations up to a point has none.
        """
        if not points or not series:
            return {}
        level = rollup_level(group_by, scope)
        params: dict[str, Any] = {
            "level": level,
            "offsets": [offset for offset, _ in points],
            "days": [day for _, day in points],
            "groups": [group for group, _ in series],
            "measures": [measure for _, measure in series],
        }
        where = _where(scope, params).replace(" AND ", " AND r.")
        # The columns the level sums over hold one value: naming it lets the key's index find the latest day.
        for name, value in _SUMMED[level].items():
            if name not in params:
                where += f" AND r.{name} = :fixed_{name}"
                params[f"fixed_{name}"] = value
        column = GROUP_COLUMNS[group_by]
        # The level's other group columns hold their one summed value; no breakdown: one series per measure.
        same_group = f" AND r.{column} = k.grp" if group_by else ""
        group_type = {"": "text", "agent": "uuid", "category": "text", "priority": "smallint"}[group_by]
        statement = text(
            f"""
            SELECT p.i, k.i, r.lo, r.counts
            FROM unnest(CAST(:offsets AS smallint[]), CAST(:days AS date[])) WITH ORDINALITY AS p(utc_offset, day, i)
            CROSS JOIN unnest(CAST(:groups AS {group_type}[]), CAST(:measures AS smallint[]))
                WITH ORDINALITY AS k(grp, measure, i)
            CROSS JOIN LATERAL (
                SELECT lo, counts FROM report_ticket_day_running r
                WHERE r.level = :level AND r.utc_offset = p.utc_offset AND r.measure = k.measure{same_group}{where}
                    AND r.day <= p.day
                ORDER BY r.day DESC LIMIT 1) AS r
            """  # noqa: S608 - fixed column names, values bound
        )
        rows = await self._session.execute(statement, params)
        return {(int(row[0]) - 1, int(row[1]) - 1): (row[2], row[3]) for row in rows}

    async def piece_sums(
        self, *, boundaries: Sequence[datetime], stretches: Stretches, scope: Scope
    ) -> list[TicketSums]:
        """Counter sums of the hours and quarter-hours within `stretches`, per bucket of `boundaries` and group."""
        rows = await self._piece_rows(_SUMS, counters=True, keys=2, query=(boundaries, stretches, scope))
        return [TicketSums(*(row[:2]), *(int(value) for value in row[2:])) for row in rows]

    async def piece_bins(self, *, boundaries: Sequence[datetime], stretches: Stretches, scope: Scope) -> list[BinSums]:
        """Histogram bins of the hours and quarter-hours within `stretches`, summed per bucket, group and measure."""
        rows = await self._piece_rows(
            "measure, bin, CAST(sum(count) AS bigint)", counters=False, keys=4, query=(boundaries, stretches, scope)
        )
        return [BinSums._make(row) for row in rows]

    async def _piece_rows(
        self, columns: str, *, counters: bool, keys: int, query: tuple[Sequence[datetime], Stretches, Scope]
    ) -> list[Sequence[Any]]:
        # Bucket, group value, then `columns`, summed over the first `keys` columns: one statement per grain
        # read (the quarter-hours only in zones whose offset is not whole hours; a bucket sums both).
        boundaries, stretches, scope = query
        rows: list[Sequence[Any]] = []
        for grain, pieces in ((_HOURS, stretches.hours), (_QUARTERS, stretches.quarters)):
            if not pieces:
                continue
            statement, params = _piece_query(
                columns,
                table=grain[0] if counters else grain[1],
                time=grain[2],
                boundaries=boundaries,
                pieces=pieces,
                group_by=stretches.group_by,
                scope=scope,
            )
            statement += " GROUP BY " + ", ".join(str(index) for index in range(1, keys + 1))
            rows += await self._session.execute(text(statement), params)
        return rows

    async def display_names(self, *, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Display names of those users that exist."""
        ids = list(set(user_ids))
        if not ids:
            return {}
        rows = await self._session.execute(
            text("SELECT id, display_name FROM users WHERE id = ANY(:ids)"), {"ids": ids}
        )
        return {row[0]: row[1] for row in rows}

    async def chats_started(
        self, *, boundaries: Sequence[datetime], by_agent: bool, agent_id: uuid.UUID | None
    ) -> list[ChatRow]:
        """The chats started in the range, one row each, with its bucket (chats are not rolled up)."""
        params = _range_params(boundaries)
        where = _where(Scope(agent_id=agent_id), params)
        group = "agent_id" if by_agent else "NULL"
        statement = text(
            f"SELECT width_bucket(create_time, CAST(:bounds AS timestamptz[])), {group}, accept_time IS NOT NULL,"  # noqa: S608 - fixed column names, values bound
            " status = 'ended' AND accept_time IS NULL,"
            " extract(epoch FROM accept_time - create_time), extract(epoch FROM end_time - accept_time)"
            f" FROM chats WHERE create_time >= :start AND create_time < :end{where}"
        )
        return [ChatRow._make(row) for row in await self._session.execute(statement, params)]

    async def ticket_ratings(self, *, boundaries: Sequence[datetime], group_by: str, scope: Scope) -> list[RatingSums]:
        """Resolved or closed tickets by bucket of resolution, group and rating (None: not rated)."""
        params = _range_params(boundaries)
        group = {"agent": f"coalesce(assignee_id, '{NO_AGENT_TEXT}'::uuid)"}.get(group_by, GROUP_COLUMNS[group_by])
        where = _where(scope, params).replace("agent_id =", f"coalesce(assignee_id, '{NO_AGENT_TEXT}'::uuid) =")
        statement = text(
            f"SELECT width_bucket(resolve_time, CAST(:bounds AS timestamptz[])), {group}, rating, count(*)"  # noqa: S608 - fixed column names, values bound
            " FROM tickets WHERE resolve_time >= :start AND resolve_time < :end"
            f" AND status IN ('resolved', 'closed'){where} GROUP BY 1, 2, 3"
        )
        return [
            RatingSums(row[0], row[1], row[2], int(row[3])) for row in await self._session.execute(statement, params)
        ]

    async def chat_ratings(
        self, *, boundaries: Sequence[datetime], by_agent: bool, agent_id: uuid.UUID | None
    ) -> list[RatingSums]:
        """Ended chats an agent took, by bucket of their end, agent (if asked) and rating (None: not rated)."""
        params = _range_params(boundaries)
        where = _where(Scope(agent_id=agent_id), params)
        group = "agent_id" if by_agent else "NULL"
        statement = text(
            f"SELECT width_bucket(end_time, CAST(:bounds AS timestamptz[])), {group}, rating, count(*) FROM chats"  # noqa: S608 - fixed column names, values bound
            " WHERE status = 'ended' AND end_time >= :start AND end_time < :end AND agent_id IS NOT NULL"
            f"{where} GROUP BY 1, 2, 3"
        )
        return [
            RatingSums(row[0], row[1], row[2], int(row[3])) for row in await self._session.execute(statement, params)
        ]

    async def chats_accepted_between(
        self, *, start: datetime, end: datetime, agent_id: uuid.UUID | None
    ) -> list[tuple[uuid.UUID, datetime, datetime | None]]:
        """(agent, accept time, end time) of the chats active at some moment of [start, end]."""
        params: dict[str, Any] = {"start": start, "end": end}
        where = _where(Scope(agent_id=agent_id), params)
        statement = text(
            "SELECT agent_id, accept_time, end_time FROM chats WHERE accept_time IS NOT NULL AND accept_time <= :end"  # noqa: S608 - fixed column names, values bound
            f" AND (end_time IS NULL OR end_time >= :start){where}"
        )
        return [(row[0], row[1], row[2]) for row in await self._session.execute(statement, params)]


NO_AGENT_TEXT = "00000000-0000-0000-0000-000000000000"


class ChatRow(NamedTuple):
    """One chat of a chat report: its bucket, group value, whether accepted or missed, wait and duration (s)."""

    bucket: int
    group: Any
    accepted: bool
    missed: bool
    wait_seconds: float | None
    duration_seconds: float | None


class RatingSums(NamedTuple):
    """How many conversations of one bucket and group had one rating (None: not rated)."""

    bucket: int
    group: Any
    rating: int | None
    conversations: int
