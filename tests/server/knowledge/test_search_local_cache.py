"""Search pages held in each replica's memory: no round trip on a hit, the same bytes, exact over announcements."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Collection
from pathlib import Path

import grpc
import grpc.aio
import pytest
from redis.asyncio import Redis

from helpdesk.v1 import article_pb2, knowledge_service_pb2, knowledge_service_pb2_grpc
from server.app import HelpdeskApp
from server.knowledge.cache import SEARCH, KnowledgeCache
from server.settings import Settings
from tests.server.knowledge.kb_support import ANONYMOUS, KbCast, Metadata, create_article, update_article
from tests.support import becomes_true, second_replica, serving_on_its_own_redis

RawSearch = grpc.aio.UnaryUnaryMultiCallable[knowledge_service_pb2.SearchArticlesRequest, bytes]


class Replica:
    """One server, a stub and a raw (bytes) SearchArticles of a channel to it."""

    def __init__(self, app: HelpdeskApp, channel: grpc.aio.Channel) -> None:
        self.app = app
        self.stub = knowledge_service_pb2_grpc.KnowledgeServiceStub(channel)
        self.raw: RawSearch = channel.unary_unary(
            "/helpdesk.v1.KnowledgeService/SearchArticles",
            request_serializer=knowledge_service_pb2.SearchArticlesRequest.SerializeToString,
            response_deserializer=None,
        )

    @property
    def cache(self) -> KnowledgeCache:
        """The replica's knowledge cache."""
        assert self.app.knowledge is not None
        return self.app.knowledge.cache

    async def titles(self, word: str, metadata: Metadata = ANONYMOUS, **fields: object) -> list[str]:
        """Titles a search finds."""
        request = knowledge_service_pb2.SearchArticlesRequest(query=word, **fields)  # type: ignore[arg-type]
        answer = knowledge_service_pb2.SearchArticlesResponse.FromString(await self.raw(request, metadata=metadata))
        return sorted(result.article.title for result in answer.results)

    def search_bumped(self) -> asyncio.Event:
        """An event set when this replica forgets its version of the search pages (a write here or an announcement)."""
        event = asyncio.Event()

        def seen(scopes: Collection[str]) -> None:
            if SEARCH in scopes:
                event.set()

        self.cache.local_versions.drop_listeners.add(seen)
        return event


async def _mgets(redis: Redis) -> int:
    stats = await redis.info("commandstats")
    return int(stats.get("cmdstat_mget", {}).get("calls", 0))


@pytest.fixture
async def replicas(app: HelpdeskApp, settings: Settings) -> AsyncIterator[tuple[Replica, Replica]]:
    """The module's server (A) and a second one (B) on the same PostgreSQL and Redis, both caching."""
    async with second_replica(app, settings) as (other, to_a, to_b):
        a, b = Replica(app, to_a), Replica(other, to_b)
        assert await becomes_true(lambda: a.cache.local_versions.live and b.cache.local_versions.live)
        yield a, b


async def test_a_held_page_is_answered_without_redis_and_is_the_computed_answer_byte_for_byte(
    replicas: tuple[Replica, Replica], cast: KbCast, redis_client: Redis
) -> None:
    a, _ = replicas
    word = "lb" + uuid.uuid4().hex[:8]
    await create_article(a.stub, cast.agent, title=f"{word} um", body=f"Texto <b>{word}</b> & 'mais'.", publish=True)
    await create_article(a.stub, cast.agent, title=f"{word} dois", body=f"Plain {word}.", tags=("x",), publish=True)
    request = knowledge_service_pb2.SearchArticlesRequest(query=word)
    await a.raw(request)  # a miss: PostgreSQL, not stored (asked once so far)
    computed = await a.raw(request)  # asked again: PostgreSQL, then Redis
    from_redis = await a.raw(request)  # a Redis hit, now held in memory

    before = await _mgets(redis_client)
    held = [await a.raw(request) for _ in range(3)]
    assert await _mgets(redis_client) == before

    assert from_redis == computed
    assert held == [computed] * 3


async def test_an_article_write_on_one_replica_is_seen_there_at_once_and_on_the_other_when_announced(
    replicas: tuple[Replica, Replica], cast: KbCast
) -> None:
    a, b = replicas
    word = "lw" + uuid.uuid4().hex[:8]
    article = await create_article(a.stub, cast.agent, title=f"Original {word}", publish=True)
    for replica in (a, b):
        for _ in range(3):
            assert await replica.titles(word) == [f"Original {word}"]
    announced_to_b = b.search_bumped()

    got = await a.stub.GetArticle(knowledge_service_pb2.GetArticleRequest(id=article.id))
    got.title = f"Renamed {word}"
    await update_article(a.stub, cast.agent, got, ["title"])

    assert await a.titles(word) == [f"Renamed {word}"]
    await asyncio.wait_for(announced_to_b.wait(), timeout=5)
    assert await b.titles(word) == [f"Renamed {word}"]


async def test_held_pages_keep_each_audience_to_what_it_may_see(
    replicas: tuple[Replica, Replica], cast: KbCast
) -> None:
    a, _ = replicas
    word = "la" + uuid.uuid4().hex[:8]
    await create_article(a.stub, cast.agent, title=f"Published {word}", publish=True)
    await create_article(a.stub, cast.agent, title=f"Draft {word}")
    both = [article_pb2.ARTICLE_STATE_DRAFT, article_pb2.ARTICLE_STATE_PUBLISHED]
    expected = {
        "anonymous": (ANONYMOUS, [f"Published {word}"]),
        "customer": (cast.customer.metadata, [f"Published {word}"]),
        "agent": (cast.agent.metadata, [f"Draft {word}", f"Published {word}"]),
    }
    # Interleaved, each audience asking for drafts too, long after every page is held.
    for _ in range(4):
        for who, (metadata, titles) in expected.items():
            assert await a.titles(word, metadata, states=both) == titles, who


async def test_a_page_missed_announcement_is_never_answered_and_an_outage_forgets_every_page(
    settings: Settings, tmp_path: Path, cast: KbCast
) -> None:
    async with serving_on_its_own_redis(settings, tmp_path) as (app, channel, own):
        replica = Replica(app, channel)
        assert await becomes_true(lambda: replica.cache.local_versions.live)
        word = "ld" + uuid.uuid4().hex[:8]
        article = await create_article(replica.stub, cast.agent, title=f"Before {word}", publish=True)
        for _ in range(3):
            assert await replica.titles(word) == [f"Before {word}"]
        got = await replica.stub.GetArticle(knowledge_service_pb2.GetArticleRequest(id=article.id))
        got.title = f"After {word}"

        await asyncio.to_thread(own.stop)
        assert await becomes_true(lambda: not replica.cache.local_versions.live)
        # Without Redis the write cannot be announced (nor bumped): searches read PostgreSQL.
        await update_article(replica.stub, cast.agent, got, ["title"])
        assert await replica.titles(word) == [f"After {word}"]

        await asyncio.to_thread(own.start)
        assert await becomes_true(lambda: replica.cache.local_versions.live, within=10)
        # Back: the page held before the write is not answered again; the new one is held.
        for _ in range(3):
            assert await replica.titles(word) == [f"After {word}"]


async def test_a_bump_redis_cannot_take_still_forgets_the_version_this_replica_holds(
    replicas: tuple[Replica, Replica], redis_client: Redis
) -> None:
    a, _ = replicas
    digest = uuid.uuid4().hex
    version, _ = await a.cache.get_encoded_page(SEARCH, digest)
    assert version is not None
    assert a.cache.local_versions.get(SEARCH) == version

    # Redis holds every write (the bump and its announcement) for longer than the client waits.
    await redis_client.client_pause(6000, all=False)
    try:
        assert not await a.cache.invalidate([], scopes=[SEARCH])
        assert a.cache.local_versions.get(SEARCH) is None
    finally:
        await redis_client.client_unpause()


async def test_a_version_read_while_a_bump_is_announced_is_not_kept(replicas: tuple[Replica, Replica]) -> None:
    a, _ = replicas
    a.cache.local_versions.drop([SEARCH])
    reading = asyncio.create_task(a.cache.get_encoded_page(SEARCH, uuid.uuid4().hex))
    await asyncio.sleep(0)  # the read is under way, waiting for Redis
    a.cache.local_versions.drop([SEARCH])  # a bump is announced meanwhile
    await reading

    # The version read may predate the bump: it is not kept, so no page is answered against it.
    assert a.cache.local_versions.get(SEARCH) is None
