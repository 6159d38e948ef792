"""GetCurrentUser from the replica's memory, exact over pushed invalidations: two replicas, one PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Collection
from pathlib import Path

import grpc
import grpc.aio
import pytest
from redis.asyncio import Redis
from sqlalchemy import update

from helpdesk.v1 import (
    auth_service_pb2,
    auth_service_pb2_grpc,
    privacy_service_pb2,
    privacy_service_pb2_grpc,
    user_pb2,
    user_service_pb2,
    user_service_pb2_grpc,
)
from server.app import HelpdeskApp
from server.auth.domain import AuthDomain
from server.auth.principal_cache import PrincipalCache
from server.core.context import Principal, Role
from server.settings import Settings
from server.users.domain import UserAdmin
from server.users.passwords import PasswordHasher
from storage.db import Database
from storage.models import User
from storage.redis import create_redis
from storage.redis.invalidations import LocalCache
from storage.repositories.users import UserRecord
from tests.support import (
    SignedIn,
    becomes_true,
    register,
    second_replica,
    serving_on_its_own_redis,
    sign_in_as,
    unique_email,
)


class Replica:
    """One server and the stubs of a channel to it."""

    def __init__(self, app: HelpdeskApp, channel: grpc.aio.Channel) -> None:
        self.app = app
        self.auth = auth_service_pb2_grpc.AuthServiceStub(channel)
        self.users = user_service_pb2_grpc.UserServiceStub(channel)
        self.privacy = privacy_service_pb2_grpc.PrivacyServiceStub(channel)

    @property
    def records(self) -> LocalCache[uuid.UUID, UserRecord]:
        """The replica's in-process user records."""
        return self.app.auth.principals.user_records

    async def me(self, user: SignedIn) -> user_pb2.User:
        """GetCurrentUser as `user`."""
        return await self.auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=user.metadata)

    def dropped(self, user_id: str) -> asyncio.Event:
        """An event set when this replica forgets the record of `user_id` (a write here or an announcement)."""
        event = asyncio.Event()
        wanted = uuid.UUID(user_id)

        def seen(keys: Collection[uuid.UUID]) -> None:
            if wanted in keys:
                event.set()

        self.records.drop_listeners.add(seen)
        return event


@pytest.fixture
async def replicas(app: HelpdeskApp, settings: Settings) -> AsyncIterator[tuple[Replica, Replica]]:
    """The module's server (A) and a second one (B) on the same PostgreSQL and Redis, both caching."""
    async with second_replica(app, settings) as (other, to_a, to_b):
        a, b = Replica(app, to_a), Replica(other, to_b)
        assert await becomes_true(lambda: a.app.auth.principals.local_layer_live)
        assert await becomes_true(lambda: b.app.auth.principals.local_layer_live)
        yield a, b


async def _rename_behind_the_caches(app: HelpdeskApp, user_id: str, name: str) -> None:
    """Changes the row in PostgreSQL without telling any cache: only a replica that reads PostgreSQL sees it."""
    async with app.resources.database.unit_of_work() as uow:
        await uow.session.execute(update(User).where(User.id == uuid.UUID(user_id)).values(display_name=name))


async def _held_by(replica: Replica, user: SignedIn) -> user_pb2.User:
    """Makes `replica` hold the user's record, and proves it answers from it: a change behind its back goes unseen."""
    first = await replica.me(user)
    assert replica.records.get(uuid.UUID(user.user_id)) is not None
    await _rename_behind_the_caches(replica.app, user.user_id, "Changed behind the caches")
    held = await replica.me(user)
    assert held == first
    return held


async def _update_name(replica: Replica, admin: SignedIn, user_id: str, name: str) -> None:
    request = user_service_pb2.UpdateUserRequest(user=user_pb2.User(id=user_id, display_name=name))
    request.update_mask.paths.append("display_name")
    await replica.users.UpdateUser(request, metadata=admin.metadata)


async def test_a_profile_change_on_one_replica_is_seen_there_at_once_and_on_the_other_when_announced(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    admin = await sign_in_as(a.app, a.auth, Role.ADMIN)
    customer = await register(a.auth)
    await _held_by(a, customer)
    await _held_by(b, customer)
    announced_to_b = b.dropped(customer.user_id)

    await _update_name(a, admin, customer.user_id, "Renamed On A")

    # The writing replica answers with the change as soon as the write is acknowledged...
    assert (await a.me(customer)).display_name == "Renamed On A"
    # ...the other one once the announcement has arrived.
    await asyncio.wait_for(announced_to_b.wait(), timeout=5)
    on_b = await b.me(customer)
    assert on_b.display_name == "Renamed On A"
    assert on_b == await a.me(customer)


async def test_every_write_to_a_user_row_forgets_the_record_on_every_replica(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    admin = await sign_in_as(a.app, a.auth, Role.ADMIN)
    customer = await register(a.auth)

    async def sign_in_again() -> None:
        await a.auth.Login(auth_service_pb2.LoginRequest(email=customer.email, password=customer.password))

    async def change_password() -> None:
        changed = await a.auth.ChangePassword(
            auth_service_pb2.ChangePasswordRequest(current_password=customer.password, new_password="a new one 123"),
            metadata=customer.metadata,
        )
        customer.password = "a new one 123"
        customer.access_token = changed.access_token

    async def erase() -> None:
        erasure = privacy_service_pb2.EraseCustomerRequest(user_id=customer.user_id, etag=(await a.me(customer)).etag)
        await a.privacy.EraseCustomer(erasure, metadata=admin.metadata)

    async def rename() -> None:
        await _update_name(a, admin, customer.user_id, "Renamed By An Admin")

    user_id = uuid.UUID(customer.user_id)
    for write in (sign_in_again, change_password, rename, erase):
        for replica in (a, b):
            await replica.me(customer)
            assert replica.records.get(user_id) is not None, write.__name__
        announced_to_b = b.dropped(customer.user_id)
        await write()
        assert a.records.get(user_id) is None, write.__name__
        await asyncio.wait_for(announced_to_b.wait(), timeout=5)
        assert b.records.get(user_id) is None, write.__name__


async def test_a_sign_in_shows_in_the_record_at_once(replicas: tuple[Replica, Replica]) -> None:
    a, b = replicas
    customer = await register(a.auth)
    before = await _held_by(a, customer)
    await _held_by(b, customer)
    announced_to_b = b.dropped(customer.user_id)

    await a.auth.Login(auth_service_pb2.LoginRequest(email=customer.email, password=customer.password))

    after = await a.me(customer)
    assert after.last_login_time.ToDatetime() > before.last_login_time.ToDatetime()
    await asyncio.wait_for(announced_to_b.wait(), timeout=5)
    assert (await b.me(customer)).last_login_time == after.last_login_time


async def test_a_deactivated_user_is_refused_by_both_replicas(replicas: tuple[Replica, Replica]) -> None:
    a, b = replicas
    admin = await sign_in_as(a.app, a.auth, Role.ADMIN)
    customer = await register(a.auth)
    await _held_by(a, customer)
    await _held_by(b, customer)
    announced_to_b = b.dropped(customer.user_id)

    request = user_service_pb2.UpdateUserRequest(user=user_pb2.User(id=customer.user_id, active=False))
    request.update_mask.paths.append("active")
    await a.users.UpdateUser(request, metadata=admin.metadata)

    with pytest.raises(grpc.aio.AioRpcError) as on_a:
        await a.me(customer)
    assert on_a.value.code() is grpc.StatusCode.UNAUTHENTICATED
    await asyncio.wait_for(announced_to_b.wait(), timeout=5)
    with pytest.raises(grpc.aio.AioRpcError) as on_b:
        await b.me(customer)
    assert on_b.value.code() is grpc.StatusCode.UNAUTHENTICATED


async def test_without_the_subscription_records_come_from_postgresql_and_none_stale_survives(
    settings: Settings, tmp_path: Path
) -> None:
    async with serving_on_its_own_redis(settings, tmp_path) as (app, channel, own):
        replica = Replica(app, channel)
        principals = app.auth.principals
        assert await becomes_true(lambda: principals.local_layer_live)
        customer = await register(replica.auth)
        await _held_by(replica, customer)

        await asyncio.to_thread(own.stop)
        assert await becomes_true(lambda: not principals.local_layer_live)
        # Announcements could be missed now: a change nobody announced is seen at once (PostgreSQL answers).
        await _rename_behind_the_caches(app, customer.user_id, "Renamed While Down")
        assert (await replica.me(customer)).display_name == "Renamed While Down"
        assert replica.records.get(uuid.UUID(customer.user_id)) is None

        await asyncio.to_thread(own.start)
        assert await becomes_true(lambda: principals.local_layer_live, within=10)
        # Back: records are kept again, and nothing held from before the outage comes back.
        assert (await replica.me(customer)).display_name == "Renamed While Down"
        assert replica.records.get(uuid.UUID(customer.user_id)) is not None


@pytest.fixture
async def one_replica(
    settings: Settings, database: Database, hasher: PasswordHasher, redis_url: str
) -> AsyncIterator[tuple[AuthDomain, UserAdmin]]:
    """Authentication and user administration of one replica (one Redis client), its caches live."""
    client = create_redis(redis_url)
    auth = AuthDomain(settings=settings, database=database, redis=client, hasher=hasher)
    admin = UserAdmin(
        database=database, hasher=hasher, sessions=PrincipalCache(client, revocation_ttl=settings.access_token_ttl)
    )
    auth.start()
    try:
        assert await becomes_true(lambda: auth.principals.local_layer_live)
        yield auth, admin
    finally:
        await auth.close()
        await client.aclose()


async def _customer(auth: AuthDomain) -> Principal:
    registered = await auth.register(
        email=unique_email("held"),
        password="correct horse battery",
        display_name="Held Customer",
        role_requested=None,
        client_ip="203.0.113.7",
        user_agent="tests",
    )
    return Principal(user_id=registered.user.id, role=Role.CUSTOMER, session_id=uuid.uuid4())


async def test_a_record_read_while_a_change_is_announced_is_not_kept(one_replica: tuple[AuthDomain, UserAdmin]) -> None:
    auth, _ = one_replica
    caller = await _customer(auth)
    records = auth.principals.user_records

    reading = asyncio.create_task(auth.current_user(principal=caller))
    await asyncio.sleep(0)  # the read is under way, waiting for PostgreSQL
    records.drop([caller.user_id])  # a change to the user is announced meanwhile
    await reading

    # What the read found may predate the change: it answered its caller, but is not kept.
    assert records.get(caller.user_id) is None
    await auth.current_user(principal=caller)
    assert records.get(caller.user_id) is not None


async def test_the_writing_replica_forgets_the_record_before_answering_even_when_redis_cannot_announce(
    one_replica: tuple[AuthDomain, UserAdmin], redis_client: Redis
) -> None:
    auth, admin = one_replica
    caller = await _customer(auth)
    await auth.current_user(principal=caller)
    assert auth.principals.user_records.get(caller.user_id) is not None

    # Redis holds every write (the announcement included) for longer than the client waits.
    await redis_client.client_pause(6000, all=False)
    try:
        await admin.update_user(user_id=str(caller.user_id), display_name="Renamed", update_mask_paths=["display_name"])
        assert (await auth.current_user(principal=caller)).display_name == "Renamed"
    finally:
        await redis_client.client_unpause()
