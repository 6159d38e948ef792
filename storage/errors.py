"""What a failed database call means to a caller: the one place driver errors become domain errors."""

from __future__ import annotations

from domain.errors import Aborted, HelpdeskError, Unavailable
from storage.unavailable import as_unavailable

# SQLSTATEs meaning "a concurrent transaction won; re-read and retry".
_CONFLICT_STATES = frozenset({"40001", "40P01", "55P03"})  # serialization failure, deadlock, lock timeout
# SQLSTATEs meaning "the database cannot serve this right now".
_UNAVAILABLE_STATES = frozenset({"57014", "57P01", "57P02", "57P03", "53300", "08000", "08003", "08006"})


def _sqlstates(exc: BaseException) -> set[str]:
    states: set[str] = set()
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        state = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(state, str):
            states.add(state)
        orig = getattr(current, "orig", None)
        pending.extend([orig if isinstance(orig, BaseException) else None, current.__cause__, current.__context__])
    return states


def translate_database_error(exc: BaseException) -> HelpdeskError | None:
    """The domain error for a driver/pool failure (Unavailable, Aborted), or None for a bug."""
    if isinstance(exc, HelpdeskError):
        return exc
    states = _sqlstates(exc)
    if states & _CONFLICT_STATES:
        return Aborted("a concurrent change conflicted with this one; try again", reason="CONCURRENT_UPDATE")
    if states & _UNAVAILABLE_STATES:
        return Unavailable("the database is unavailable, try again shortly", reason="DATABASE_UNAVAILABLE")
    unavailable = as_unavailable(exc)
    if unavailable is not None:
        return Unavailable("the database is unavailable, try again shortly", reason="DATABASE_UNAVAILABLE")
    return None
