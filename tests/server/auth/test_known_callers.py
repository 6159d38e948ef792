"""Callers known by their `authorization` header answer from memory, yet expiry and revocation still refuse them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import TypeAlias

import grpc
import grpc.aio
import pytest

from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc, user_pb2
from server.app import HelpdeskApp
from server.auth.tokens import CLOCK_LEEWAY, AccessTokenCodec
from server.settings import Settings
from tests.support import becomes_true, register, second_replica

Stub: TypeAlias = "auth_service_pb2_grpc.AuthServiceAsyncStub"


async def _me(stub: Stub, token: str) -> user_pb2.User:
    return await stub.GetCurrentUser(
        auth_service_pb2.GetCurrentUserRequest(), metadata=(("authorization", f"Bearer {token}"),)
    )


async def _refused(stub: Stub, token: str) -> bool:
    try:
        await _me(stub, token)
    except grpc.aio.AioRpcError as error:
        return error.code() == grpc.StatusCode.UNAUTHENTICATED
    return False


async def _known_to(app: HelpdeskApp, stub: Stub, token: str) -> None:
    """Calls as `token` until `app` knows the caller by the header (the first calls fill the caches)."""
    for _ in range(3):
        await _me(stub, token)
    assert app.auth.known_caller(f"Bearer {token}") is not None


async def test_a_token_that_expires_between_two_calls_is_refused_on_the_second(
    app: HelpdeskApp, auth_stub: Stub, settings: Settings
) -> None:
    codec = AccessTokenCodec.from_settings(settings)
    registered = await register(auth_stub)
    claims = codec.decode(registered.access_token)
    # The same session, with a token whose expiry plus the clock leeway falls 1-2 s from now.
    short = codec.issue(
        user_id=claims.user_id,
        session_id=claims.session_id,
        now=datetime.now(UTC) - codec.ttl - CLOCK_LEEWAY + timedelta(seconds=2),
    )
    await _known_to(app, auth_stub, short.token)

    await asyncio.sleep(max(0.0, (short.expire_time + CLOCK_LEEWAY - datetime.now(UTC)).total_seconds()) + 0.05)
    assert await _refused(auth_stub, short.token)
    # The session itself is still open: its long-lived token still answers.
    assert (await _me(auth_stub, registered.access_token)).id == registered.user_id


async def test_a_known_caller_is_refused_as_soon_as_their_session_ends(app: HelpdeskApp, auth_stub: Stub) -> None:
    user = await register(auth_stub)
    await _known_to(app, auth_stub, user.access_token)

    await auth_stub.Logout(auth_service_pb2.LogoutRequest(), metadata=user.metadata)
    assert await _refused(auth_stub, user.access_token)


@pytest.fixture
async def replica_b(app: HelpdeskApp, settings: Settings) -> AsyncIterator[tuple[HelpdeskApp, Stub, Stub]]:
    """A second server beside `app`: (that server, a stub to `app`, a stub to it), both caching."""
    async with second_replica(app, settings) as (other, to_a, to_b):
        assert await becomes_true(lambda: app.auth.principals.local_layer_live)
        assert await becomes_true(lambda: other.auth.principals.local_layer_live)
        stub_a: Stub = auth_service_pb2_grpc.AuthServiceStub(to_a)
        stub_b: Stub = auth_service_pb2_grpc.AuthServiceStub(to_b)
        yield other, stub_a, stub_b


async def test_a_caller_known_to_another_replica_is_refused_there_once_the_logout_is_announced(
    app: HelpdeskApp, replica_b: tuple[HelpdeskApp, Stub, Stub]
) -> None:
    other, to_a, to_b = replica_b
    user = await register(to_a)
    await _known_to(other, to_b, user.access_token)

    await to_a.Logout(auth_service_pb2.LogoutRequest(), metadata=user.metadata)
    # Well within the few seconds B's copy of the session would otherwise be kept.
    assert await becomes_true(lambda: _refused(to_b, user.access_token), within=2.5)
