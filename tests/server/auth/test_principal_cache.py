"""The in-process principal cache: answers without Redis, yet follows revocations made on any replica."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from server.auth.domain import AuthDomain
from server.auth.principal_cache import CacheVerdict, PrincipalCache
from server.core.context import Principal, Role
from server.core.errors import Unauthenticated
from server.settings import Settings
from server.users.domain import UserAdmin
from server.users.passwords import PasswordHasher
from storage import redis_keys
from storage.db import Database
from storage.redis import create_redis
from tests.support import becomes_true

# Long enough that only a revocation message (never the expiry) can explain an entry going.
LOCAL_TTL = timedelta(minutes=5)


@pytest.fixture
async def replica_redis(redis_url: str) -> AsyncIterator[Callable[[str], Redis]]:
    """Makes Redis clients standing for separate replicas (each has its own local layer)."""
    clients: list[Redis] = []

    def make(name: str) -> Redis:
        client = create_redis(redis_url)
        client.connection_pool.connection_kwargs["client_name"] = name
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


def _principal() -> Principal:
    return Principal(user_id=uuid.uuid4(), role=Role.CUSTOMER, session_id=uuid.uuid4())


async def _started(cache: PrincipalCache) -> PrincipalCache:
    cache.start()
    assert await becomes_true(lambda: cache.local_layer_live)
    return cache


async def test_a_revocation_on_one_replica_reaches_the_others_local_layer(
    replica_redis: Callable[[str], Redis], redis_client: Redis
) -> None:
    replica_a = await _started(
        PrincipalCache(replica_redis("replica-a"), revocation_ttl=LOCAL_TTL, local_ttl=LOCAL_TTL)
    )
    replica_b = await _started(
        PrincipalCache(replica_redis("replica-b"), revocation_ttl=LOCAL_TTL, local_ttl=LOCAL_TTL)
    )
    try:
        principal = _principal()
        await replica_a.put(principal)
        assert await replica_b.get(principal.session_id) == principal
        # B now answers from its own memory: even with the Redis entry gone behind its back.
        await redis_client.delete(redis_keys.principal(principal.session_id))
        assert await replica_b.get(principal.session_id) == principal

        await replica_a.invalidate([principal.session_id])

        # Long before the local TTL, B refuses: the revocation message dropped its entry.
        async def revoked_on_b() -> bool:
            return await replica_b.get(principal.session_id) is CacheVerdict.REVOKED

        assert await becomes_true(revoked_on_b)
        assert await replica_b.get(principal.session_id) is CacheVerdict.REVOKED
    finally:
        await replica_a.close()
        await replica_b.close()


async def test_the_local_layer_is_dropped_when_the_revocations_channel_drops(
    replica_redis: Callable[[str], Redis], redis_client: Redis
) -> None:
    cache = await _started(PrincipalCache(replica_redis("replica-c"), revocation_ttl=LOCAL_TTL, local_ttl=LOCAL_TTL))
    try:
        principal = _principal()
        await cache.put(principal)
        assert await cache.get(principal.session_id) == principal  # now in the local layer

        # A revocation whose message this replica missed: the local layer does not see it...
        await redis_client.set(redis_keys.revoked_session(principal.session_id), "1", px=60_000)
        assert await cache.get(principal.session_id) == principal

        # ...which is why losing the subscription (and so, maybe, messages) drops every local
        # entry: once subscribed again, Redis is asked afresh.
        killed = await redis_client.client_kill_filter(_type="pubsub", skipme=True)
        assert killed >= 1

        async def revoked() -> bool:
            return await cache.get(principal.session_id) is CacheVerdict.REVOKED

        assert await becomes_true(revoked)
        assert await becomes_true(lambda: cache.local_layer_live)
    finally:
        await cache.close()


async def test_a_deactivated_user_is_refused_at_once_by_every_replica(
    settings: Settings,
    database: Database,
    hasher: PasswordHasher,
    replica_redis: Callable[[str], Redis],
) -> None:
    replica_a, replica_b = replica_redis("replica-a"), replica_redis("replica-b")
    auth_a = AuthDomain(settings=settings, database=database, redis=replica_a, hasher=hasher)
    auth_b = AuthDomain(settings=settings, database=database, redis=replica_b, hasher=hasher)
    admin_a = UserAdmin(
        database=database, hasher=hasher, sessions=PrincipalCache(replica_a, revocation_ttl=settings.access_token_ttl)
    )
    auth_a.start()
    auth_b.start()
    try:
        registered = await auth_a.register(
            email=f"replicas-{uuid.uuid4().hex[:10]}@example.com",
            password="correct horse battery",
            display_name="Two Replicas",
            role_requested=None,
            client_ip="203.0.113.9",
            user_agent="tests",
        )
        token = registered.access_token
        # Both replicas know the caller; B keeps it in memory.
        assert (await auth_a.authenticate(access_token=token)).user_id == registered.user.id
        # A cache on B's Redis client shares B's local layer: it says when that layer is on.
        layer_b = PrincipalCache(replica_b, revocation_ttl=settings.access_token_ttl)
        assert await becomes_true(lambda: layer_b.local_layer_live)
        await auth_b.authenticate(access_token=token)
        await auth_b.authenticate(access_token=token)

        await admin_a.update_user(user_id=str(registered.user.id), active=False, update_mask_paths=["active"])

        async def refused_by_b() -> bool:
            try:
                await auth_b.authenticate(access_token=token)
            except Unauthenticated:
                return True
            return False

        # Well within B's local TTL (5 s): the revocation message, not the expiry, did it.
        assert await becomes_true(refused_by_b, within=2.5)
        with pytest.raises(Unauthenticated):
            await auth_a.authenticate(access_token=token)
    finally:
        await auth_a.close()
        await auth_b.close()
