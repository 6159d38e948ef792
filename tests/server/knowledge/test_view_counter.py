"""View counts are exact: 1,000 concurrent GetArticle calls, then a graceful shutdown, give 1,000 views."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import grpc.aio
import pytest
from sqlalchemy import text

from helpdesk.v1 import article_pb2, auth_service_pb2_grpc, knowledge_service_pb2, knowledge_service_pb2_grpc
from server.app import HelpdeskApp, open_database
from server.core.context import Role
from server.knowledge.cache import KnowledgeCache, RedisGuard
from server.knowledge.view_counter import ViewCounter
from server.settings import Settings
from storage import redis_keys
from storage.redis import create_redis
from tests.server.knowledge.kb_support import KnowledgeStub, create_article
from tests.support import redis_busy, sign_in_as

VIEWS = 1000
# All in flight at once: more than the process's 100 Redis connections, so most calls wait for one.
# They wait their turn, and a wait never opens the knowledge base's breaker (storage.redis.client,
# server.knowledge.cache.RedisGuard); before that, a wait over a second on a busy machine opened it,
# the reads went to PostgreSQL, and its pool refused some ("the database is unavailable").


async def _views_in_postgres(settings: Settings, article_id: str) -> int:
    database = open_database(settings)
    try:
        async with database.unit_of_work() as uow:
            value = await uow.session.scalar(
                text("SELECT view_count FROM articles WHERE id = :id"), {"id": uuid.UUID(article_id)}
            )
    finally:
        await database.dispose()
    return int(value)


@contextlib.asynccontextmanager
async def _running(settings: Settings, flush_seconds: float) -> AsyncIterator[HelpdeskApp]:
    """A server for one test, stopped gracefully on the way out (the stop flushes the views)."""
    app = await HelpdeskApp.create(settings.replace(knowledge_view_flush_seconds=flush_seconds))
    await app.start()
    try:
        yield app
    except BaseException:
        await app.stop(grace=1.0)
        raise
    await app.stop(grace=5.0)


def _channel(app: HelpdeskApp) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(f"127.0.0.1:{app.port}")


async def _published_article(
    app: HelpdeskApp, channel: grpc.aio.Channel, title: str
) -> tuple[KnowledgeStub, article_pb2.Article]:
    stub = knowledge_service_pb2_grpc.KnowledgeServiceStub(channel)
    agent = await sign_in_as(app, auth_service_pb2_grpc.AuthServiceStub(channel), Role.AGENT)
    return stub, await create_article(stub, agent, title=f"{title} {uuid.uuid4().hex[:6]}", publish=True)


# A long interval: every view reaches PostgreSQL through the flush on shutdown. A short one:
# periodic flushes run while the calls are counted, and none is lost or counted twice.
@pytest.mark.parametrize("flush_seconds", [600.0, 0.05], ids=["flushed-on-stop", "flushed-while-counting"])
async def test_views_are_exact_after_concurrent_reads_and_a_graceful_stop(
    settings: Settings, flush_seconds: float
) -> None:
    async with _running(settings, flush_seconds) as app, _channel(app) as channel:
        stub, article = await _published_article(app, channel, "Counted")
        request = knowledge_service_pb2.GetArticleRequest(id=article.slug)
        answers = await asyncio.gather(*(stub.GetArticle(request, timeout=60) for _ in range(VIEWS)))
        assert len(answers) == VIEWS

    assert await _views_in_postgres(settings, article.id) == VIEWS
    redis = create_redis(settings.redis_url)
    try:
        assert await redis.hget(redis_keys.knowledge_pending_views(), article.id) is None
        assert await redis.keys(redis_keys.knowledge_flushing_views("*")) == []
    finally:
        await redis.aclose()


async def test_views_redis_answers_too_late_are_counted_once(settings: Settings) -> None:
    """Redis busy past the client's timeout: the views it could not answer in time are counted once.

    Redis runs each increment after the script, though the client gave up on it (and retried it on a
    new connection): such a view was counted both in Redis and in PostgreSQL before.
    """
    async with _running(settings, 600.0) as app:
        async with _channel(app) as channel:
            _, article = await _published_article(app, channel, "Late")
        assert app.knowledge is not None
        views = app.knowledge.views
        article_id = uuid.UUID(article.id)
        await asyncio.gather(*(views.record(article_id) for _ in range(5)))  # answered at once
        async with redis_busy(settings.redis_url, 3.0):
            await asyncio.gather(*(views.record(article_id) for _ in range(5)))  # each unanswered within 1 s

    assert await _views_in_postgres(settings, article.id) == 10


async def test_views_a_flush_took_while_redis_answered_too_late_are_written_once(settings: Settings) -> None:
    """Redis runs a flush's take of the pending views after the client gave up on it: a later flush writes them.

    The take and redis-py's retry of it both run once Redis is free, the views counted after it
    are taken by a later flush, and none is left in a key no flush reads, nor counted twice.
    """
    async with _running(settings, 600.0) as app:
        async with _channel(app) as channel:
            _, article = await _published_article(app, channel, "Taken late")
        assert app.knowledge is not None
        views = app.knowledge.views
        article_id = uuid.UUID(article.id)
        assert await views.flush() == 0  # nothing to take, and Redis has the take's script (a late run needs it)
        await asyncio.gather(*(views.record(article_id) for _ in range(5)))
        async with redis_busy(settings.redis_url, 3.0):
            assert await views.flush() == 0  # unanswered (twice, within 1 s each): nothing written yet
        await asyncio.gather(*(views.record(article_id) for _ in range(2)))  # counted after the late take ran
        assert await views.flush() == 5

    assert await _views_in_postgres(settings, article.id) == 7
    redis = create_redis(settings.redis_url)
    try:
        assert await redis.keys(redis_keys.knowledge_flushing_views("*")) == []
    finally:
        await redis.aclose()


async def test_a_burst_of_views_written_straight_to_postgres_shares_its_writes(settings: Settings) -> None:
    """Redis unavailable, a burst of views goes to PostgreSQL: they wait on one write, not on the pool.

    With the article's row locked past the pool's timeout (a long transaction), one UPDATE per
    view held every connection and the rest of the burst failed ("the database is unavailable");
    now one write waits for the lock, and every view is counted once it is released.
    """
    async with _running(settings.replace(db_pool_timeout_seconds=2.0), 600.0) as app:
        async with _channel(app) as channel:
            _, article = await _published_article(app, channel, "Burst")
        assert app.knowledge is not None
        views = app.knowledge.views
        article_id = uuid.UUID(article.id)
        database = open_database(settings)
        try:
            async with database.unit_of_work() as uow:
                await uow.session.execute(text("SELECT 1 FROM articles WHERE id = :id FOR UPDATE"), {"id": article_id})
                # Unanswered past the client's timeout and its retry (2 s): the breaker opens for 2 s.
                async with redis_busy(settings.redis_url, 2.6):
                    await views.record(article_id)
                burst = asyncio.gather(*(views.record(article_id) for _ in range(200)))
                await asyncio.sleep(3.0)  # past the pool's timeout
                assert not burst.done()
            await burst
        finally:
            await database.dispose()

    assert await _views_in_postgres(settings, article.id) == 201


async def test_a_burst_beyond_the_processs_redis_connections_stays_on_redis(settings: Settings) -> None:
    """More Redis commands at once than the process has connections: the views and reads wait their turn.

    The queue outlasting the client's 1 s timeout read as Redis being down: the waiting commands
    failed ("Too many connections"), the breaker opened, and for its cooldown every view was written
    straight to PostgreSQL and every read skipped the cache, though Redis answered all along.
    """
    async with _running(settings, 600.0) as app, _channel(app) as channel:
        _, article = await _published_article(app, channel, "Busy pool")
    article_id = uuid.UUID(article.id)
    redis = create_redis(settings.redis_url, max_connections=2)
    database = open_database(settings)
    guard = RedisGuard(redis)
    cache = KnowledgeCache(guard, ttl_seconds=60)
    views = ViewCounter(database=database, guard=guard, cache=cache, interval_seconds=600.0)
    busy_key = f"test:busy:{uuid.uuid4().hex}"
    try:
        # Four other commands of the process hold a connection 0.6 s each (Redis answers them at once
        # when the time is up), queued first: the burst's first connection comes back 1.2 s later.
        async def hold() -> object:
            return await redis.blpop([busy_key], timeout=0.6)

        holders = [asyncio.create_task(hold()) for _ in range(4)]
        await asyncio.sleep(0.1)
        burst = 10
        recorded, versions = await asyncio.gather(
            asyncio.gather(*(views.record(article_id) for _ in range(burst))),
            asyncio.gather(*(cache.article_version(article_id) for _ in range(burst))),
        )
        assert await asyncio.gather(*holders) == [None] * 4
        assert guard.available
        assert None not in versions  # every read used the cache
        # Counted in Redis, pending the flush: none written to PostgreSQL directly, none left unanswered.
        assert await redis.hget(redis_keys.knowledge_pending_views(), article.id) == str(burst)
        assert await views.flush() == burst
        assert len(recorded) == burst
    finally:
        await views.stop()
        await cache.aclose()
        await redis.aclose()
        await database.dispose()

    assert await _views_in_postgres(settings, article.id) == burst


async def test_a_pool_held_by_the_process_itself_does_not_open_the_breaker(settings: Settings) -> None:
    """Every connection held by the process and none given back: that read skips Redis, the next ones do not.

    A pool exhausted by the process's own commands says nothing of Redis: opening the breaker sent
    every call of the next seconds to PostgreSQL.
    """
    redis = create_redis(settings.redis_url, max_connections=1)
    guard = RedisGuard(redis)
    cache = KnowledgeCache(guard, ttl_seconds=60)
    subscriber = redis.pubsub()
    article_id = uuid.uuid4()
    try:
        await subscriber.subscribe(f"test:held:{uuid.uuid4().hex}")  # holds the only connection
        assert await cache.article_version(article_id) is None  # no connection within the timeout
        assert guard.available
        await subscriber.aclose()  # type: ignore[no-untyped-call]
        assert await cache.article_version(article_id) == 0
    finally:
        await subscriber.aclose()  # type: ignore[no-untyped-call]
        await cache.aclose()
        await redis.aclose()
