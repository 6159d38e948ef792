"""Point reads of concurrent callers answered by one statement: one in flight, what comes meanwhile goes in the next.

Reading one row by key costs a call far more around the query than in it: a connection from the
pool, a round trip with its socket write, wake-up and read, and the driver's work on each side.
Under load, many calls want a row of the same table at the same moment. `CoalescedReads` sends
the first caller's key at once, together with the keys of every caller that gets there in the
same turn of the event loop, as one statement (`WHERE id = ANY($1)`); keys that come while
that statement is in flight wait for it to be answered and then leave together in the next.
An idle server sends each read alone, as before, with no wait.

Nothing about what a reader sees changes: each key is read by a statement sent after its caller
asked, so every write acknowledged before the request is in the answer, as with a read of its
own. A failure reaches every caller whose key was in the failed statement; a caller that stops
waiting (its deadline, a cancelled call) leaves the others' statement alone.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Generic, TypeVar

from storage.db import Database, ReadConnection

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")

# Keys of one statement at most: a bound on its array, and on how much one slow answer holds up.
MAX_KEYS = 256

Fetch = Callable[[ReadConnection, list[K]], Awaitable[Mapping[K, R]]]


class _Batch(Generic[K, R]):
    """The keys of one statement and the callers waiting on each."""

    __slots__ = ("waiters",)

    def __init__(self) -> None:
        self.waiters: dict[K, list[asyncio.Future[R | None]]] = {}

    def answer(self, rows: Mapping[K, R]) -> None:
        for key, futures in self.waiters.items():
            row = rows.get(key)
            for future in futures:
                if not future.done():
                    future.set_result(row)

    def fail(self, exc: BaseException) -> None:
        for futures in self.waiters.values():
            for future in futures:
                if future.done():
                    continue
                if isinstance(exc, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(exc)


class CoalescedReads(Generic[K, R]):
    """Reads rows by key, many callers' keys to a statement (`fetch` returns the rows found, by key)."""

    def __init__(self, database: Database, fetch: Fetch[K, R], *, max_keys: int = MAX_KEYS) -> None:
        self._database = database
        self._fetch = fetch
        self._max_keys = max_keys
        # Batches waiting for the one in flight (more than one only when one fills up).
        self._queued: collections.deque[_Batch[K, R]] = collections.deque()
        self._busy = False
        # The statement's task, held: the event loop keeps only a weak reference to it.
        self._running: set[asyncio.Task[None]] = set()

    async def get(self, key: K) -> R | None:
        """The row of `key`, or None if there is none; raises what the statement raised."""
        loop = asyncio.get_running_loop()
        queued = self._queued
        if queued and len(queued[-1].waiters) < self._max_keys:
            batch = queued[-1]
        else:
            batch = _Batch()
            queued.append(batch)
            if not self._busy:
                # Nothing in flight: the statement leaves once the callers ready in this turn have joined.
                self._busy = True
                # In a context of its own: a statement shared by many callers is none of theirs
                # (their call, deadline and identity stay with them).
                loop.call_soon(self._send_queued, context=contextvars.Context())
        future: asyncio.Future[R | None] = loop.create_future()
        waiters = batch.waiters.get(key)
        if waiters is None:
            batch.waiters[key] = [future]
        else:
            waiters.append(future)
        return await future

    def _send_queued(self) -> None:
        if not self._queued:
            self._busy = False
            return
        batch = self._queued.popleft()
        task = asyncio.get_running_loop().create_task(self._send(batch), name="coalesced-read")
        self._running.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        # The statement in flight is answered: the keys queued meanwhile leave now.
        self._running.discard(task)
        self._send_queued()

    async def _send(self, batch: _Batch[K, R]) -> None:
        try:
            async with self._database.read_connection() as connection:
                rows = await self._fetch(connection, list(batch.waiters))
        except BaseException as exc:
            batch.fail(exc)
            if not isinstance(exc, Exception):
                raise
        else:
            batch.answer(rows)
