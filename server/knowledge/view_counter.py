"""Article view counts: counted in Redis, written to PostgreSQL in batches.

A view is one increment of a hash shared by all replicas (counted once per view id, see
`PendingViews`). Every `interval` seconds (and on stop) a flush RENAMEs the hash to a key of its
own (atomic: views counted meanwhile go to a fresh hash), adds the counts to `articles.view_count`
in one UPDATE, deletes the renamed key, and bumps the cache versions of the articles it touched
and of the list pages (popularity order). If
PostgreSQL fails, the counts are merged back into the pending hash for the next flush. A take or a
give-back Redis did not answer is asked again by the next flush under the same token, and runs once
however often (and however late) Redis receives it (see `PendingViews.take`). While Redis
is known to be unavailable (the breaker is open, or it refuses connections), a view is added to
PostgreSQL directly (slower, nothing lost: the call returns once it is written), in one UPDATE with
the views arriving meanwhile.

A view whose increment Redis did not answer (a timeout, a dropped connection) may or may not have
been counted there, so it is not written to PostgreSQL as well: it is kept in the process under its
own id and sent again before the next flush, and Redis counts an id once (see `PendingViews`).

A clean stop flushes after the server has drained, so no view is lost. A process killed in the
middle of a flush leaves its renamed hash behind (`kb:views:flushing:*`): those views are lost
from the counter, never counted twice; so are unanswered views a killed process had not sent again.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import uuid

from server.knowledge.cache import BROWSE, KnowledgeCache, RedisGuard
from storage.db import Database
from storage.redis import RedisUnavailable
from storage.redis.errors import refused
from storage.redis.view_counts import VIEW_MARKER_SECONDS, PendingViews

_log = logging.getLogger(__name__)

# An unanswered view is sent again only while its marker has at least this long to live.
_RESEND_MARGIN_SECONDS = 60
# A clean stop tries its last flush this many times while Redis or PostgreSQL fails it.
_FINAL_FLUSH_ATTEMPTS = 3
_FINAL_FLUSH_PAUSE_SECONDS = 0.5


class _DirectViews:
    """Views waiting to be written to PostgreSQL in one UPDATE, and that write's outcome."""

    __slots__ = ("counts", "written")

    def __init__(self) -> None:
        self.counts: dict[uuid.UUID, int] = {}
        self.written: asyncio.Future[None] = asyncio.get_running_loop().create_future()


class ViewCounter:
    """Counts views in Redis and flushes them to PostgreSQL from a background task."""

    def __init__(
        self, *, database: Database, guard: RedisGuard, cache: KnowledgeCache, interval_seconds: float = 2.0
    ) -> None:
        self._database = database
        self._guard = guard
        self._views = PendingViews(guard.redis)
        self._cache = cache
        self._interval = interval_seconds
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        # View ids: unique across replicas (the process's own prefix) without a random draw per view.
        self._view_prefix = uuid.uuid4().hex
        self._view_numbers = itertools.count()
        # Views Redis did not answer: (article, view id, when) to send again before the next flush.
        self._unanswered: list[tuple[uuid.UUID, str, float]] = []
        # The token of a take whose counts are not yet written nor given back (its answer may have
        # been lost): the next flush takes under it again. Keys of written counts left to delete.
        self._taking: str | None = None
        self._written: list[str] = []
        # Views written to PostgreSQL directly (Redis unavailable): the next write's, one write at a time.
        self._direct: _DirectViews | None = None
        self._direct_lock = asyncio.Lock()
        self._writers: set[asyncio.Task[None]] = set()

    async def record(self, article_id: uuid.UUID) -> None:
        """Counts one view of the article (in Redis, or in PostgreSQL directly while Redis is unavailable)."""
        if self._guard.available:
            view_id = f"{self._view_prefix}:{next(self._view_numbers)}"
            try:
                await self._views.add(article_id, view_id)
                return
            except RedisUnavailable as error:
                self._guard.trip(error)
                if not refused(error):
                    # Redis may have counted it before the answer was lost: send it again later under
                    # the same id (counted once either way) rather than count it in PostgreSQL too.
                    # So is a view no connection came free for (never sent): a burst of views waits
                    # for the next flush, not on PostgreSQL.
                    self._unanswered.append((article_id, view_id, time.monotonic()))
                    return
        # Fail open: without Redis the view goes straight to PostgreSQL (slower, nothing lost).
        await self._write_directly(article_id)

    async def _write_directly(self, article_id: uuid.UUID) -> None:
        """Adds the view to PostgreSQL with the others arriving meanwhile, returning once it is written.

        One UPDATE per view, as it was, sent every view of a burst at once: hundreds of transactions
        queued on the same article row held every pooled connection, until calls of any kind timed
        out waiting for one ("the database is unavailable"). Here one write at a time takes one
        connection; the views that arrive while it runs are the next write's.
        """
        batch = self._direct
        if batch is None:
            batch = self._direct = _DirectViews()
            writer = asyncio.create_task(self._write_batch(batch), name="knowledge-view-direct-write")
            self._writers.add(writer)
            writer.add_done_callback(self._writers.discard)
        batch.counts[article_id] = batch.counts.get(article_id, 0) + 1
        # Shielded: a caller that goes away does not cancel the write of the others' views.
        await asyncio.shield(batch.written)

    async def _write_batch(self, batch: _DirectViews) -> None:
        async with self._direct_lock:
            if self._direct is batch:
                self._direct = None  # views from now on go to the next write
            try:
                async with self._database.unit_of_work() as uow:
                    await uow.articles.add_views(counts=batch.counts)
            except asyncio.CancelledError:
                batch.written.cancel()
                raise
            except Exception as error:  # noqa: BLE001 - each waiting caller raises it
                batch.written.set_exception(error)
                batch.written.exception()  # retrieved, even if every caller went away
            else:
                batch.written.set_result(None)

    def start(self) -> None:
        """Starts the periodic flush."""
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._run(), name="knowledge-view-flush")

    async def stop(self) -> None:
        """Stops the periodic flush and flushes what is left (call after the server has drained)."""
        # Direct writes whose callers went away meanwhile finish first.
        await asyncio.gather(*self._writers, return_exceptions=True)
        if self._task is not None:
            # Not cancelled: a flush cancelled between taking the pending views and writing them
            # would leave them in its own key, where no later flush looks. The loop ends after
            # the flush in progress, if any.
            self._stopping.set()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        # What this process alone knows of (unanswered views, a take to ask again, keys to delete)
        # is lost with it: a failed final flush is tried again, a few times.
        for attempt in range(_FINAL_FLUSH_ATTEMPTS):
            if attempt:
                await asyncio.sleep(_FINAL_FLUSH_PAUSE_SECONDS)
            try:
                await self.flush()
            except Exception:  # noqa: BLE001 - shutdown goes on; the counts stay in Redis for the next flush
                _log.exception("final view flush failed")
            if not (self._unanswered or self._taking or self._written):
                break
        if self._taking:
            _log.error("views taken by flush %s were not written (left in redis)", self._taking)
        if self._unanswered:
            _log.error(
                "%d views unanswered by redis were not counted (they may have been, once)", len(self._unanswered)
            )
            self._unanswered.clear()

    async def flush(self) -> int:
        """Writes the pending views to PostgreSQL; returns how many views were written."""
        async with self._flush_lock:
            try:
                await self._send_unanswered_again()
                await self._forget_written()
                # A take left unanswered is asked again under its token: Redis may have run it.
                token = self._taking = self._taking or uuid.uuid4().hex
                counts = await self._views.take(token)
            except RedisUnavailable as error:
                _log.warning("view flush skipped, redis unavailable: %s", error)
                return 0
            if not counts:
                self._taking = None
                return 0
            try:
                async with self._database.unit_of_work() as uow:
                    await uow.articles.add_views(counts=counts)
            except Exception:
                await self._give_back(token, sum(counts.values()))
                raise
            self._taking = None
            # Not through the guard: an open breaker (any Redis hiccup in the last seconds) would skip
            # the delete and leave the written counts behind in their own key.
            try:
                await self._views.forget(token)
            except RedisUnavailable as error:
                _log.warning("flushed views left in redis until the next flush (flush %s): %s", token, error)
                self._written.append(token)
            await self._cache.invalidate(counts, scopes=[BROWSE])
            total = sum(counts.values())
            _log.debug("flushed %d views of %d articles", total, len(counts))
            return total

    async def _forget_written(self) -> None:
        """Deletes the keys of written counts that an earlier flush could not delete."""
        while self._written:
            await self._views.forget(self._written[-1])
            self._written.pop()

    async def _send_unanswered_again(self) -> None:
        """Sends the views Redis did not answer once more (each counted at most once); keeps them if it fails."""
        if not self._unanswered:
            return
        views, self._unanswered = self._unanswered, []
        # A view older than its marker could be counted a second time: dropped instead.
        fresh_after = time.monotonic() - (VIEW_MARKER_SECONDS - _RESEND_MARGIN_SECONDS)
        fresh = [view for view in views if view[2] >= fresh_after]
        if len(fresh) < len(views):
            _log.error("%d views unanswered by redis for too long were not counted", len(views) - len(fresh))
        if not fresh:
            return
        try:
            await self._views.add_again([(article_id, view_id) for article_id, view_id, _ in fresh])
        except RedisUnavailable:
            self._unanswered = fresh + self._unanswered
            raise

    async def _give_back(self, token: str, views: int) -> None:
        ok, _ = await self._guard.run(lambda: self._views.give_back(token))
        if ok:
            self._taking = None
        else:
            # Kept under the token: the next flush takes the same counts again.
            _log.warning(
                "could not return %d unflushed views to redis (flush %s kept for the next flush)", views, token
            )

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
