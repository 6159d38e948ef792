"""Agents' availability: one key per agent holding `online` or `away`, lapsing after its TTL (absent = offline)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from redis.asyncio import Redis

from storage import redis_keys
from storage.redis.errors import unavailable_as_one_error

# The stored values; no key at all means offline.
ONLINE = "online"
AWAY = "away"


class PresenceKeys:
    """Stores, renews and reads availability; raises RedisUnavailable when Redis cannot answer."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def set(self, *, user_id: uuid.UUID, availability: str | None, ttl_ms: int) -> None:
        """Stores `availability` for `ttl_ms`, or removes it (None: offline)."""
        key = redis_keys.agent_presence(user_id)
        with unavailable_as_one_error():
            if availability is None:
                await self._redis.delete(key)
            else:
                await self._redis.set(key, availability, px=ttl_ms)

    async def renew(self, *, user_id: uuid.UUID, ttl_ms: int) -> None:
        """Extends a stored availability to `ttl_ms` from now (nothing stored: nothing to do)."""
        with unavailable_as_one_error():
            await self._redis.pexpire(redis_keys.agent_presence(user_id), ttl_ms)

    async def read(self, user_ids: Sequence[uuid.UUID]) -> list[tuple[str | None, int]]:
        """For each user, in order: the stored availability (None: offline) and its remaining TTL in ms."""
        with unavailable_as_one_error():
            async with self._redis.pipeline(transaction=False) as pipe:
                for user_id in user_ids:
                    key = redis_keys.agent_presence(user_id)
                    pipe.get(key)
                    pipe.pttl(key)
                replies = await pipe.execute()
        return [(replies[2 * i], int(replies[2 * i + 1])) for i in range(len(user_ids))]
