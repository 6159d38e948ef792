"""Article view counts: counted in Redis, written to PostgreSQL in batches.

A view is one `HINCRBY` on a hash shared by all replicas. Every `interval` seconds (and on stop)
a flush RENAMEs the hash to a key of its own (atomic: views counted meanwhile go to a fresh hash),
adds the counts to `articles.view_count` in one UPDATE, deletes the renamed key, and bumps the
cache versions of the articles it touched and of the list pages (popularity order). If
PostgreSQL fails, the counts are merged back into the pending hash for the next flush. If Redis
is unavailable, a view is added to PostgreSQL directly (one UPDATE per view: slower, nothing lost).

A clean stop flushes after the server has drained, so no view is lost. A process killed in the
middle of a flush leaves its renamed hash behind (`kb:views:flushing:*`): those views are lost
from the counter, never counted twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping

from redis.asyncio import Redis

from server.knowledge.cache import BROWSE, KnowledgeCache, RedisGuard
from storage import redis_keys
from storage.db import Database
from storage.redis.errors import REDIS_FAILURES

_log = logging.getLogger(__name__)


class ViewCounter:
    """Counts views in Redis and flushes them to PostgreSQL from a background task."""

    def __init__(
        self, *, database: Database, guard: RedisGuard, cache: KnowledgeCache, interval_seconds: float = 2.0
    ) -> None:
        self._database = database
        self._guard = guard
        self._cache = cache
        self._interval = interval_seconds
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._flush_lock = asyncio.Lock()

    async def record(self, article_id: uuid.UUID) -> None:
        """Counts one view of the article (in Redis, or in PostgreSQL directly without Redis)."""
        ok, _ = await self._guard.run(lambda r: r.hincrby(redis_keys.knowledge_pending_views(), str(article_id), 1))
        if ok:
            return
        async with self._database.unit_of_work() as uow:
            await uow.articles.add_views(counts={article_id: 1})

    def start(self) -> None:
        """Starts the periodic flush."""
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._run(), name="knowledge-view-flush")

    async def stop(self) -> None:
        """Stops the periodic flush and flushes what is left (call after the server has drained)."""
        if self._task is not None:
            # Not cancelled: a flush cancelled between taking the pending views and writing them
            # would leave them in its own key, where no later flush looks. The loop ends after
            # the flush in progress, if any.
            self._stopping.set()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        try:
            await self.flush()
        except Exception:  # noqa: BLE001 - shutdown goes on; the counts stay in Redis for the next flush
            _log.exception("final view flush failed")

    async def flush(self) -> int:
        """Writes the pending views to PostgreSQL; returns how many views were written."""
        async with self._flush_lock:
            token = uuid.uuid4().hex
            taken = redis_keys.knowledge_flushing_views(token)
            try:
                counts = await _take(self._guard.redis, taken)
            except REDIS_FAILURES as error:
                _log.warning("view flush skipped, redis unavailable: %s", error)
                return 0
            if not counts:
                return 0
            try:
                async with self._database.unit_of_work() as uow:
                    await uow.articles.add_views(counts=counts)
            except Exception:
                await self._give_back(taken, counts)
                raise
            await self._guard.run(lambda r: r.delete(taken))
            await self._cache.invalidate(counts, scopes=[BROWSE])
            total = sum(counts.values())
            _log.debug("flushed %d views of %d articles", total, len(counts))
            return total

    async def _give_back(self, taken: str, counts: Mapping[uuid.UUID, int]) -> None:
        async def merge(redis: Redis) -> None:
            async with redis.pipeline(transaction=True) as pipe:
                for article_id, n in counts.items():
                    pipe.hincrby(redis_keys.knowledge_pending_views(), str(article_id), n)
                pipe.delete(taken)
                await pipe.execute()

        ok, _ = await self._guard.run(merge)
        if not ok:
            _log.error("could not return %d unflushed views to redis (key %s kept)", sum(counts.values()), taken)

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval)
                return
            except TimeoutError:
                pass
            try:
                await self.flush()
            except Exception:  # noqa: BLE001 - the flush loop must survive anything; counts are kept
                _log.exception("view flush failed")


async def _take(redis: Redis, taken: str) -> dict[uuid.UUID, int]:
    # RENAME fails on a missing key: nothing pending. EXISTS first keeps that the normal case.
    if not await redis.exists(redis_keys.knowledge_pending_views()):
        return {}
    try:
        await redis.rename(redis_keys.knowledge_pending_views(), taken)
    except REDIS_FAILURES as error:
        if "no such key" in str(error).lower():
            return {}
        raise
    raw = await redis.hgetall(taken)
    counts: dict[uuid.UUID, int] = {}
    for key, value in raw.items():
        try:
            counts[uuid.UUID(str(key))] = int(value)
        except ValueError:
            _log.warning("ignoring malformed pending view entry %r=%r", key, value)
    return counts
