"""Latency percentiles and medians, computed the same way everywhere in the report."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in [0, 1]) of already sorted values; NaN when empty.

    Nearest rank never interpolates: p99.9 of fewer than 1,000 samples is simply the slowest one.
    """
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def sample_percentile(samples: list[float], fraction: float) -> float:
    """The sample at rank round(fraction x n) of the unsorted `samples`; NaN when there are none.

    Rounded, not `percentile`'s ceiling: the chat and watch benchmarks' published figures were
    computed this way.
    """
    if not samples:
        return math.nan
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


@dataclass(frozen=True, slots=True)
class LatencySummary:
    """Latency distribution of the successful calls of one measurement, in milliseconds."""

    samples: int
    mean_ms: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float

    @classmethod
    def of(cls, latencies_s: Sequence[float]) -> LatencySummary:
        """Summarises latencies given in seconds."""
        ordered = sorted(latencies_s)
        as_ms = [value * 1000.0 for value in ordered]
        return cls(
            samples=len(as_ms),
            mean_ms=statistics.fmean(as_ms) if as_ms else math.nan,
            p50_ms=percentile(as_ms, 0.50),
            p90_ms=percentile(as_ms, 0.90),
            p99_ms=percentile(as_ms, 0.99),
            p999_ms=percentile(as_ms, 0.999),
            max_ms=as_ms[-1] if as_ms else math.nan,
        )


def median(values: Sequence[float]) -> float:
    """Median ignoring NaNs; NaN when nothing is left."""
    kept = [value for value in values if not math.isnan(value)]
    return statistics.median(kept) if kept else math.nan


def spread_percent(values: Sequence[float]) -> float:
    """(max - min) / median, in percent: how much the runs disagree."""
    kept = [value for value in values if not math.isnan(value)]
    if len(kept) < 2:
        return 0.0 if kept else math.nan
    middle = statistics.median(kept)
    return 100.0 * (max(kept) - min(kept)) / middle if middle else math.nan
