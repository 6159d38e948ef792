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
from server.settings import Settings
from storage import redis_keys
from storage.redis import create_redis
from tests.server.knowledge.kb_support import KnowledgeStub, create_article
from tests.support import redis_busy, sign_in_as

VIEWS = 1000


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
