"""In-process caches kept exact by invalidations pushed over Redis pub/sub (real Redis, two clients as two replicas)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Collection
from pathlib import Path

import pytest
from redis.asyncio import Redis

from devstack.redis import EmbeddedRedis
from storage import redis_keys
from storage.redis import create_redis
from storage.redis.invalidations import (
    ENTRIES_ONLY,
    SESSIONS,
    Invalidations,
    LocalCache,
    announce,
    invalidations_for,
    message_for,
)
from tests.support import becomes_true

KIND = "test-kind"


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    """A client of the module's Redis (no cache of its own)."""
    client = create_redis(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def replicas(redis_url: str) -> AsyncIterator[Callable[[], Invalidations]]:
    """Starts the invalidation subscription of a new Redis client (one per replica)."""
    started: list[tuple[Invalidations, Redis]] = []

    def make() -> Invalidations:
        client = create_redis(redis_url)
        channel = invalidations_for(client)
        channel.start()
        started.append((channel, client))
        return channel

    yield make
    for channel, client in started:
        await channel.stop()
        await client.aclose()


def _cache(channel: Invalidations, *, ttl: float = 300.0, max_entries: int = 100) -> LocalCache[uuid.UUID, str]:
    return channel.cache(KIND, parse_key=uuid.UUID, value_type=str, ttl_seconds=ttl, max_entries=max_entries)


def _dropped(cache: LocalCache[uuid.UUID, str], key: uuid.UUID) -> asyncio.Event:
    """An event set when `key` is dropped from `cache`."""
    event = asyncio.Event()

    def seen(keys: Collection[uuid.UUID]) -> None:
        if key in keys:
            event.set()

    cache.drop_listeners.add(seen)
    return event


async def test_an_announcement_drops_the_entry_on_every_replica(
    replicas: Callable[[], Invalidations], redis_client: Redis
) -> None:
    a, b = replicas(), replicas()
    assert await becomes_true(lambda: a.live and b.live)
    on_a, on_b = _cache(a), _cache(b)
    key, other = uuid.uuid4(), uuid.uuid4()
    for cache in (on_a, on_b):
        cache.put(key, "old", generation=cache.generation)
        cache.put(other, "kept", generation=cache.generation)
    assert on_b.get(key) == "old"
    arrived, arrived_on_a = _dropped(on_b, key), _dropped(on_a, key)

    await announce(redis_client, KIND, [key])  # as a writer does after its commit

    await asyncio.wait_for(arrived.wait(), timeout=5)
    assert on_b.get(key) is None
    assert on_b.get(other) == "kept"  # only what the announcement names goes
    await asyncio.wait_for(arrived_on_a.wait(), timeout=5)
    assert on_a.get(key) is None


async def test_an_entries_only_announcement_leaves_what_is_derived_from_the_entries(
    replicas: Callable[[], Invalidations], redis_client: Redis
) -> None:
    channel = replicas()
    assert await becomes_true(lambda: channel.live)
    cache = _cache(channel)
    key, other = uuid.uuid4(), uuid.uuid4()
    cache.put(key, "old", generation=cache.generation)
    cache.put(other, "kept", generation=cache.generation)
    told: list[Collection[uuid.UUID]] = []
    cache.dependents.add(told.append)
    arrived = _dropped(cache, key)
    generation = cache.generation

    # What a change that leaves every cache derived from these entries as it was announces.
    message = message_for(KIND, [key], dependents=False)
    await redis_client.publish(redis_keys.invalidations(), message)

    await asyncio.wait_for(arrived.wait(), timeout=5)
    assert cache.get(key) is None
    assert cache.get(other) == "kept"
    assert cache.generation != generation  # a fill that raced it is not kept
    assert told == []  # the dependents keep what they derived
    # The marker comes after the keys and is no key: a replica that predates it (each part read by
    # `parse_key`, those that fail skipped) drops the keys, and its derived entries, as for any change.
    assert message == f"{KIND}:{key},{ENTRIES_ONLY}"
    with pytest.raises(ValueError, match="badly formed"):
        uuid.UUID(ENTRIES_ONLY)

    # A plain drop, announced or made here, tells the dependents.
    cache.drop([other])
    assert told == [{other}]


async def test_a_fill_that_raced_a_drop_is_not_kept(replicas: Callable[[], Invalidations]) -> None:
    channel = replicas()
    assert await becomes_true(lambda: channel.live)
    cache = _cache(channel)
    key = uuid.uuid4()
    generation = cache.generation  # a reader takes it, then reads the source...
    cache.drop([key])  # ...while a write drops the key...
    cache.put(key, "read before the write", generation=generation)  # ...and stores its old answer late
    assert cache.get(key) is None
    cache.put(key, "read after the write", generation=cache.generation)
    assert cache.get(key) == "read after the write"


async def test_nothing_is_answered_or_kept_while_the_subscription_is_down(tmp_path: Path) -> None:
    own = EmbeddedRedis(tmp_path / "redis", persist=False)
    await asyncio.to_thread(own.start)
    client = create_redis(own.url)
    channel = invalidations_for(client)
    try:
        cache = _cache(channel)
        key = uuid.uuid4()
        # Before the subscription is confirmed nothing is kept: announcements could be missed.
        channel.start()
        cache.put(key, "too early", generation=cache.generation)
        assert cache.get(key) is None
        assert await becomes_true(lambda: channel.live)
        cache.put(key, "held", generation=cache.generation)
        assert cache.get(key) == "held"

        await asyncio.to_thread(own.stop)
        assert await becomes_true(lambda: not channel.live)
        # Down: an announcement now would be missed, so nothing is answered, and nothing kept.
        assert cache.get(key) is None
        cache.put(key, "while down", generation=cache.generation)
        assert cache.get(key) is None

        await asyncio.to_thread(own.start)
        assert await becomes_true(lambda: channel.live, within=10)
        # Back: what was held before is forgotten, not answered again.
        assert cache.get(key) is None
        cache.put(key, "after", generation=cache.generation)
        assert cache.get(key) == "after"
    finally:
        await channel.stop()
        await client.aclose()
        await asyncio.to_thread(own.stop)


async def test_a_dropped_connection_forgets_everything_once_subscribed_again(
    replicas: Callable[[], Invalidations], redis_client: Redis
) -> None:
    channel = replicas()
    assert await becomes_true(lambda: channel.live)
    cache = _cache(channel)
    key = uuid.uuid4()
    cache.put(key, "held", generation=cache.generation)

    # The client reconnects and subscribes again at once: what was announced in between is lost.
    assert await redis_client.client_kill_filter(_type="pubsub", skipme=True) >= 1

    assert await becomes_true(lambda: cache.get(key) is None)
    assert await becomes_true(lambda: channel.live)


async def test_entries_expire_and_the_cache_stays_bounded(replicas: Callable[[], Invalidations]) -> None:
    channel = replicas()
    assert await becomes_true(lambda: channel.live)
    short = channel.cache("test-short", parse_key=uuid.UUID, value_type=str, ttl_seconds=0.2, max_entries=3)
    key = uuid.uuid4()
    short.put(key, "brief", generation=short.generation)
    assert short.get(key) == "brief"
    await asyncio.sleep(0.3)
    assert short.get(key) is None

    bounded = channel.cache("test-bounded", parse_key=uuid.UUID, value_type=str, ttl_seconds=300, max_entries=3)
    for n in range(10):
        bounded.put(uuid.uuid4(), f"entry {n}", generation=bounded.generation)
        assert len(bounded) <= 3


async def test_a_message_without_a_kind_names_sessions(
    replicas: Callable[[], Invalidations], redis_client: Redis
) -> None:
    channel = replicas()
    assert await becomes_true(lambda: channel.live)
    sessions = channel.cache(SESSIONS, parse_key=uuid.UUID, value_type=str, ttl_seconds=300, max_entries=10)
    others = _cache(channel)
    session_id = uuid.uuid4()
    sessions.put(session_id, "caller", generation=sessions.generation)
    others.put(session_id, "same id, other kind", generation=others.generation)
    arrived = _dropped(sessions, session_id)

    # What a replica of the previous version publishes when it revokes sessions.
    await redis_client.publish("helpdesk:principal:revocations", f"{session_id},not-a-uuid")

    await asyncio.wait_for(arrived.wait(), timeout=5)
    assert sessions.get(session_id) is None
    assert others.get(session_id) == "same id, other kind"
