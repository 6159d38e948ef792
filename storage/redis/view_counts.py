"""Article views counted in one Redis hash shared by every replica, taken whole by each flush."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping

from redis.asyncio import Redis

from storage import redis_keys
from storage.redis.errors import REDIS_FAILURES, unavailable_as_one_error

_log = logging.getLogger(__name__)


class PendingViews:
    """Counts views and hands them to a flush; raises RedisUnavailable when Redis cannot answer."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def add(self, article_id: uuid.UUID) -> None:
        """Counts one view (HINCRBY on the pending hash)."""
        with unavailable_as_one_error():
            await self._redis.hincrby(redis_keys.knowledge_pending_views(), str(article_id), 1)

    async def take(self, token: str) -> dict[uuid.UUID, int]:
        """Moves the pending hash to a key of its own (RENAME: atomic) and returns its counts ({} if none)."""
        taken = redis_keys.knowledge_flushing_views(token)
        with unavailable_as_one_error():
            # RENAME fails on a missing key: nothing pending. EXISTS first keeps that the normal case.
            if not await self._redis.exists(redis_keys.knowledge_pending_views()):
                return {}
            try:
                await self._redis.rename(redis_keys.knowledge_pending_views(), taken)
            except REDIS_FAILURES as error:
                if "no such key" in str(error).lower():
                    return {}
                raise
            raw = await self._redis.hgetall(taken)
        counts: dict[uuid.UUID, int] = {}
        for key, value in raw.items():
            try:
                counts[uuid.UUID(str(key))] = int(value)
            except ValueError:
                _log.warning("ignoring malformed pending view entry %r=%r", key, value)
        return counts

    async def forget(self, token: str) -> None:
        """Deletes the counts taken under `token` (they were written to PostgreSQL)."""
        with unavailable_as_one_error():
            await self._redis.delete(redis_keys.knowledge_flushing_views(token))

    async def give_back(self, token: str, counts: Mapping[uuid.UUID, int]) -> None:
        """Merges counts taken under `token` back into the pending hash (the write failed) and drops the key."""
        with unavailable_as_one_error():
            async with self._redis.pipeline(transaction=True) as pipe:
                for article_id, n in counts.items():
                    pipe.hincrby(redis_keys.knowledge_pending_views(), str(article_id), n)
                pipe.delete(redis_keys.knowledge_flushing_views(token))
                await pipe.execute()
