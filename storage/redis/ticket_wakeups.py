"""Ticket-change wake-ups between replicas on Redis pub/sub: one channel, the change's log position as payload.

Each message carries the publishing process's origin tag, so a process recognises (and skips)
its own. PostgreSQL's change log holds the truth: these only say "read the log", and a reader
reads everything after its own position. So one wake-up is in flight at a time, and the changes
committed meanwhile are announced by the next one, which names the latest position: it leaves
after each of their commits and wakes the readers for all of them. The writer does not wait for
it: where it once waited for a round trip to Redis on every change, it now only notes the
position (a wake-up lost with Redis is made up by the readers' polling, as before).

Wake-ups are also spaced at least `min_interval` apart: a lone change goes out at once, but under
a burst of writes one publish per interval announces them all. Each publish costs the writer a
send, Redis a fan-out and every replica (the writer's own included, which hears its echo) a read,
so a thousand creates a second cost a few hundred wake-ups, not a thousand, for at most a few
milliseconds more before other replicas' streams hear of a change.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub

from storage import redis_keys
from storage.redis.errors import RedisUnavailable, unavailable_as_one_error


class TicketWakeupListener:
    """One subscriber connection; every failure is RedisUnavailable."""

    def __init__(self, pubsub: PubSub, origin: str) -> None:
        self._pubsub = pubsub
        self._origin = origin

    async def subscribe(self) -> None:
        """Subscribes to the channel; the confirmation arrives as `next()` == "subscribe"."""
        with unavailable_as_one_error():
            await self._pubsub.subscribe(redis_keys.ticket_changes())

    async def next(self, *, wait_seconds: float) -> str | None:
        """What was heard ("subscribe", "message", "echo" for our own, "pong"...), or None after `wait_seconds`."""
        with unavailable_as_one_error():
            message = await self._pubsub.get_message(timeout=wait_seconds)
        if message is None:
            return None
        kind = str(message.get("type"))
        if kind == "message" and str(message.get("data", "")).startswith(f"{self._origin}:"):
            return "echo"
        return kind

    async def ping(self) -> None:
        """Asks for a pong on this connection."""
        with unavailable_as_one_error():
            await self._pubsub.ping()

    async def close(self) -> None:
        """Closes the connection (never raises)."""
        with contextlib.suppress(Exception):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]


class TicketWakeups:
    """Publishes ticket-change wake-ups and opens listeners; a publish Redis cannot take goes to `on_failure`."""

    def __init__(
        self,
        url: str,
        *,
        publisher: aioredis.Redis,
        origin: str,
        on_failure: Callable[[RedisUnavailable], None] = lambda error: None,
        min_interval: float = 0.005,
    ) -> None:
        self._origin = origin
        self._min_interval = min_interval
        # When the last wake-up went out (monotonic seconds); the next waits until the interval has passed.
        self._sent_at = -min_interval
        self._publisher = publisher
        self._on_failure = on_failure
        # The latest position committed here, and the latest one a wake-up went out for (or failed).
        self._latest = 0
        self._announced = 0
        self._sending: asyncio.Task[None] | None = None
        # Pub/sub reads block between events: no read timeout on this connection.
        self._subscriber_client = aioredis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=1.0, client_name="helpdesk-ticket-feed"
        )

    def wake(self, position: int) -> None:
        """Tells the other replicas that the change at `position` committed: at once, or with the next wake-up due."""
        self._latest = max(self._latest, position)
        if self._sending is None:
            self._sending = asyncio.create_task(self._send(), name="ticket-wakeups")

    async def flushed(self) -> None:
        """Returns once every position passed to `wake` so far has gone out (or failed)."""
        while self._sending is not None:
            await asyncio.shield(self._sending)

    async def _send(self) -> None:
        try:
            while self._announced < self._latest:
                wait = self._sent_at + self._min_interval - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                position = self._latest
                self._sent_at = time.monotonic()
                try:
                    with unavailable_as_one_error():
                        await self._publisher.publish(redis_keys.ticket_changes(), f"{self._origin}:{position}")
                except RedisUnavailable as error:
                    self._on_failure(error)
                self._announced = position
        finally:
            self._sending = None

    def listener(self) -> TicketWakeupListener:
        """A new subscriber connection (connects on its subscription)."""
        return TicketWakeupListener(self._subscriber_client.pubsub(), self._origin)

    async def close(self) -> None:
        """Sends the wake-up still due, then closes the subscriber client (the publisher is shared)."""
        await self.flushed()
        await self._subscriber_client.aclose()
