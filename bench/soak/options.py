"""What a soak may be told: duration, rate, width; where its report goes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parents[1] / "results"

CALL_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class SoakOptions:
    """How long, how hard and how wide a soak runs."""

    duration_s: float = 1200.0
    window_s: float = 30.0
    warmup_s: float = 60.0
    # Calls per second for the whole mix; None = measure capacity and use `load_fraction` of it.
    rate: float | None = None
    load_fraction: float = 0.6
    capacity_s: float = 10.0
    capacity_concurrency: int = 32
    streams: int = 200
    chats: int = 50
    tickets: int = 20_000
    articles: int = 5_000
    max_in_flight: int = 1_000
    # How long the streams get to deliver what was sent before the end, after the load stops.
    drain_s: float = 30.0
    channels: int = 4
    results_dir: Path | None = RESULTS_DIR
    # Print each window as it closes.
    verbose: bool = True
