"""How many streams (chat, queue, ticket watches) one user may hold open on this process at once.

Every open stream costs the server a task, a bounded inbox and a fan-out registration; without a
cap, one account (a buggy client reconnecting in a loop, or a script) could hold thousands. The
count is per process: behind several replicas a user may hold up to the limit on each, which
still bounds what any one process spends on them.
"""

from __future__ import annotations

import collections
import contextlib
import uuid
from collections.abc import Iterator
from datetime import timedelta

from server.core.errors import ResourceExhausted

# A slot frees as soon as one of the user's streams ends; a client has nothing to wait for
# beyond closing one, so the hint only keeps a reconnect loop from spinning.
RETRY_AFTER = timedelta(seconds=1)
REASON = "TOO_MANY_STREAMS"


class StreamSlots:
    """Counts open streams per user and refuses one beyond `per_user` with RESOURCE_EXHAUSTED."""

    def __init__(self, *, per_user: int, kind: str = "chat") -> None:
        if per_user < 1:
            raise ValueError("per_user must be at least 1")
        self._per_user = per_user
        self._kind = kind
        self._open: collections.Counter[uuid.UUID] = collections.Counter()

    @property
    def per_user(self) -> int:
        """The configured limit."""
        return self._per_user

    def open_streams(self, user_id: uuid.UUID) -> int:
        """How many streams `user_id` holds on this process now."""
        return self._open[user_id]

    @contextlib.contextmanager
    def hold(self, user_id: uuid.UUID) -> Iterator[None]:
        """Takes one of the user's slots for the duration of the block, or raises ResourceExhausted."""
        # Check and increment without an await in between: the event loop cannot interleave them.
        if self._open[user_id] >= self._per_user:
            raise ResourceExhausted(
                f"too many open {self._kind} streams for this user (at most {self._per_user}); close one and retry",
                retry_after=RETRY_AFTER,
                reason=REASON,
                metadata={"limit": str(self._per_user)},
            )
        self._open[user_id] += 1
        try:
            yield
        finally:
            self._open[user_id] -= 1
            if self._open[user_id] <= 0:
                del self._open[user_id]
