"""View counts are exact: 1,000 concurrent GetArticle calls, then a graceful shutdown, give 1,000 views."""

from __future__ import annotations

import asyncio
import uuid

import grpc.aio
import pytest
from sqlalchemy import text

from helpdesk.v1 import auth_service_pb2_grpc, knowledge_service_pb2, knowledge_service_pb2_grpc
from server.app import HelpdeskApp, open_database
from server.core.context import Role
from server.settings import Settings
from storage import redis_keys
from storage.redis import create_redis
from tests.server.knowledge.kb_support import create_article
from tests.support import sign_in_as

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


# A long interval: every view reaches PostgreSQL through the flush on shutdown. A short one:
# periodic flushes run while the calls are counted, and none is lost or counted twice.
@pytest.mark.parametrize("flush_seconds", [600.0, 0.05], ids=["flushed-on-stop", "flushed-while-counting"])
async def test_views_are_exact_after_concurrent_reads_and_a_graceful_stop(
    settings: Settings, flush_seconds: float
) -> None:
    app = await HelpdeskApp.create(settings.replace(knowledge_view_flush_seconds=flush_seconds))
    await app.start()
    stopped = False
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
            auth_stub = auth_service_pb2_grpc.AuthServiceStub(channel)
            stub = knowledge_service_pb2_grpc.KnowledgeServiceStub(channel)
            agent = await sign_in_as(app, auth_stub, Role.AGENT)
            article = await create_article(stub, agent, title=f"Counted {uuid.uuid4().hex[:6]}", publish=True)
            request = knowledge_service_pb2.GetArticleRequest(id=article.slug)
            answers = await asyncio.gather(*(stub.GetArticle(request, timeout=60) for _ in range(VIEWS)))
            assert len(answers) == VIEWS
        await app.stop(grace=5.0)
        stopped = True
    finally:
        if not stopped:
            await app.stop(grace=1.0)

    assert await _views_in_postgres(settings, article.id) == VIEWS
    redis = create_redis(settings.redis_url)
    try:
        assert await redis.hget(redis_keys.knowledge_pending_views(), article.id) is None
        assert await redis.keys(redis_keys.knowledge_flushing_views("*")) == []
    finally:
        await redis.aclose()
