"""The search page cache: serialized answers behind a version stamp, one Redis round trip per hit."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
from redis.asyncio import Redis

from helpdesk.v1 import article_pb2, knowledge_service_pb2
from server.app import HelpdeskApp
from server.knowledge.cache import SEARCH, KnowledgeCache, RedisGuard
from tests.server.knowledge.kb_support import KbCast, KnowledgeStub, create_article, update_article


async def _command_calls(redis: Redis) -> dict[str, int]:
    stats = await redis.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(values["calls"]) for name, values in stats.items()}


async def test_any_bytes_round_trip_and_only_at_the_current_version(redis_client: Redis) -> None:
    cache = KnowledgeCache(RedisGuard(redis_client), ttl_seconds=60)
    digest = uuid.uuid4().hex
    payload = bytes(range(256)) * 4  # every byte value, as a serialized protobuf may hold

    version, cached = await cache.get_encoded_page(SEARCH, digest)
    assert cached is None
    assert version is not None
    await cache.put_encoded_page(SEARCH, version, digest, payload)
    assert await cache.get_encoded_page(SEARCH, digest) == (version, payload)

    assert await cache.invalidate([], scopes=[SEARCH])
    newer, cached = await cache.get_encoded_page(SEARCH, digest)
    assert (newer, cached) == (version + 1, None)
    # A reader that read the old version before a write stores its (old) answer late: never served.
    await cache.put_encoded_page(SEARCH, version, digest, b"stale")
    assert await cache.get_encoded_page(SEARCH, digest) == (version + 1, None)
    await cache.aclose()


async def test_a_page_is_cached_from_its_second_request_on(
    app: HelpdeskApp, kb_stub: KnowledgeStub, cast: KbCast, redis_client: Redis
) -> None:
    # Most searches are asked once: their pages are not written to Redis, only pages asked again.
    word = "tw" + uuid.uuid4().hex[:8]
    article = await create_article(kb_stub, cast.agent, title=f"Twice {word}", body=f"Body {word}", publish=True)
    request = knowledge_service_pb2.SearchArticlesRequest(query=word)

    async def sets_after_search(*, settle: float) -> int:
        before = (await _command_calls(redis_client)).get("set", 0)
        answer = await kb_stub.SearchArticles(request)
        assert [r.article.id for r in answer.results] == [article.id]
        # The fill is not waited for by the search: Redis counts it once it has read it.
        deadline = asyncio.get_running_loop().time() + settle
        while True:
            sets = (await _command_calls(redis_client)).get("set", 0) - before
            if sets or asyncio.get_running_loop().time() > deadline:
                return sets
            await asyncio.sleep(0.05)

    assert await sets_after_search(settle=0.5) == 0  # computed, not stored
    assert await sets_after_search(settle=5.0) == 1  # asked again: computed and stored
    assert await sets_after_search(settle=0.5) == 0  # answered from the cache


async def test_a_cached_search_is_one_redis_round_trip(
    app: HelpdeskApp, kb_stub: KnowledgeStub, cast: KbCast, redis_client: Redis
) -> None:
    assert app.knowledge is not None
    assert app.knowledge.cache.enabled
    word = "rt" + uuid.uuid4().hex[:8]
    article = await create_article(kb_stub, cast.agent, title=f"Round trip {word}", body=f"Body {word}", publish=True)
    request = knowledge_service_pb2.SearchArticlesRequest(query=word)
    await kb_stub.SearchArticles(request)  # a miss: PostgreSQL, not stored (asked once so far)
    first = await kb_stub.SearchArticles(request)  # asked again: a miss, then stored

    before = await _command_calls(redis_client)
    second = await kb_stub.SearchArticles(request)
    after = await _command_calls(redis_client)

    assert second == first
    assert [r.article.id for r in second.results] == [article.id]
    assert "<mark>" in second.results[0].snippet
    assert after.get("mget", 0) - before.get("mget", 0) == 1
    assert after.get("get", 0) == before.get("get", 0)
    assert after.get("set", 0) == before.get("set", 0)

    # Exact invalidation still holds for the serialized pages.
    got = await kb_stub.GetArticle(knowledge_service_pb2.GetArticleRequest(id=article.id))
    got.title = f"Renamed {word}"
    await update_article(kb_stub, cast.agent, got, ["title"])
    third = await kb_stub.SearchArticles(request)
    assert [r.article.title for r in third.results] == [f"Renamed {word}"]


async def test_a_cached_answer_is_the_computed_one_byte_for_byte_and_holds_what_get_article_shows(
    app: HelpdeskApp, channel: grpc.aio.Channel, kb_stub: KnowledgeStub, cast: KbCast
) -> None:
    word = "bb" + uuid.uuid4().hex[:8]
    ids = [
        (await create_article(kb_stub, cast.agent, title=f"{word} {n}", body=body, tags=tags, publish=True)).id
        for n, (body, tags) in enumerate(
            ((f"Texto <b>{word}</b> & 'mais'.", ("a", "b")), (f"Plain {word} text.\nSecond line {word}.", ()))
        )
    ]
    raw: grpc.aio.UnaryUnaryMultiCallable[knowledge_service_pb2.SearchArticlesRequest, bytes] = channel.unary_unary(
        "/helpdesk.v1.KnowledgeService/SearchArticles",
        request_serializer=knowledge_service_pb2.SearchArticlesRequest.SerializeToString,
        response_deserializer=None,
    )
    request = knowledge_service_pb2.SearchArticlesRequest(query=word)
    computed = await raw(request)  # a miss: PostgreSQL
    cached = await raw(request)  # a hit: the bytes Redis holds

    assert isinstance(computed, bytes)
    assert cached == computed
    answer = knowledge_service_pb2.SearchArticlesResponse.FromString(computed)
    assert sorted(r.article.id for r in answer.results) == sorted(ids)
    for result in answer.results:
        shown = await kb_stub.GetArticle(
            knowledge_service_pb2.GetArticleRequest(id=result.article.id, view=article_pb2.ARTICLE_VIEW_BASIC)
        )
        assert result.article == shown
        assert result.article.HasField("publish_time")


async def test_a_page_fill_is_not_waited_for_and_a_refused_one_opens_the_breaker(
    redis_client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    guard = RedisGuard(redis_client)
    cache = KnowledgeCache(guard, ttl_seconds=60)
    digest = uuid.uuid4().hex
    version, _ = await cache.get_encoded_page(SEARCH, digest)
    assert version is not None
    # Sent at once, no wait: the next read on the same connection already finds it.
    assert cache.fill_encoded_page(SEARCH, version, digest, b"filled")
    assert await cache.get_encoded_page(SEARCH, digest) == (version, b"filled")

    # Redis refusing the write (out of memory) is seen when its reply comes, as an awaited write's failure is.
    limit = str((await redis_client.config_get("maxmemory"))["maxmemory"])
    await redis_client.config_set("maxmemory", 1)
    try:
        assert cache.fill_encoded_page(SEARCH, version, uuid.uuid4().hex, b"refused")
        assert guard.available
        await cache.get_encoded_page(SEARCH, digest)  # its reply comes after the refusal
    finally:
        await redis_client.config_set("maxmemory", limit)
    assert not guard.available
    assert "redis unavailable" in caplog.text
    await cache.aclose()
