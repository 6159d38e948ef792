"""The knowledge base's Redis cache: article reads and search/list pages, invalidated by version keys.

Invalidation without races: a reader reads the version BEFORE reading PostgreSQL and stores its
answer under that version; a writer bumps the version AFTER its commit. A reader that raced a
writer therefore stores the old answer under the old version, where nobody looks any more.

- `kb:version:search` covers search pages; `kb:version:browse` lists and categories. Every
  article write bumps both; a view flush bumps only `browse` (popularity order and the counts in
  lists stay fresh, while search pages, whose counts may lag, keep their hit rate).
- `kb:article-version:<id>` covers one article's read: its writes and its flushed views bump it.

Redis is an accelerator only. When it fails, `RedisGuard` opens for a few seconds (calls skip
Redis instead of each waiting for a timeout) and reads go straight to PostgreSQL. A command that
found none of the process's connections free in time is not a failure of Redis: that one call
goes without it, and the breaker stays closed. Bumps that
could not be made are remembered and retried before the cache is trusted again, so a write made
while Redis was down is not hidden behind a stale entry once it is back.

Encoded search pages are also kept in each replica's memory (storage.redis.invalidations), with
the version of their scope: a page answers without any round trip while that version is the one
the replica holds. Every bump is announced, and each replica drops the scope versions named (the
bumping replica before its write is acknowledged), so the page is never older than what Redis
would give. Pages are kept only from a Redis hit, and only while the replica's subscription is
live and Redis is trusted (breaker closed, no bump owed); both layers hold the same bytes under
the same key, which names everything that decides the answer, audience included.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, NamedTuple, TypeVar

from redis.asyncio import Redis

from server.knowledge.records import ArticleData
from storage.redis import RedisUnavailable
from storage.redis.errors import exhausted
from storage.redis.invalidations import LocalCache, invalidations_for
from storage.redis.knowledge_cache import PAGE_SCOPES, KnowledgeCacheKeys

_log = logging.getLogger(__name__)
_T = TypeVar("_T")

SEARCH = "search"
BROWSE = "browse"
ALL_SCOPES = frozenset({SEARCH, BROWSE})

# In-process copies: a bound on how long one may outlive an announcement its writer failed to make.
_LOCAL_TTL_SECONDS = 5.0
_MAX_LOCAL_PAGES = 1_000
# Larger pages (many full bodies) are read from Redis each time: the bound on memory stays small.
_MAX_LOCAL_PAGE_BYTES = 32 * 1024
# The invalidation kind of in-process pages, never announced: a page is checked against its scope's version.
_LOCAL_PAGES = "kb-page"


class _HeldPage(NamedTuple):
    """An encoded page held in memory and the version of its scope it was computed at."""

    version: int
    payload: bytes


class RedisGuard:
    """A tiny circuit breaker in front of Redis: after a failure, Redis is skipped for `cooldown` s."""

    def __init__(self, redis: Redis, *, cooldown: float = 2.0) -> None:
        self.redis = redis
        self._cooldown = cooldown
        self._open_until = 0.0

    @property
    def available(self) -> bool:
        """False while the breaker is open (Redis recently failed)."""
        return time.monotonic() >= self._open_until

    async def run(self, operation: Callable[[], Awaitable[_T]]) -> tuple[bool, _T | None]:
        """(True, result) if Redis answered; (False, None) if it failed or the breaker is open."""
        if not self.available:
            return False, None
        try:
            return True, await operation()
        except RedisUnavailable as error:
            self.trip(error)
            return False, None

    def trip(self, error: RedisUnavailable) -> None:
        """Opens the breaker after `error` (logged once per opening), unless the process's own pool was full.

        A command that found no free connection in time (`exhausted`) was never sent: the process
        is busy, not Redis. That call goes without Redis; opening the breaker would send every
        call of the next seconds to PostgreSQL in the middle of the burst that filled the pool.
        """
        if exhausted(error):
            return
        if self.available:
            _log.warning("redis unavailable, knowledge base falls back to PostgreSQL: %s", error)
        self._open_until = time.monotonic() + self._cooldown


class KnowledgeCache:
    """Cached article reads and pages; every method degrades to a miss / no-op without Redis."""

    def __init__(self, guard: RedisGuard, *, ttl_seconds: int, enabled: bool = True) -> None:
        self._guard = guard
        self._keys = KnowledgeCacheKeys(guard.redis, ttl_seconds=ttl_seconds)
        self.enabled = enabled
        # Bumps that failed (Redis down): retried before the cache is read again.
        self._stale_scopes: set[str] = set()
        self._stale_articles: set[uuid.UUID] = set()
        # This replica's copies (shared by every cache on the same Redis client): scope -> version,
        # and (scope, digest) -> (version it was computed at, encoded page).
        self._invalidations = invalidations_for(guard.redis)
        self.local_versions = self._invalidations.cache(
            PAGE_SCOPES, parse_key=str, value_type=int, ttl_seconds=_LOCAL_TTL_SECONDS, max_entries=64
        )
        self.local_pages: LocalCache[tuple[str, str], _HeldPage] = self._invalidations.cache(
            _LOCAL_PAGES,
            parse_key=None,
            value_type=_HeldPage,
            ttl_seconds=_LOCAL_TTL_SECONDS,
            max_entries=_MAX_LOCAL_PAGES,
        )

    def start(self) -> None:
        """Turns the in-process copies on (subscribes to announcements); without it, every read asks Redis."""
        self._invalidations.start()

    async def _usable(self) -> bool:
        if not self.enabled:
            return False
        if not (self._stale_scopes or self._stale_articles):
            return self._guard.available
        return await self.invalidate(self._stale_articles, scopes=self._stale_scopes)

    async def aclose(self) -> None:
        """Stops what `start` started and closes the cache's own Redis connection (the client stays open)."""
        await self._invalidations.stop()
        await self._keys.aclose()

    # ---- versions ----------------------------------------------------------------------------

    async def page_version(self, scope: str) -> int | None:
        """The version of `scope` to cache pages under; None = do not use the cache."""
        if not await self._usable():
            return None
        ok, value = await self._guard.run(lambda: self._keys.page_version(scope))
        return value if ok else None

    async def article_version(self, article_id: uuid.UUID) -> int | None:
        """The article's cache version; None = do not use the cache."""
        if not await self._usable():
            return None
        ok, value = await self._guard.run(lambda: self._keys.article_version(article_id))
        return value if ok else None

    async def invalidate(self, article_ids: Iterable[uuid.UUID], *, scopes: Iterable[str] = ALL_SCOPES) -> bool:
        """Bumps the versions of these page `scopes` and articles; False if Redis failed."""
        ids = set(article_ids)
        bumped_scopes = set(scopes)
        if not self.enabled:
            return True
        # Dropped here before the write is acknowledged, and again once Redis has the new version:
        # a version this replica read in between (the old one) must not stay.
        self.local_versions.drop(bumped_scopes)
        # While the breaker is open the bump is owed, not lost: `_usable` pays it before any read.
        ok, _ = await self._guard.run(lambda: self._keys.bump(scopes=bumped_scopes, article_ids=ids))
        self.local_versions.drop(bumped_scopes)
        if ok:
            self._stale_scopes -= bumped_scopes
            self._stale_articles -= ids
        else:
            self._stale_scopes |= bumped_scopes
            self._stale_articles |= ids
        return ok

    # ---- articles ----------------------------------------------------------------------------

    async def article_id_for_slug(self, slug: str) -> uuid.UUID | None:
        """The id a slug was last seen with, if cached."""
        if not await self._usable():
            return None
        ok, value = await self._guard.run(lambda: self._keys.article_id_for_slug(slug))
        return uuid.UUID(value) if ok and value else None

    async def get_article(self, article_id: uuid.UUID, version: int) -> ArticleData | None:
        """The cached article at `version`, if any."""
        ok, value = await self._guard.run(lambda: self._keys.get_article(article_id, version))
        if not ok or value is None:
            return None
        return ArticleData.from_json(json.loads(value))

    async def put_article(self, article: ArticleData, version: int) -> None:
        """Caches the article at `version` (and its slug)."""
        payload = json.dumps(article.to_json(), separators=(",", ":"))
        await self._guard.run(
            lambda: self._keys.put_article(article_id=article.id, slug=article.slug, version=version, payload=payload)
        )

    async def forget_slug(self, slug: str) -> None:
        """Drops a slug mapping (the article is gone)."""
        await self._guard.run(lambda: self._keys.forget_slug(slug))

    # ---- pages -------------------------------------------------------------------------------

    async def get_encoded_page(self, scope: str, digest: str) -> tuple[int | None, bytes | None]:
        """(version of `scope`, the cached encoded page or None) in at most ONE round trip; (None, None) = no cache.

        The page key carries no version: the value starts with the version it was computed at,
        and is a hit only if that is still the scope's version (both come from one MGET). A reader
        that raced a writer may overwrite a newer entry with an older one; the next reader then
        sees the version differ and recomputes: never stale, at worst one more miss.

        A page this replica holds at the version it holds for the scope answers with no round
        trip (see the module's docstring); a Redis hit is kept so, under the generations taken
        before the MGET, so that a bump announced meanwhile keeps it out.

        The hottest read of the knowledge base (every cached search): written out rather than
        through `_usable` and `RedisGuard.run`, whose coroutine and closure per call cost as much
        as the rest of this method; what happens on a failure is the same.
        """
        fast = self.enabled and self._guard.available and not (self._stale_scopes or self._stale_articles)
        if fast:
            version = self.local_versions.get(scope)
            if version is not None:
                page = self.local_pages.get((scope, digest))
                if page is not None and page.version == version:
                    return version, page.payload
        elif not await self._usable():
            return None, None
        versions_generation = self.local_versions.generation
        pages_generation = self.local_pages.generation
        try:
            version, entry = await self._keys.get_encoded_page(scope, digest)
        except RedisUnavailable as error:
            self._guard.trip(error)
            return None, None
        self.local_versions.put(scope, version, generation=versions_generation)
        if entry is None:
            return version, None
        stamp, _, payload = entry.partition(b":")
        if stamp != b"%d" % version:
            return version, None
        if len(payload) <= _MAX_LOCAL_PAGE_BYTES:
            self.local_pages.put((scope, digest), _HeldPage(version, payload), generation=pages_generation)
        return version, payload

    async def put_encoded_page(self, scope: str, version: int, digest: str, payload: bytes) -> None:
        """Caches an encoded page (e.g. a serialized response) computed at `version` of `scope`."""
        entry = b"%d:%b" % (version, payload)
        await self._guard.run(lambda: self._keys.put_encoded_page(scope, digest, entry))

    def fill_encoded_page(self, scope: str, version: int, digest: str, payload: bytes) -> bool:
        """`put_encoded_page` without waiting for Redis's reply; False if that cannot be done now (then put it).

        A cached page is a fill: no answer depends on its write, and a lost one costs a later miss,
        so the caller need not wait a round trip for it. A failure seen when the reply comes trips
        the breaker (and is logged) as an awaited put's would. While the breaker is open nothing
        is sent, as `put_encoded_page` sends nothing.
        """
        if not self._guard.available:
            return True
        entry = b"%d:%b" % (version, payload)
        return self._keys.fill_encoded_page(scope, digest, entry, self._guard.trip)

    async def get_page(self, scope: str, version: int, digest: str) -> Any:
        """A cached page (decoded JSON), None on a miss."""
        ok, value = await self._guard.run(lambda: self._keys.get_page(scope, version, digest))
        return json.loads(value) if ok and value is not None else None

    async def put_page(self, scope: str, version: int, digest: str, page: Any) -> None:
        """Caches a page (any JSON value) at `version` of `scope`."""
        payload = json.dumps(page, separators=(",", ":"))
        await self._guard.run(lambda: self._keys.put_page(scope, version, digest, payload))
