"""The time SLA bookkeeping reads: the system clock, or one a test moves by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

# Returns the current instant as an aware UTC datetime.
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The system's current time in UTC."""
    return datetime.now(UTC)
