"""Running histograms: per series (level, UTC offset, group, measure), the sum of its day histograms up to each day.

A run of consecutive local days of one offset (a week, a whole range) is the running histogram of
its last day minus that of the day before its first: two rows, however long the run. A series has
a row for each day it has durations on; the running histogram at a day without one is that of the
latest day before it. The fold adds each batch's day deltas to the rows of their days and every
later one (in practice none: changes are folded in commit order, so their days are the latest).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from operator import add

from server.reports.histogram import MAX_BIN, add_into
from storage.repositories.reports import DayDurationKey, RunningRow, RunningSeries


def trimmed(histogram: Sequence[int]) -> tuple[int, list[int]]:
    """A histogram indexed by bin (not all zero) as its first non-zero bin and the counts from there to the last."""
    lo = next(index for index, count in enumerate(histogram) if count)
    hi = len(histogram) - next(index for index, count in enumerate(reversed(histogram)) if count)
    return lo, list(histogram[lo:hi])


def running_of_days(days: Iterable[RunningRow]) -> list[RunningRow]:
    """The running rows of day histograms given series by series, days in order."""
    rows: list[RunningRow] = []
    series: tuple[object, ...] | None = None
    total: list[int] = []
    for day in days:
        key = tuple(day[:6])
        if key != series:
            series, total = key, [0] * (MAX_BIN + 1)
        add_into(total, day.lo, day.counts)
        rows.append(RunningRow(*day[:6], day.day, *trimmed(total)))
    return rows


def changed_series(
    deltas: Mapping[DayDurationKey, Mapping[int, int]],
) -> dict[RunningSeries, dict[date, Mapping[int, int]]]:
    """A batch's day histogram deltas by series, then day."""
    by_series: dict[RunningSeries, dict[date, Mapping[int, int]]] = {}
    for key, bins in deltas.items():
        series = RunningSeries(key.level, key.utc_offset, key.agent_id, key.category, key.priority, key.measure)
        by_series.setdefault(series, {})[key.day] = bins
    return by_series


def advanced(
    changed: Mapping[date, Mapping[int, int]], stored: Sequence[RunningRow], *, series: RunningSeries
) -> list[RunningRow]:
    """The new running rows of one series from its first changed day on.

    `stored` holds its rows from the latest day before the first changed one (if any) on, in day
    order; each row from the first changed day on becomes its stored value (or, for a day without
    a row yet, the previous day's) plus every delta up to that day.
    """
    days = changed
    first = min(days)
    previous = [0] * (MAX_BIN + 1)
    later: dict[date, RunningRow] = {}
    for row in stored:
        if row.day < first:
            previous = [0] * (MAX_BIN + 1)
            add_into(previous, row.lo, row.counts)
        else:
            later[row.day] = row
    added = [0] * (MAX_BIN + 1)
    rows: list[RunningRow] = []
    for day in sorted(later.keys() | days.keys()):
        for index, count in days.get(day, {}).items():
            added[index] += count
        if day in later:
            previous = [0] * (MAX_BIN + 1)
            add_into(previous, later[day].lo, later[day].counts)
        rows.append(RunningRow(*series, day, *trimmed(list(map(add, previous, added)))))
    return rows
