"""Stopping: each step awaited for a bounded time, and stream reads cut short.

A step's overrun or failure is logged, never raised, so the steps after it still run, in the
server's own stop and in the dev stack's stop around it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable

from server.core.errors import HelpdeskError

_log = logging.getLogger(__name__)

# How long a shutdown step may take (a flush, closing a pool) before the stop goes on without it.
STOP_STEP_SECONDS = 10.0


async def shutdown_step(what: str, step: Awaitable[object], *, seconds: float | None = None) -> None:
    """Awaits one shutdown step for at most `seconds`; an overrun or a failure is logged, never raised.

    `seconds` is STOP_STEP_SECONDS unless given; `math.inf` waits as long as the step takes.
    Not `asyncio.wait_for`: it waits for the cancelled step to finish, which is exactly what a stuck
    step never does.
    """
    seconds = STOP_STEP_SECONDS if seconds is None else seconds
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=None if math.isinf(seconds) else seconds)
    if not done:
        _log.warning("shutdown: %s did not finish within %.1fs; going on without it", what, seconds)
        task.cancel()
        return
    if not task.cancelled() and (error := task.exception()) is not None:
        _log.error("shutdown: stopping %s failed", what, exc_info=error)


class StreamReads:
    """The PostgreSQL reads of long-lived streams, which the stop cuts short and waits for.

    A stream waiting for events ends as soon as its subscription is closed; one inside a read
    would notice only once the read is over (a read waiting on a lock can take until the lock
    timeout), and grpc's own cancellation at the end of the grace period does not wait for the
    read to give its connection back. So `end` cancels every stream read in place (the stream then
    fails with the same resumable error as the streams that were waiting), refuses new ones, and
    `wait` returns once every read cut is over, its connection back in the pool or closed.
    """

    def __init__(self) -> None:
        # The tasks inside a read (how many reads deep), and those `end` cancelled.
        self._reading: dict[asyncio.Task[object], int] = {}
        self._cut: set[asyncio.Task[object]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._ending: Callable[[], HelpdeskError] | None = None

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[None]:
        """Marks the block as a stream's read: `end` cancels it, and the stream gets the ending error."""
        if self._ending is not None:
            raise self._ending()
        task = asyncio.current_task()
        assert task is not None
        self._reading[task] = self._reading.get(task, 0) + 1
        self._idle.clear()
        try:
            yield
        except asyncio.CancelledError:
            # Only `end`'s own cancellation becomes the ending error: one from anywhere else
            # (the client went away, grpc's stop) stays a cancellation.
            if self._ending is not None and task in self._cut:
                self._cut.discard(task)
                if task.uncancel() == 0:
                    raise self._ending() from None
            raise
        finally:
            depth = self._reading.pop(task) - 1
            if depth:
                self._reading[task] = depth
            else:
                self._cut.discard(task)
            if not self._reading:
                self._idle.set()

    def end(self, ending: Callable[[], HelpdeskError]) -> None:
        """Cuts every stream read short (each stream fails with `ending()`) and refuses new ones."""
        self._ending = ending
        for task in self._reading:
            if task not in self._cut:
                self._cut.add(task)
                task.cancel()

    async def wait(self) -> None:
        """Returns once no stream read is under way."""
        await self._idle.wait()
