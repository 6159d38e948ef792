"""Redis stopped mid-test: reads and search answer from PostgreSQL, views go to PostgreSQL directly,
and health keeps KnowledgeService SERVING while the services that need Redis report NOT_SERVING."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc.aio
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from devstack.redis import EmbeddedRedis
from helpdesk.v1 import auth_service_pb2_grpc, knowledge_service_pb2, knowledge_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role
from server.settings import Settings
from tests.server.knowledge.kb_support import create_article, search
from tests.support import sign_in_as


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[EmbeddedRedis]:
    """A Redis of this test only (it gets stopped)."""
    server = EmbeddedRedis(tmp_path / "redis", persist=False)
    await asyncio.to_thread(server.start)
    yield server
    await asyncio.to_thread(server.stop)


async def test_search_and_reads_survive_redis_going_away(settings: Settings, own_redis: EmbeddedRedis) -> None:
    app = await HelpdeskApp.create(settings.replace(redis_url=own_redis.url))
    await app.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
            auth_stub = auth_service_pb2_grpc.AuthServiceStub(channel)
            stub = knowledge_service_pb2_grpc.KnowledgeServiceStub(channel)
            health = health_pb2_grpc.HealthStub(channel)
            agent = await sign_in_as(app, auth_stub, Role.AGENT)
            word = "rd" + uuid.uuid4().hex[:8]
            article = await create_article(
                stub, agent, title=f"Redefinir senha {word}", category=f"c-{word}", publish=True
            )
            assert await search(stub, word) == [article.title]  # cached in Redis

            await asyncio.to_thread(own_redis.stop)

            assert await search(stub, word) == [article.title]
            assert await search(stub, f"senha {word}") == [article.title]
            for _ in range(3):
                got = await stub.GetArticle(knowledge_service_pb2.GetArticleRequest(id=article.slug))
                assert got.id == article.id
            listed = await stub.ListArticles(knowledge_service_pb2.ListArticlesRequest(category=f"c-{word}"))
            # Without Redis each view is written straight to PostgreSQL: visible at once.
            assert [a.view_count for a in listed.articles] == [3]
            categories = await stub.ListCategories(knowledge_service_pb2.ListCategoriesRequest(page_size=200))
            assert f"c-{word}" in {c.name for c in categories.categories}

            await app.health.check_once()
            assert "helpdesk.v1.KnowledgeService" in app.health.degraded["redis"]
            knowledge = await health.Check(health_pb2.HealthCheckRequest(service="helpdesk.v1.KnowledgeService"))
            assert knowledge.status == health_pb2.HealthCheckResponse.SERVING
            auth = await health.Check(health_pb2.HealthCheckRequest(service="helpdesk.v1.AuthService"))
            assert auth.status == health_pb2.HealthCheckResponse.NOT_SERVING
    finally:
        await app.stop(grace=1.0)
