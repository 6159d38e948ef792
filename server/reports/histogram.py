"""A fixed log-scale histogram of durations, mergeable by adding counts bin by bin.

Durations are counted in whole seconds. Below `LINEAR_LIMIT` seconds each second has its own
bin (exact); above, each doubling of the duration has `BINS_PER_DOUBLING` bins of equal ratio
(2 ** (1/16) ≈ 1.044), so a bin's geometric middle is within 2.2% of anything in it. A
percentile is the middle of the bin holding the exact percentile (nearest rank), hence within
2.2% of it (exact below 16 s). The last bin holds everything from about 17 years on.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate
from operator import add

LINEAR_LIMIT = 16
BINS_PER_DOUBLING = 16
# 16 s * 2 ** 25 is about 17 years: more than any ticket stays open.
MAX_BIN = LINEAR_LIMIT + 25 * BINS_PER_DOUBLING


def bin_of(seconds: float) -> int:
    """The bin of a duration (negative durations, from clock skew, count as zero)."""
    whole = max(0, math.floor(seconds))
    if whole < LINEAR_LIMIT:
        return whole
    index = LINEAR_LIMIT + math.floor(BINS_PER_DOUBLING * math.log2(whole / LINEAR_LIMIT))
    # Guard the float edge: a whole number of seconds at a bin's lower bound belongs to that bin.
    while index > LINEAR_LIMIT and whole < lower_bound(index):
        index -= 1
    while index < MAX_BIN and whole >= lower_bound(index + 1):
        index += 1
    return min(index, MAX_BIN)


def lower_bound(index: int) -> float:
    """The smallest duration (seconds) of a bin."""
    if index < LINEAR_LIMIT:
        return float(index)
    return LINEAR_LIMIT * 2 ** ((index - LINEAR_LIMIT) / BINS_PER_DOUBLING)


def representative(index: int) -> float:
    """The value reported for a bin: exact in the linear bins, the geometric middle above."""
    if index < LINEAR_LIMIT:
        return float(index)
    return LINEAR_LIMIT * 2 ** ((index - LINEAR_LIMIT + 0.5) / BINS_PER_DOUBLING)


def merge(histograms: Iterable[Mapping[int, int]]) -> dict[int, int]:
    """The sum of several histograms."""
    total: dict[int, int] = {}
    for histogram in histograms:
        for index, count in histogram.items():
            total[index] = total.get(index, 0) + count
    return total


def percentile(histogram: Mapping[int, int], fraction: float) -> float:
    """The nearest-rank percentile (0 < fraction <= 1) as a bin's representative; 0 when empty."""
    count = sum(histogram.values())
    if count == 0:
        return 0.0
    rank = max(1, math.ceil(fraction * count))
    seen = 0
    for index in sorted(histogram):
        seen += histogram[index]
        if seen >= rank:
            return representative(index)
    raise AssertionError("unreachable: the ranks add up to the count")


def add_into(total: list[int], lo: int, counts: Sequence[int]) -> None:
    """Adds a histogram given as counts from bin `lo` on into `total` (indexed by bin, MAX_BIN + 1 long)."""
    end = lo + len(counts)
    total[lo:end] = map(add, total[lo:end], counts)


def ranked(lo: int, counts: Sequence[int]) -> tuple[int, int, int]:
    """Count and the bins of the median and the 90th percentile (nearest rank) of counts from bin `lo` on.

    The ranks are ceil(0.5 n) and ceil(0.9 n) in integers; the histogram must not be empty.
    """
    running = list(accumulate(counts))
    total = running[-1]
    return total, lo + bisect_left(running, (total + 1) // 2), lo + bisect_left(running, (9 * total + 9) // 10)


# Each bin's representative, looked up by index.
REPRESENTATIVES = tuple(representative(index) for index in range(MAX_BIN + 1))
