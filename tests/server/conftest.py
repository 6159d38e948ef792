"""Fixtures for server tests: a channel to the real server, stubs, and the domain objects over real stores."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import grpc
import grpc.aio
import pytest
from redis.asyncio import Redis

from helpdesk.v1 import auth_service_pb2_grpc, user_service_pb2_grpc
from server.app import HelpdeskApp, open_database
from server.auth.domain import AuthDomain
from server.auth.principal_cache import PrincipalCache
from server.settings import Settings
from server.users.domain import UserAdmin
from server.users.passwords import PasswordHasher
from storage.db import Database
from storage.redis import create_redis


@pytest.fixture(scope="module")
async def channel(app: HelpdeskApp) -> AsyncIterator[grpc.aio.Channel]:
    """A channel to the module's server."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as chan:
        yield chan


@pytest.fixture(scope="module")
def auth_stub(channel: grpc.aio.Channel) -> auth_service_pb2_grpc.AuthServiceAsyncStub:
    """AuthService client."""
    return auth_service_pb2_grpc.AuthServiceStub(channel)


@pytest.fixture(scope="module")
def user_stub(channel: grpc.aio.Channel) -> user_service_pb2_grpc.UserServiceAsyncStub:
    """UserService client."""
    return user_service_pb2_grpc.UserServiceStub(channel)


@pytest.fixture(scope="module")
async def database(settings: Settings) -> AsyncIterator[Database]:
    """The module's database."""
    db = open_database(settings)
    yield db
    await db.dispose()


@pytest.fixture(scope="module")
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    """A client of the module's Redis."""
    client = create_redis(redis_url)
    yield client
    await client.aclose()


@pytest.fixture(scope="module")
def hasher(settings: Settings) -> Iterator[PasswordHasher]:
    """bcrypt at the settings' (cheap) cost."""
    pool = PasswordHasher(cost=settings.bcrypt_cost, max_concurrency=settings.bcrypt_max_concurrency)
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def auth_domain(settings: Settings, database: Database, redis_client: Redis, hasher: PasswordHasher) -> AuthDomain:
    """The auth domain over the module's stores."""
    return AuthDomain(settings=settings, database=database, redis=redis_client, hasher=hasher)


@pytest.fixture(scope="module")
def user_admin(settings: Settings, database: Database, redis_client: Redis, hasher: PasswordHasher) -> UserAdmin:
    """User administration over the module's stores."""
    sessions = PrincipalCache(redis_client, revocation_ttl=settings.access_token_ttl)
    return UserAdmin(database=database, hasher=hasher, sessions=sessions)
