"""Live ticket changes of one process (WatchTickets): the change feed and the streams, started and stopped together."""

from __future__ import annotations

from redis.asyncio import Redis

from server.auth.principal_cache import PrincipalCache
from server.core.metrics import Metrics
from server.core.stream_limits import StreamSlots
from server.settings import Settings
from server.tickets.held import HeldTickets
from server.tickets.watch import TicketWatch
from server.tickets.watch_feed import TicketChangeFeed
from storage.db import Database


class LiveTickets:
    """The feed that wakes WatchTickets streams, the streams themselves, and the tickets GetTicket holds."""

    def __init__(self, *, settings: Settings, database: Database, redis: Redis, metrics: Metrics) -> None:
        # Shares the process's revocation channel with authentication (one per Redis client).
        self.principals = PrincipalCache(redis, revocation_ttl=settings.access_token_ttl)
        # GetTicket's rows, held while that channel is live; the feed drops them as changes commit.
        self.held = HeldTickets(redis, user_records=self.principals.user_records)
        self.feed = TicketChangeFeed(
            settings=settings, database=database, publisher=redis, metrics=metrics, held=self.held
        )
        self.watch = TicketWatch(
            settings=settings,
            feed=self.feed,
            principals=self.principals,
            slots=StreamSlots(per_user=settings.ticket_watch_max_streams_per_user, kind="ticket watch"),
            metrics=metrics,
        )

    async def start(self) -> None:
        """Starts the feed and the revocation listener (which held tickets need too)."""
        self.principals.start()
        self.watch.start()
        await self.feed.start()

    def end_streams(self) -> None:
        """Ends local streams at once (resumable UNAVAILABLE), before the server drains."""
        self.feed.end_streams()

    async def stop(self) -> None:
        """Stops the feed's tasks and the revocation listener, once the server has drained."""
        await self.feed.stop()
        self.watch.stop()
        await self.principals.close()
        await self.feed.close()
