"""HelpdeskClient against the real server: sign-in, tokens refreshed before expiry and on rejection, errors."""

from __future__ import annotations

import asyncio
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import grpc
import pytest

from helpdesk.client import ErrorReason, HelpdeskClient, HelpdeskError, SyncHelpdeskClient
from helpdesk.client.session import RefreshReason
from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc
from server.app import HelpdeskApp
from server.settings import Settings

PASSWORD = "correct horse battery"
# Short enough that a test can wait for the refresh margin (a fifth of the lifetime) in real time.
ACCESS_TOKEN_TTL = timedelta(seconds=2)


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """The module's server issues access tokens that live two seconds."""
    return settings.replace(access_token_ttl=ACCESS_TOKEN_TTL, login_max_failures_per_account=3)


@pytest.fixture
async def client(app: HelpdeskApp) -> AsyncIterator[HelpdeskClient]:
    async with HelpdeskClient(f"127.0.0.1:{app.port}") as helpdesk:
        yield helpdesk


def _email() -> str:
    return f"client-{uuid.uuid4().hex[:10]}@example.com"


def _record_refreshes(client: HelpdeskClient) -> list[RefreshReason]:
    reasons: list[RefreshReason] = []
    client.session.on_refresh = reasons.append
    return reasons


async def test_register_then_sign_in_and_read_the_current_user(client: HelpdeskClient, app: HelpdeskApp) -> None:
    email = _email()
    registered = await client.register(email, PASSWORD, "Client Tester")
    assert registered.email == email

    async with HelpdeskClient(f"127.0.0.1:{app.port}") as other:
        user = await other.sign_in(email, PASSWORD)
        me = await other.auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest())
    assert user.id == registered.id
    assert me.email == email
    assert me.display_name == "Client Tester"


async def test_fresh_token_is_not_refreshed(client: HelpdeskClient) -> None:
    await client.register(_email(), PASSWORD, "Fresh")
    reasons = _record_refreshes(client)

    await client.auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest())

    assert reasons == []


async def test_access_token_is_refreshed_before_it_expires(client: HelpdeskClient) -> None:
    await client.register(_email(), PASSWORD, "Expiring")
    tokens = client.session.tokens
    assert tokens is not None
    assert tokens.refresh_at is not None
    assert tokens.access_expires_at is not None
    reasons = _record_refreshes(client)

    # Into the refresh margin (the last fifth of the lifetime), in real time; the server still
    # accepts the old token then, so only a proactive refresh explains a new pair.
    await asyncio.sleep(max(tokens.refresh_at - time.time(), 0) + 0.05)
    me = await client.auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest())

    assert me.display_name == "Expiring"
    assert reasons == ["expiring"]
    renewed = client.session.tokens
    assert renewed is not None
    assert renewed.access_token != tokens.access_token
    assert renewed.refresh_token != tokens.refresh_token


async def test_rejected_token_is_refreshed_once_and_the_call_retried(client: HelpdeskClient) -> None:
    await client.register(_email(), PASSWORD, "Rejected")
    tokens = client.session.tokens
    assert tokens is not None
    # The server refuses this access token (as it would a revoked or expired one); the refresh token is good.
    client.use_tokens(access_token="not.a.jwt", refresh_token=tokens.refresh_token)
    reasons = _record_refreshes(client)

    me = await client.auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest())

    assert me.display_name == "Rejected"
    assert reasons == ["rejected"]


async def test_refused_refresh_surfaces_unauthenticated_and_signs_out(client: HelpdeskClient, app: HelpdeskApp) -> None:
    await client.register(_email(), PASSWORD, "Spent")
    tokens = client.session.tokens
    assert tokens is not None
    # Someone else spends the refresh token first: the client's copy is now a reused token.
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
        await auth_service_pb2_grpc.AuthServiceStub(channel).RefreshToken(
            auth_service_pb2.RefreshTokenRequest(refresh_token=tokens.refresh_token)
        )
    client.use_tokens(access_token="not.a.jwt", refresh_token=tokens.refresh_token)

    with pytest.raises(HelpdeskError) as failure:
        await client.auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest())

    assert failure.value.status_code == grpc.StatusCode.UNAUTHENTICATED
    assert failure.value.reason == "REFRESH_TOKEN_REUSED"
    assert failure.value.error_reason == ErrorReason.REFRESH_TOKEN_REUSED
    assert not client.session.signed_in


async def test_bad_input_is_one_error_type_with_field_violations(client: HelpdeskClient) -> None:
    with pytest.raises(HelpdeskError) as failure:
        await client.register("not-an-email", "short", "Bad Input")

    error = failure.value
    assert error.status_code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT  # still a grpc.aio.AioRpcError
    assert isinstance(error, grpc.aio.AioRpcError)
    assert "email" in error.field_violations
    assert error.reason
    assert error.message
    assert "email" in str(error)


async def test_rate_limited_sign_in_carries_reason_and_retry_delay(client: HelpdeskClient) -> None:
    email = _email()
    await client.register(email, PASSWORD, "Locked Out")
    codes = []
    error: HelpdeskError | None = None
    for _ in range(6):
        try:
            await client.sign_in(email, "wrong password")
        except HelpdeskError as failure:
            codes.append(failure.status_code)
            error = failure
    assert grpc.StatusCode.UNAUTHENTICATED in codes
    assert error is not None
    assert error.status_code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error.reason == "LOGIN_RATE_LIMITED"
    assert error.retry_delay is not None
    assert error.retry_delay > timedelta(0)


async def test_sign_out_revokes_the_session(client: HelpdeskClient) -> None:
    await client.register(_email(), PASSWORD, "Leaving")
    refresh_token = client.session.tokens.refresh_token if client.session.tokens else ""

    await client.sign_out()

    assert not client.session.signed_in
    with pytest.raises(HelpdeskError) as failure:
        await client.auth.RefreshToken(auth_service_pb2.RefreshTokenRequest(refresh_token=refresh_token))
    assert failure.value.status_code == grpc.StatusCode.UNAUTHENTICATED


async def test_sync_client_signs_in_and_calls(app: HelpdeskApp) -> None:
    email = _email()

    def run() -> tuple[str, grpc.StatusCode | None]:
        with SyncHelpdeskClient(f"127.0.0.1:{app.port}") as helpdesk:
            helpdesk.register(email, PASSWORD, "Sync")
            me = helpdesk.call(lambda c: c.auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest()))
            refused: grpc.StatusCode | None = None
            try:
                helpdesk.sign_in(email, "wrong password")
            except HelpdeskError as error:
                refused = error.status_code
            return me.email, refused

    # The server runs on this event loop: the blocking client runs in a thread.
    assert await asyncio.to_thread(run) == (email, grpc.StatusCode.UNAUTHENTICATED)


@pytest.mark.slow
async def test_client_through_the_gateway(gateway: str) -> None:
    async with HelpdeskClient(urllib.parse.urlsplit(gateway).netloc) as helpdesk:
        email = _email()
        await helpdesk.register(email, PASSWORD, "Via Envoy")
        me = await helpdesk.auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest())
        assert me.email == email
        with pytest.raises(HelpdeskError) as failure:
            await helpdesk.register("nope", PASSWORD, "Via Envoy")
        assert "email" in failure.value.field_violations
