"""Callers known by their `authorization` header answer from memory, yet expiry and revocation still refuse them.

A revocation reaches another replica's memory by its announcement; one that announcement never
reached refuses the token once its copy of the session lapses (the local TTL, 5 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import TypeAlias
from urllib.parse import urlsplit

import grpc
import grpc.aio
import pytest

from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc, user_pb2
from server.app import HelpdeskApp
from server.auth.principal_cache import DEFAULT_LOCAL_TTL
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


# A pub/sub message as Redis sends it to a subscriber, after its type (`*` in RESP2, `>` in RESP3).
_PUBSUB_MESSAGE = b"3\r\n$7\r\nmessage\r\n"
# RESP reply types: one line; a length and that many bytes; a count and that many replies (twice for maps).
_LINES = frozenset(b"+-:_,#(")
_BLOBS = frozenset(b"$!=")
_PAIRS = frozenset(b"%|")


def _frame_end(buffer: bytes, start: int) -> int | None:
    """Where the RESP2/RESP3 reply starting at `start` ends, or None if it has not all arrived yet."""
    line_end = buffer.find(b"\r\n", start)
    if line_end < 0:
        return None
    kind, after = buffer[start], line_end + 2
    if kind in _LINES:
        return after
    count = int(buffer[start + 1 : line_end])
    if kind in _BLOBS:
        end = after + count + 2 if count >= 0 else after
        return end if len(buffer) >= end else None
    position = after
    for _ in range(max(count, 0) * (2 if kind in _PAIRS else 1)):
        element_end = _frame_end(buffer, position)
        if element_end is None:
            return None
        position = element_end
    return position


class LossyRedisPath:
    """A TCP path to Redis that loses the pub/sub messages naming some text, and forwards all else.

    What a replica whose subscription misses an announcement sees: its connection stays up and
    answers its pings, so nothing tells it that a message was lost.
    """

    def __init__(self, redis_url: str) -> None:
        target = urlsplit(redis_url)
        self._target = (target.hostname or "127.0.0.1", target.port or 6379)
        self._database = target.path
        self._server: asyncio.Server | None = None
        self._pumps: set[asyncio.Task[None]] = set()
        self.losing: bytes | None = None
        self.lost = 0

    @property
    def url(self) -> str:
        """The Redis URL through this path."""
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{port}{self._database}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connected, "127.0.0.1", 0)

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for pump in list(self._pumps):
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        await self._server.wait_closed()

    async def _connected(self, from_client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        from_redis, to_redis = await asyncio.open_connection(*self._target)
        pumps = [
            asyncio.create_task(self._requests(from_client, to_redis)),
            asyncio.create_task(self._replies(from_redis, to_client)),
        ]
        self._pumps.update(pumps)
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pumps:
                pump.cancel()
                self._pumps.discard(pump)
            for writer in (to_redis, to_client):
                writer.close()

    async def _requests(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()

    async def _replies(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        pending = b""
        while data := await reader.read(65536):
            pending += data
            start = 0
            while (end := _frame_end(pending, start)) is not None:
                frame = pending[start:end]
                if self.losing is not None and frame[1:].startswith(_PUBSUB_MESSAGE) and self.losing in frame:
                    self.lost += 1
                else:
                    writer.write(frame)
                start = end
            pending = pending[start:]
            await writer.drain()


@contextlib.asynccontextmanager
async def _replica_behind(path: LossyRedisPath, settings: Settings) -> AsyncIterator[HelpdeskApp]:
    """A second server whose Redis traffic (its subscription included) goes through `path`."""
    await path.start()
    try:
        other = await HelpdeskApp.create(settings.replace(redis_url=path.url))
        await other.start()
        try:
            yield other
        finally:
            await other.stop(grace=1.0)
    finally:
        await path.stop()


async def test_a_replica_that_missed_the_logout_refuses_the_token_once_its_copy_of_the_session_lapses(
    app: HelpdeskApp, settings: Settings
) -> None:
    path = LossyRedisPath(settings.redis_url)
    async with (
        _replica_behind(path, settings) as other,
        grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel_a,
        grpc.aio.insecure_channel(f"127.0.0.1:{other.port}") as channel_b,
    ):
        to_a: Stub = auth_service_pb2_grpc.AuthServiceStub(channel_a)
        to_b: Stub = auth_service_pb2_grpc.AuthServiceStub(channel_b)
        assert await becomes_true(lambda: other.auth.principals.local_layer_live)
        user = await register(to_a)
        header = f"Bearer {user.access_token}"
        await _known_to(other, to_b, user.access_token)
        known_at = time.monotonic()
        session_id = AccessTokenCodec.from_settings(settings).decode(user.access_token).session_id
        held = other.auth.principals.held(session_id)
        assert held is not None
        copy_lapses = held[1]
        assert copy_lapses <= known_at + DEFAULT_LOCAL_TTL.total_seconds()
        generation = other.auth.principals.local_generation

        # B's subscription loses the logout's announcement (and only it) on its way.
        path.losing = str(session_id).encode()
        await to_a.Logout(auth_service_pb2.LogoutRequest(), metadata=user.metadata)
        assert await _refused(to_a, user.access_token)
        assert await becomes_true(lambda: path.lost == 1)

        # B heard nothing: it still knows the caller by the header, from its copy of the session...
        assert other.auth.known_caller(header) is not None
        assert other.auth.principals.local_generation == generation
        # ...until that copy lapses (at most the local TTL after it was taken): then the header is
        # authenticated again, Redis holds the revocation, and the token is refused.
        until_lapsed = copy_lapses - time.monotonic() + 1
        assert await becomes_true(lambda: _refused(to_b, user.access_token), within=until_lapsed)
        assert time.monotonic() >= copy_lapses
        assert other.auth.known_caller(header) is None
        # Not because B noticed anything: its subscription stayed live, and forgot nothing.
        assert other.auth.principals.local_layer_live
        assert other.auth.principals.local_generation == generation
