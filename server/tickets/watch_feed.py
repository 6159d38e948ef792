"""Per-process feed of committed ticket changes to local WatchTickets streams, woken through Redis.

PostgreSQL is the truth: the change log (`ticket_changes`) has gap-free, commit-ordered
positions, so "every change after position n" is one indexed read, and this process delivers
the log to its streams strictly in order by reading it after the last position it delivered.
Redis only says "something committed" (the position, published after commit); the writer's own
process is woken directly. One subscriber task per process listens; if Redis is unreachable, a
poller reads the log every `chat_fallback_poll_seconds` (and, as a safety net, every
`chat_safety_poll_seconds` while Redis is healthy), so delivery goes on, slower, and recovers
when Redis returns. One read per batch of changes serves every stream of the process: the
tickets and messages are read once and each stream only filters. A process without streams
reads nothing: its feed starts from the log's head when its first stream comes.

The feed also prunes the log: rows older than `ticket_change_retention_seconds`, about hourly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from helpdesk.v1 import ticket_change_pb2
from server.core.errors import HelpdeskError, Unavailable
from server.core.metrics import Metrics
from server.core.subscription import Subscription
from server.settings import Settings
from server.shutdown import StreamReads
from server.tickets.held import HeldTickets
from storage.db import Database
from storage.redis import RedisUnavailable
from storage.redis.ticket_wakeups import TicketWakeups
from storage.repositories.ticket_changes import ChangeRecord
from storage.repositories.ticket_records import MessageRecord, TicketRecord
from storage.unit_of_work import UnitOfWork

_log = logging.getLogger(__name__)

# How many changes one read of the log takes at a time.
READ_BATCH = 500
RECONNECT_DELAY_SECONDS = 0.5
PRUNE_INTERVAL_SECONDS = 3600.0


def _stopping() -> Unavailable:
    return Unavailable("the server is shutting down; reconnect with after_cursor", reason="SERVER_STOPPING")


@dataclass(slots=True, eq=False)
class ResolvedChange:
    """A logged change with the ticket and message as they were read for delivery.

    `views` caches the stream element built for each audience, so that a change delivered to
    many streams is converted once per (staff, matches_filter), not once per stream.
    """

    change: ChangeRecord
    ticket: TicketRecord | None
    message: MessageRecord | None
    views: dict[tuple[bool, bool], ticket_change_pb2.TicketChange] = field(default_factory=dict)


async def read_changes(uow: UnitOfWork, *, after: int, limit: int) -> list[ResolvedChange]:
    """Up to `limit` changes after position `after`, in order, with their tickets and messages as they are now.

    `uow` must be fresh: the three reads share one snapshot.
    """
    await uow.ticket_changes.read_one_snapshot()
    changes = await uow.ticket_changes.list_after(position=after, limit=limit)
    if not changes:
        return []
    tickets = await uow.ticket_changes.tickets(ticket_ids=[c.ticket_id for c in changes if c.kind != "deleted"])
    messages = await uow.ticket_changes.messages(
        message_ids=[c.message_id for c in changes if c.message_id is not None]
    )
    return [
        ResolvedChange(
            change=c,
            ticket=tickets.get(c.ticket_id),
            message=None if c.message_id is None else messages.get(c.message_id),
        )
        for c in changes
    ]


class TicketChangeFeed:
    """Delivers committed ticket changes, in log order, to this process's WatchTickets streams."""

    def __init__(
        self,
        *,
        settings: Settings,
        database: Database,
        publisher: Redis,
        metrics: Metrics,
        held: HeldTickets | None = None,
    ) -> None:
        self._settings = settings
        # The replica's held GetTicket rows: told of every change before its ack (server.tickets.held).
        self._held = held
        self._changes_read = metrics.ticket_feed_changes
        self._redis_errors = metrics.redis_errors.labels(component="tickets")
        self._database = database
        self._wakeups = TicketWakeups(
            settings.redis_url, publisher=publisher, origin=uuid.uuid4().hex[:12], on_failure=self._publish_failed
        )
        # Each stream's inbox and what it wants: a change goes only to the streams it concerns, so
        # a change wakes its few viewers, not every stream of the process.
        self._watchers: dict[Subscription, Callable[[ResolvedChange], bool]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()
        self._resync = asyncio.Lock()
        # The last position delivered to local streams; None while there are none (nothing is read).
        self.delivered: int | None = None
        self.redis_healthy = False
        # Stream replays share half of the connection pool: a reconnect storm (a replica
        # restarted, 1,000 streams coming back) queues here instead of starving unary calls.
        self._read_slots = asyncio.Semaphore(max(2, settings.db_pool_size // 2))
        self._stream_reads = StreamReads()

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[UnitOfWork]:
        """A short read-only unit of work for streams, within the streams' share of the pool."""
        async with self._read_slots, self._database.unit_of_work() as uow:
            yield uow

    @contextlib.asynccontextmanager
    async def stream_reading(self) -> AsyncIterator[UnitOfWork]:
        """`reading` for a stream's own reads: the stop cuts them short (the stream ends SERVER_STOPPING)."""
        async with self._stream_reads.read(), self.reading() as uow:
            yield uow

    @property
    def stream_count(self) -> int:
        """Open WatchTickets streams of this process."""
        return len(self._watchers)

    async def start(self) -> None:
        """Starts the delivery loop, the Redis subscriber, the PostgreSQL poller and the pruner."""
        self._tasks = [
            asyncio.create_task(self._deliver(), name="ticket-feed-deliver"),
            asyncio.create_task(self._listen(), name="ticket-feed-listen"),
            asyncio.create_task(self._poll(), name="ticket-feed-poll"),
            asyncio.create_task(self._prune(), name="ticket-feed-prune"),
        ]

    def end_streams(self) -> None:
        """Ends every local stream at once (UNAVAILABLE: clients resume elsewhere with their cursor).

        Streams waiting for changes are woken; those inside a read have the read cut short.
        """
        closing = _stopping()
        for watcher in list(self._watchers):
            watcher.close(closing)
        self._stream_reads.end(_stopping)

    async def stop(self) -> None:
        """Stops the background tasks and ends any stream still open."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self.end_streams()
        # The reads cut short have given their connections back before the pool closes.
        await self._stream_reads.wait()

    async def close(self) -> None:
        """Closes the subscriber's Redis client (after `stop`)."""
        await self._wakeups.close()

    # --- waking (after commit) --------------------------------------------------------------

    async def committed(self, position: int, ticket_ids: Collection[uuid.UUID] | None = None) -> None:
        """A change committed here: deliver it locally now, and wake the other replicas through Redis (soon).

        Its tickets' held rows go first, everywhere (`tickets_changed`): the caller acknowledges the change next.
        """
        await self.tickets_changed(ticket_ids)
        self._wake.set()
        self._wakeups.wake(position)

    async def tickets_changed(self, ticket_ids: Collection[uuid.UUID] | None) -> None:
        """Tickets changed (None: all): their held rows are dropped here at once and announced to the others."""
        if self._held is not None:
            await self._held.changed(ticket_ids)

    def _publish_failed(self, error: RedisUnavailable) -> None:
        # The changes are committed; other replicas find them by polling PostgreSQL.
        self._redis_errors.inc()
        _log.warning("ticket feed: publishing to Redis failed (%s); replicas will catch up by polling", error)

    # --- subscribing ------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def watch(self, *, concerns: Callable[[ResolvedChange], bool]) -> AsyncIterator[Subscription]:
        """A subscription to every change delivered from now on, registered before the caller replays.

        Whatever the caller then reads from the log covers at least every change delivered
        before it registered, so replay plus subscription leaves no gap (positions repeated in
        both are the caller's to skip).
        """
        subscription = Subscription(capacity=self._settings.chat_stream_buffer, resume_field="after_cursor")
        self._watchers[subscription] = concerns
        try:
            async with self._resync:
                if self.delivered is None:
                    # The first stream of an idle feed: start from where the log stands now.
                    async with self.stream_reading() as uow:
                        self.delivered = (await uow.ticket_changes.state()).last_position
            yield subscription
        finally:
            self._watchers.pop(subscription, None)

    # --- delivery ---------------------------------------------------------------------------

    async def _deliver(self) -> None:
        while True:
            try:
                async with self._resync:
                    if not self._watchers:
                        # Nobody to deliver to: no reads at all until a stream comes.
                        self.delivered = None
                    elif self.delivered is not None:
                        await self._catch_up()
            except asyncio.CancelledError:
                raise
            except HelpdeskError:
                _log.warning("ticket feed: reading the change log failed; retrying")
                await asyncio.sleep(RECONNECT_DELAY_SECONDS)
                continue
            except Exception:  # noqa: BLE001 - the feed must survive anything and go on
                _log.exception("ticket feed: delivery failed; retrying")
                await asyncio.sleep(RECONNECT_DELAY_SECONDS)
                continue
            await self._wake.wait()
            self._wake.clear()

    async def _catch_up(self) -> None:
        """Delivers every change committed after `delivered`, in order."""
        while True:
            assert self.delivered is not None
            async with self.reading() as uow:
                batch = await read_changes(uow, after=self.delivered, limit=READ_BATCH)
            self._changes_read.inc(len(batch))
            for resolved in batch:
                if resolved.change.position != self.delivered + 1:
                    # Only pruning makes holes, and it never reaches positions this recent.
                    _log.error("ticket feed: change log jumps from %d to %d", self.delivered, resolved.change.position)
                self.delivered = resolved.change.position
                for watcher, concerns in list(self._watchers.items()):
                    if concerns(resolved):
                        watcher.offer(resolved)
            if len(batch) < READ_BATCH:
                return

    # --- Redis subscriber -------------------------------------------------------------------

    async def _listen(self) -> None:
        while True:
            listener = self._wakeups.listener()
            try:
                await listener.subscribe()
                while True:
                    heard = await listener.next(wait_seconds=5.0)
                    if heard is None:
                        await listener.ping()
                    elif heard == "subscribe":
                        self._set_healthy(True)
                    elif heard == "message":
                        self._wake.set()
            except asyncio.CancelledError:
                raise
            except RedisUnavailable as exc:
                if self.redis_healthy:
                    _log.warning("ticket feed: Redis unreachable (%s); polling PostgreSQL", exc)
                self._set_healthy(False)
            except Exception:  # noqa: BLE001 - the subscriber must survive anything and reconnect
                _log.exception("ticket feed: subscriber failed; restarting it")
                self._set_healthy(False)
            finally:
                await listener.close()
            await asyncio.sleep(RECONNECT_DELAY_SECONDS)

    def _set_healthy(self, healthy: bool) -> None:
        if healthy != self.redis_healthy:
            self.redis_healthy = healthy
            # Either way, read the log now: changes may have been missed around the switch.
            self._wake.set()

    # --- PostgreSQL poller and pruner -------------------------------------------------------

    async def _poll(self) -> None:
        while True:
            interval = (
                self._settings.chat_safety_poll_seconds
                if self.redis_healthy
                else self._settings.chat_fallback_poll_seconds
            )
            await asyncio.sleep(interval)
            self._wake.set()

    async def _prune(self) -> None:
        retention = timedelta(seconds=self._settings.ticket_change_retention_seconds)
        while True:
            # Replicas started together spread their runs; running twice is harmless anyway.
            await asyncio.sleep(PRUNE_INTERVAL_SECONDS * random.uniform(0.5, 1.5))  # noqa: S311 - jitter, not a secret
            try:
                await prune_changes(self._database, older_than=datetime.now(UTC) - retention)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - PostgreSQL may be down; the next round tries again
                _log.warning("ticket feed: pruning the change log failed", exc_info=True)


async def prune_changes(database: Database, *, older_than: datetime) -> int:
    """Deletes changes committed before `older_than`; returns how far the log is now pruned."""
    async with database.unit_of_work() as uow:
        return await uow.ticket_changes.prune(older_than=older_than)
