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

A statement that PostgreSQL never answers (a lost connection, a stopped backend) ends at the
connection's command timeout, as any read does, with the same error (Unavailable) for every
caller still waiting; each caller's own deadline ends its wait sooner. The statement runs in a
task of its own, which no caller's deadline bounds, so a read there would arm (and cancel)
asyncpg's timer for every statement: on an idle server, for every call. The statements go one at
a time, so instead one loop timer watches whichever is in flight: armed when a statement starts
and none is, it looks again at the moment the oldest could time out, ends the statement then in
flight if it has outlasted the timeout, else waits for that one's moment.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Generic, TypeVar

from storage.db import Database, ReadConnection, bound_shared_reads

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
        # The statement in flight: its task and when its command timeout passes (loop clock).
        self._reading: asyncio.Task[None] | None = None
        self._times_out_at: float | None = None
        # Whether the watch ended the statement in flight (its cancellation is a timeout).
        self._timed_out = False
        # The one timer watching the statements (None: not armed).
        self._watch: asyncio.TimerHandle | None = None

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
                rows = await self._fetch_watched(connection, list(batch.waiters))
        except BaseException as exc:
            batch.fail(exc)
            if not isinstance(exc, Exception):
                raise
        else:
            batch.answer(rows)

    async def _fetch_watched(self, connection: ReadConnection, keys: list[K]) -> Mapping[K, R]:
        """`fetch`, ended by the watch (TimeoutError) if it outlasts the connection's command timeout."""
        times_out_at = bound_shared_reads(connection)
        if times_out_at is None:
            return await self._fetch(connection, keys)
        reading = asyncio.current_task()
        assert reading is not None  # `_send`'s task
        self._reading = reading
        self._times_out_at = times_out_at
        self._timed_out = False
        if self._watch is None:
            self._watch = asyncio.get_running_loop().call_at(times_out_at, self._look)
        try:
            return await self._fetch(connection, keys)
        except asyncio.CancelledError as exc:
            if not self._timed_out:
                raise
            # The watch's cancellation: taken back, and raised as the timeout asyncpg's timer would raise.
            self._timed_out = False
            reading.uncancel()
            raise TimeoutError("a coalesced read outlasted the connection's command timeout") from exc
        finally:
            self._reading = None
            self._times_out_at = None

    def _look(self) -> None:
        """The watch: ends the statement in flight if its command timeout passed, else waits for its moment."""
        self._watch = None
        times_out_at = self._times_out_at
        if times_out_at is None or self._reading is None:
            # Nothing in flight: the next statement arms the watch again.
            return
        loop = asyncio.get_running_loop()
        if loop.time() < times_out_at:
            self._watch = loop.call_at(times_out_at, self._look)
            return
        self._timed_out = True
        self._reading.cancel()
