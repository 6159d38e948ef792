"""Ticket-change wake-ups between replicas on Redis pub/sub: one channel, the change's log position as payload.

Each message carries the publishing process's origin tag, so a process recognises (and skips)
its own. PostgreSQL's change log holds the truth: these only say "read the log". So wake-ups of
changes committed while one is in flight merge into the next one (`CommandBatcher`), which names
the latest position: it comes after each of their commits and wakes the readers for all of them.
"""

from __future__ import annotations

import contextlib

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub

from storage import redis_keys
from storage.redis.batching import CommandBatcher
from storage.redis.errors import unavailable_as_one_error


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
    """Publishes ticket-change wake-ups and opens listeners; raises RedisUnavailable when Redis cannot answer."""

    def __init__(self, url: str, *, publisher: aioredis.Redis, origin: str) -> None:
        self._origin = origin
        self._publishing = CommandBatcher(publisher)
        # The latest position published or waiting to be: a merged wake-up names it.
        self._latest = 0
        # Pub/sub reads block between events: no read timeout on this connection.
        self._subscriber_client = aioredis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=1.0, client_name="helpdesk-ticket-feed"
        )

    async def publish(self, position: int) -> None:
        """Tells the other replicas that the change at `position` committed (returns once Redis has it)."""
        self._latest = max(self._latest, position)
        command = ("PUBLISH", redis_keys.ticket_changes(), f"{self._origin}:{self._latest}")
        with unavailable_as_one_error():
            await self._publishing.execute([command], merge="wakeup")

    def listener(self) -> TicketWakeupListener:
        """A new subscriber connection (connects on its subscription)."""
        return TicketWakeupListener(self._subscriber_client.pubsub(), self._origin)

    async def close(self) -> None:
        """Closes the subscriber client (the publisher is the process's shared client)."""
        await self._publishing.close()
        await self._subscriber_client.aclose()
