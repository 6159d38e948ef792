"""One stream's bounded inbox: what keeps a slow consumer from growing the server's memory."""

from __future__ import annotations

import asyncio

from server.core.errors import HelpdeskError, Unavailable

# A fresh snapshot request for queue watchers (not an event of the API).
RESYNC = object()
_CLOSED = object()


class Subscription:
    """One stream's bounded inbox of events (`ChatEvent`, `QueueEvent`, `TicketChange` or `RESYNC`)."""

    def __init__(self, *, capacity: int, resume_field: str = "after_seq") -> None:
        self._resume_field = resume_field
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize=capacity + 1)
        self._capacity = capacity
        self.error: HelpdeskError | None = None

    def offer(self, item: object) -> None:
        """Queues an item; a full inbox closes the subscription as a slow consumer."""
        if self.error is not None:
            return
        if self._queue.qsize() >= self._capacity:
            self.close(
                Unavailable(
                    f"the client does not read its stream fast enough; reconnect with {self._resume_field}",
                    reason="SLOW_CONSUMER",
                )
            )
            return
        self._queue.put_nowait(item)

    def close(self, error: HelpdeskError) -> None:
        """Ends the subscription: what is queued is dropped and the reader gets `error`."""
        if self.error is not None:
            return
        self.error = error
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(_CLOSED)

    async def next(self, *, wait_seconds: float) -> object | None:
        """The next item, or None after `wait_seconds` without one; raises the closing error."""
        if self.error is not None:
            raise self.error
        try:
            item = await asyncio.wait_for(self._queue.get(), wait_seconds)
        except TimeoutError:
            return None
        if item is _CLOSED:
            assert self.error is not None
            raise self.error
        return item
