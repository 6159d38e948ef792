"""The round robin: of the agents below their limit, the one whose last automatic assignment is oldest."""

from __future__ import annotations

from collections.abc import Sequence

from storage.repositories.assignment import Candidate


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
