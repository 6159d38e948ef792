"""The figures a report answers, as plain values (the servicer turns them into protobuf)."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from server.reports.histogram import REPRESENTATIVES, percentile

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class DurationStats:
    """Count, median and 90th percentile (seconds) of a histogram."""

    count: int = 0
    median: float = 0.0
    p90: float = 0.0

    @classmethod
    def of(cls, histogram: dict[int, int]) -> DurationStats:
        """The statistics of one histogram."""
        return cls(sum(histogram.values()), percentile(histogram, 0.5), percentile(histogram, 0.9))

    @classmethod
    def of_bins(cls, count: int, median_bin: int, p90_bin: int) -> DurationStats:
        """The statistics from the bins holding the median and the 90th percentile."""
        return _of_bins(count, median_bin, p90_bin)


# Reports by agent build thousands; the same count and bins recur from bucket to bucket.
@functools.lru_cache(maxsize=65536)
def _of_bins(count: int, median_bin: int, p90_bin: int) -> DurationStats:
    return DurationStats(count, REPRESENTATIVES[median_bin], REPRESENTATIVES[p90_bin])


@dataclass(frozen=True, slots=True)
class GroupLabel:
    """Which group a series is: the breakdown's value (agent id, category or priority), and a name for agents."""

    dimension: str
    agent_id: uuid.UUID | None = None
    agent_display_name: str = ""
    category: str = ""
    priority: int = 0


@dataclass(slots=True)
class TicketPoint:
    """Ticket figures of one bucket (or of the range)."""

    start_time: datetime
    created: int = 0
    resolved: int = 0
    reopened: int = 0
    backlog: int = 0
    sla_met: int = 0
    sla_breached: int = 0
    first_response: DurationStats = DurationStats()
    resolution: DurationStats = DurationStats()


@dataclass(slots=True)
class ChatPoint:
    """Chat figures of one bucket (or of the range)."""

    start_time: datetime
    started: int = 0
    accepted: int = 0
    missed: int = 0
    wait: dict[int, int] = field(default_factory=dict)
    duration: dict[int, int] = field(default_factory=dict)


@dataclass(slots=True)
class Ratings:
    """Ratings of one kind of conversation: eligible conversations and the count of each rating 1-5."""

    eligible: int = 0
    distribution: list[int] = field(default_factory=lambda: [0] * 5)

    @property
    def responses(self) -> int:
        """Ratings given."""
        return sum(self.distribution)

    @property
    def average(self) -> float:
        """Average rating; 0 without any."""
        responses = self.responses
        return sum((i + 1) * n for i, n in enumerate(self.distribution)) / responses if responses else 0.0

    def add(self, other: Ratings) -> None:
        """Adds another's counts."""
        self.eligible += other.eligible
        self.distribution = [a + b for a, b in zip(self.distribution, other.distribution, strict=True)]


@dataclass(slots=True)
class SatisfactionPoint:
    """Ticket and chat ratings of one bucket (or of the range)."""

    start_time: datetime
    tickets: Ratings = field(default_factory=Ratings)
    chats: Ratings = field(default_factory=Ratings)


@dataclass(slots=True)
class LoadPoint:
    """An agent's open tickets and active chats at the end of a bucket (or now)."""

    start_time: datetime
    open_tickets: int = 0
    active_chats: int = 0


@dataclass(slots=True)
class Series(Generic[P]):
    """One group's points, one per bucket, and its figures over the whole range."""

    group: GroupLabel
    points: list[P]
    total: P


@dataclass(frozen=True, slots=True)
class Report(Generic[P]):
    """A report: the range after rounding, the series, and how far the figures go (ticket reports)."""

    start_time: datetime
    end_time: datetime
    series: list[Series[P]]
    data_time: datetime | None = None
