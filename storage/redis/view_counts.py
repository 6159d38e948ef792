"""Article views counted in one Redis hash shared by every replica, taken whole by each flush.

Each view carries an id of its own and is counted by a script that first claims a short-lived
marker under that id (`SET NX`): sending the same view again counts nothing. That is what lets a
caller whose increment went unanswered (a timeout: Redis may or may not have applied it) send it
again later instead of counting it somewhere else, so a view is never counted twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from storage import redis_keys
from storage.redis.errors import REDIS_FAILURES, unavailable_as_one_error

_log = logging.getLogger(__name__)

# How long a view's marker outlives its increment: a view left unanswered must be sent again
# within this time (a flush does it within seconds), or it is dropped rather than risk a second count.
VIEW_MARKER_SECONDS = 600

# KEYS[1] the pending hash, KEYS[2] this view's marker; ARGV[1] article id, ARGV[2] marker lifetime.
# 1 if the view was counted now, 0 if it had been counted already.
_COUNT_ONCE = """
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then
  redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
  return 1
end
return 0
"""


class PendingViews:
    """Counts views and hands them to a flush; raises RedisUnavailable when Redis cannot answer."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._count_once = redis.register_script(_COUNT_ONCE)

    async def add(self, article_id: uuid.UUID, view_id: str) -> None:
        """Counts the view `view_id` of the article, unless a view under that id was counted already."""
        with unavailable_as_one_error():
            await self._count(article_id, view_id, self._redis)

    async def add_again(self, views: Sequence[tuple[uuid.UUID, str]]) -> None:
        """Sends views whose first `add` went unanswered, in one round trip; each is counted at most once."""
        with unavailable_as_one_error():
            async with self._redis.pipeline(transaction=False) as pipe:
                for article_id, view_id in views:
                    await self._count(article_id, view_id, pipe)
                await pipe.execute()

    async def _count(self, article_id: uuid.UUID, view_id: str, client: Redis | Pipeline) -> None:
        await self._count_once(
            keys=[redis_keys.knowledge_pending_views(), redis_keys.knowledge_view_marker(view_id)],
            args=[str(article_id), VIEW_MARKER_SECONDS],
            client=client,
        )

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
