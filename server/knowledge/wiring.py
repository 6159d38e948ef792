"""The knowledge base's parts, built once per process from the settings and stores."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from redis.asyncio import Redis

from server.knowledge.cache import KnowledgeCache, RedisGuard
from server.knowledge.domain import KnowledgeBase
from server.knowledge.search import ArticleSearch
from server.knowledge.servicer import KnowledgeServicer, register
from server.knowledge.view_counter import ViewCounter
from server.settings import Settings
from storage.db import Database


@dataclass(frozen=True, slots=True)
class Knowledge:
    """Domain, search, cache and view counter of the knowledge base, and its servicer."""

    knowledge: KnowledgeBase
    search: ArticleSearch
    cache: KnowledgeCache
    views: ViewCounter
    servicer: KnowledgeServicer

    @classmethod
    def create(cls, *, settings: Settings, database: Database, redis: Redis) -> Knowledge:
        """Builds every part; nothing runs until `start`."""
        guard = RedisGuard(redis)
        cache = KnowledgeCache(
            guard, ttl_seconds=settings.knowledge_cache_ttl_seconds, enabled=settings.knowledge_cache_enabled
        )
        views = ViewCounter(
            database=database, guard=guard, cache=cache, interval_seconds=settings.knowledge_view_flush_seconds
        )
        knowledge = KnowledgeBase(database=database, cache=cache, views=views)
        search = ArticleSearch(database=database, cache=cache)
        servicer = KnowledgeServicer(knowledge=knowledge, search=search)
        return cls(knowledge=knowledge, search=search, cache=cache, views=views, servicer=servicer)

    def add_to_server(self, server: grpc.aio.Server) -> None:
        """Serves the KnowledgeService on `server` (see `servicer.register`)."""
        register(self.servicer, server)

    def start(self) -> None:
        """Starts the background view flush and the cache's in-process copies."""
        self.cache.start()
        self.views.start()

    async def stop(self) -> None:
        """Stops the flush and writes the remaining views (call after the server has drained)."""
        try:
            await self.views.stop()
        finally:
            await self.cache.aclose()
