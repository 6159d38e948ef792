"""The round robin: of the agents below their limit, the one whose last automatic assignment is oldest."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from storage.repositories.assignment import Candidate

_log = logging.getLogger(__name__)


def next_in_turn(candidates: Sequence[Candidate]) -> Candidate | None:
    """The agent to get the next piece of work, or None when everyone is at their limit."""
    room = [candidate for candidate in candidates if candidate.load < candidate.limit]
    if not room:
        return None
    # Agents never assigned anything (turn 0) go first, in a fixed order (their id).
    return min(room, key=lambda candidate: (candidate.last_turn, candidate.user_id))


def room_left(candidates: Sequence[Candidate]) -> int:
    """How many more pieces of work the candidates can take in all."""
    return sum(max(0, candidate.limit - candidate.load) for candidate in candidates)


def took(candidate: Candidate, *, turn: int) -> None:
    """Records, for the rest of a batch, that `candidate` got one piece of work at `turn`."""
    candidate.load += 1
    candidate.last_turn = turn


async def drain(batch: Callable[[], Awaitable[tuple[int, bool]]], *, what: str) -> int:
    """Runs `batch` (one transaction: how many it handed out, whether more may wait) until none waits.

    Returns how many were handed out in all. Each batch holds the assignment lock only until it
    commits, so agents accepting work by hand never wait behind a long backlog.
    """
    total = 0
    while True:
        handed_out, more = await batch()
        total += handed_out
        if not more:
            if total:
                _log.info("handed %d waiting %s to agents automatically", total, what)
            return total


async def drain_after_commit(batch: Callable[[], Awaitable[tuple[int, bool]]], *, what: str) -> None:
    """`drain`, run after a caller's commit: a failure is logged, and the periodic sweep tries again."""
    try:
        await drain(batch, what=what)
    except Exception:  # noqa: BLE001 - runs after the caller's commit; the sweep retries
        _log.exception("automatic assignment of %s failed", what)
