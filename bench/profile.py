"""Load profiles: how hard, how long and through how many connections a scenario is driven."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

# `--quick` (smoke tests, a first look) shortens every profile to these.
QUICK_WARMUP_S = 0.5
QUICK_DURATION_S = 2.0


@dataclass(frozen=True, slots=True)
class LoadProfile:
    """Closed-loop load: `concurrency` callers, each issuing its next call when the last one returns."""

    concurrency: int
    # Callers are spread round-robin over this many channels (each its own HTTP/2 connection).
    channels: int
    warmup_s: float
    duration_s: float
    # Client processes the callers are split over (each runs its own event loop).
    processes: int = 1
    # Deadline of every call; a call that misses it counts as a DEADLINE_EXCEEDED error.
    call_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.channels < 1 or self.processes < 1:
            raise ValueError("concurrency, channels and processes must be at least 1")
        if self.processes > self.concurrency:
            raise ValueError("cannot have more client processes than callers")
        if self.warmup_s < 0 or self.duration_s <= 0:
            raise ValueError("warm-up must be >= 0 and duration > 0")

    def with_overrides(
        self,
        *,
        concurrency: int | None = None,
        channels: int | None = None,
        warmup_s: float | None = None,
        duration_s: float | None = None,
        processes: int | None = None,
    ) -> LoadProfile:
        """Returns a copy with every given (non-None) setting replaced."""
        return dataclasses.replace(
            self,
            concurrency=self.concurrency if concurrency is None else concurrency,
            channels=self.channels if channels is None else channels,
            warmup_s=self.warmup_s if warmup_s is None else warmup_s,
            duration_s=self.duration_s if duration_s is None else duration_s,
            processes=self.processes if processes is None else processes,
        )

    def quick(self) -> LoadProfile:
        """The same load, over a much shorter warm-up and window."""
        return dataclasses.replace(
            self,
            warmup_s=min(self.warmup_s, QUICK_WARMUP_S),
            duration_s=min(self.duration_s, QUICK_DURATION_S),
        )

    def label(self) -> str:
        """Short human description, e.g. `c=32 ch=4 10s`."""
        procs = f" p={self.processes}" if self.processes > 1 else ""
        return f"c={self.concurrency} ch={self.channels}{procs} {self.duration_s:g}s"
