"""The knowledge base's cache entries and their version keys (the invalidation scheme is the knowledge domain's)."""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Callable, Collection, Iterable
from typing import Any

import hiredis
from redis.asyncio import Redis
from redis.client import NEVER_DECODE
from redis.exceptions import ResponseError

from storage import redis_keys
from storage.redis.client import PipelinedConnection, pack_command
from storage.redis.errors import RedisUnavailable, unavailable_as_one_error
from storage.redis.invalidations import announce_in

# The invalidation kind of page scopes: every bump of a scope's version is announced under it.
PAGE_SCOPES = "kb-scope"


class KnowledgeCacheKeys:
    """Reads and writes versions, articles and pages as text; raises RedisUnavailable when Redis cannot answer."""

    def __init__(self, redis: Redis, *, ttl_seconds: int) -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        # Encoded pages (every search) go through a pipelined connection of their own where the
        # client allows it: a third of what the same command costs through redis-py.
        self._pages = PipelinedConnection(redis) if PipelinedConnection.supports(redis) else None

    async def aclose(self) -> None:
        """Closes the pages' own connection (the shared client is its owner's to close)."""
        if self._pages is not None:
            await self._pages.aclose()

    async def page_version(self, scope: str) -> int:
        """The current version of a page scope (0 before its first bump)."""
        with unavailable_as_one_error():
            return int(await self._redis.get(redis_keys.knowledge_version(scope)) or 0)

    async def article_version(self, article_id: uuid.UUID) -> int:
        """The current version of one article's cached read."""
        with unavailable_as_one_error():
            return int(await self._redis.get(redis_keys.knowledge_article_version(article_id)) or 0)

    async def bump(self, *, scopes: Collection[str], article_ids: Iterable[uuid.UUID]) -> None:
        """Bumps the versions of these page scopes and articles, then announces the scopes (one round trip).

        Only scopes are announced: replicas keep page-scope versions in memory, never article versions.
        """
        with unavailable_as_one_error():
            async with self._redis.pipeline(transaction=False) as pipe:
                for scope in scopes:
                    pipe.incr(redis_keys.knowledge_version(scope))
                for article_id in article_ids:
                    pipe.incr(redis_keys.knowledge_article_version(article_id))
                # After the increments: a replica that drops its copy and reads again gets the new version.
                if scopes:
                    announce_in(pipe, PAGE_SCOPES, scopes)
                await pipe.execute()

    async def article_id_for_slug(self, slug: str) -> str | None:
        """The article id last cached for `slug`."""
        with unavailable_as_one_error():
            value = await self._redis.get(redis_keys.knowledge_slug(slug))
        return None if value is None else str(value)

    async def get_article(self, article_id: uuid.UUID, version: int) -> str | None:
        """The cached article (JSON text) at `version`."""
        with unavailable_as_one_error():
            value = await self._redis.get(redis_keys.knowledge_article(article_id, version))
        return None if value is None else str(value)

    async def put_article(self, *, article_id: uuid.UUID, slug: str, version: int, payload: str) -> None:
        """Caches an article (JSON text) at `version`, and its slug's id."""
        with unavailable_as_one_error():
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.set(redis_keys.knowledge_article(article_id, version), payload, ex=self._ttl)
                pipe.set(redis_keys.knowledge_slug(slug), str(article_id), ex=self._ttl)
                await pipe.execute()

    async def forget_slug(self, slug: str) -> None:
        """Drops a slug's cached id."""
        with unavailable_as_one_error():
            await self._redis.delete(redis_keys.knowledge_slug(slug))

    async def get_encoded_page(self, scope: str, digest: str) -> tuple[int, bytes | None]:
        """The scope's version and the stored page entry (bytes, or None), in one MGET.

        Read undecoded (the client decodes replies as UTF-8 text otherwise): the entry is an
        encoded answer, handed on as it is.
        """
        keys = (redis_keys.knowledge_version(scope), redis_keys.knowledge_encoded_page(scope, digest))
        with unavailable_as_one_error():
            if self._pages is not None:
                raw_version, entry = await self._pages.execute(pack_command("MGET", *keys))
                return int(raw_version or 0), entry
            # redis-py leaves execute_command unannotated; `mget` cannot pass NEVER_DECODE.
            raw_version, entry = await self._redis.execute_command(  # type: ignore[no-untyped-call]
                "MGET", *keys, **{NEVER_DECODE: True}
            )
        return int(raw_version or 0), entry

    async def put_encoded_page(self, scope: str, digest: str, entry: bytes) -> None:
        """Stores a page entry (bytes) under the scope and digest."""
        key = redis_keys.knowledge_encoded_page(scope, digest)
        with unavailable_as_one_error():
            if self._pages is not None:
                await self._pages.execute(pack_command("SET", key, entry, "EX", self._ttl))
                return
            await self._redis.set(key, entry, ex=self._ttl)

    def fill_encoded_page(
        self, scope: str, digest: str, entry: bytes, on_failure: Callable[[RedisUnavailable], None]
    ) -> bool:
        """Sends what `put_encoded_page` does without waiting for Redis's reply; False if it cannot now.

        It cannot without an open pipelined connection (there is none yet, or the client is not
        one it supports): the caller then puts the entry and waits. A failure seen later (an
        error reply, a timeout, the connection lost) goes to `on_failure`, as RedisUnavailable.
        """
        if self._pages is None:
            return False
        reply = self._pages.send(
            pack_command("SET", redis_keys.knowledge_encoded_page(scope, digest), entry, "EX", self._ttl)
        )
        if reply is None:
            return False
        reply.add_done_callback(functools.partial(_report_failure, on_failure))
        return True

    async def get_page(self, scope: str, version: int, digest: str) -> str | None:
        """A cached page (JSON text) at `version` of `scope`."""
        with unavailable_as_one_error():
            value = await self._redis.get(redis_keys.knowledge_page(scope, version, digest))
        return None if value is None else str(value)

    async def put_page(self, scope: str, version: int, digest: str, payload: str) -> None:
        """Caches a page (JSON text) at `version` of `scope`."""
        with unavailable_as_one_error():
            await self._redis.set(redis_keys.knowledge_page(scope, version, digest), payload, ex=self._ttl)


def _report_failure(on_failure: Callable[[RedisUnavailable], None], reply: asyncio.Future[Any]) -> None:
    """Hands a sent command's failure to `on_failure` (an OK reply is dropped)."""
    if reply.cancelled():
        return
    error = reply.exception()
    if error is None:
        result = reply.result()
        if not isinstance(result, hiredis.ReplyError):
            return
        error = ResponseError(str(result))
    try:
        with unavailable_as_one_error():
            raise error
    except RedisUnavailable as unavailable:
        on_failure(unavailable)
