"""Cached callers of sessions, revocation markers, and the channel announcing revocations to every replica."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from storage import redis_keys
from storage.redis.errors import unavailable_as_one_error


class PrincipalEntries:
    """Reads and writes cached callers and revocations; raises RedisUnavailable when Redis cannot answer."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def read(self, session_id: uuid.UUID) -> tuple[str | None, bool]:
        """The cached entry of the session (text, or None) and whether it is marked revoked (one MGET)."""
        with unavailable_as_one_error():
            cached, revoked = await self._redis.mget(
                [redis_keys.principal(session_id), redis_keys.revoked_session(session_id)]
            )
        return (None if cached is None else str(cached)), revoked is not None

    async def write(self, session_id: uuid.UUID, value: str, *, ttl_ms: int) -> None:
        """Caches the session's entry for `ttl_ms`."""
        with unavailable_as_one_error():
            await self._redis.set(redis_keys.principal(session_id), value, px=ttl_ms)

    async def revoke(self, session_ids: Sequence[uuid.UUID], *, marker_ttl_ms: int) -> None:
        """Marks the sessions revoked, drops their entries, then announces them on the channel (one round trip)."""
        with unavailable_as_one_error():
            async with self._redis.pipeline(transaction=False) as pipe:
                for session_id in session_ids:
                    pipe.set(redis_keys.revoked_session(session_id), "1", px=marker_ttl_ms)
                    pipe.delete(redis_keys.principal(session_id))
                # After the markers: a replica that drops its entry and re-reads sees them.
                pipe.publish(redis_keys.principal_revocations(), ",".join(str(i) for i in session_ids))
                await pipe.execute()


class RevocationSubscription:
    """One subscription to the revocations channel; every failure is RedisUnavailable."""

    def __init__(self, pubsub: PubSub) -> None:
        self._pubsub = pubsub

    async def next(self, *, wait_seconds: float) -> tuple[str, str] | None:
        """The next message as (type, data): `subscribe` once confirmed, then `message`s; None after `wait_seconds`."""
        with unavailable_as_one_error():
            message = await self._pubsub.get_message(timeout=wait_seconds)
        if message is None:
            return None
        return str(message.get("type")), str(message.get("data", ""))

    async def ping(self) -> None:
        """Asks Redis for a pong on this connection (an answer arrives as a message)."""
        with unavailable_as_one_error():
            await self._pubsub.ping()


@contextlib.asynccontextmanager
async def revocations(redis: Redis) -> AsyncIterator[RevocationSubscription]:
    """Subscribes to the revocations channel for the block; the connection is closed after it."""
    pubsub = redis.pubsub()
    try:
        with unavailable_as_one_error():
            await pubsub.subscribe(redis_keys.principal_revocations())
        yield RevocationSubscription(pubsub)
    finally:
        with contextlib.suppress(Exception):
            await pubsub.aclose()  # type: ignore[no-untyped-call]
