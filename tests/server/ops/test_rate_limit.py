"""General rate limiting: GCRA budgets in Redis per client address and per user, shared by replicas."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import grpc
import grpc.aio
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.errors import ConfigurationError, ResourceExhausted
from server.core.rate_limit import RateLimiter, address_bucket
from server.settings import RateBudget, Settings
from storage.redis import create_redis
from tests.support import error_details, register

# Tight budgets so that the semantics show within a test: after an idle period `burst` calls pass
# at once, then one call every 1/per_second seconds (2 s here: far longer than a noisy machine's
# hiccup, so "refused right after the burst" cannot flake).
IP_BUDGET = RateBudget(per_second=0.5, burst=4)
USER_BUDGET = RateBudget(per_second=0.5, burst=6)
LOGIN_BUDGET = RateBudget(per_second=0.5, burst=2)


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """The suite's settings with rate limiting on, behind one trusted proxy (x-forwarded-for)."""
    return settings.replace(
        rate_limit_enabled=True,
        trusted_proxy_hops=1,
        rate_limit_per_ip=IP_BUDGET,
        rate_limit_per_user=USER_BUDGET,
        rate_limit_login=LOGIN_BUDGET,
        # Generous: registering the test users must not trip anything.
        rate_limit_register=RateBudget(per_second=100, burst=100),
    )


@pytest.fixture(scope="module")
async def replica(settings: Settings) -> AsyncIterator[HelpdeskApp]:
    """A second server process on the same PostgreSQL and Redis."""
    server = await HelpdeskApp.create(settings)
    await server.start()
    yield server
    await server.stop(grace=1.0)


def _fresh_ip() -> str:
    """A client address no other test uses (documentation range, random host part)."""
    value = uuid.uuid4().int
    return f"198.{18 + value % 2}.{value >> 8 & 255}.{value >> 16 & 255}"


async def _whoami(channel: grpc.aio.Channel, ip: str, token: str | None = None) -> grpc.StatusCode:
    """Calls GetCurrentUser as `ip` (via x-forwarded-for); returns the status code."""
    metadata: list[tuple[str, str]] = [("x-forwarded-for", ip)]
    if token is not None:
        metadata.append(("authorization", f"Bearer {token}"))
    stub = auth_service_pb2_grpc.AuthServiceStub(channel)
    try:
        await stub.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=metadata)
    except grpc.aio.AioRpcError as error:
        if error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
            _check_rate_limited(error)
        return error.code()
    return grpc.StatusCode.OK


def _check_rate_limited(error: grpc.aio.AioRpcError) -> None:
    details = error_details(error)
    infos = [d for d in details if isinstance(d, error_details_pb2.ErrorInfo)]
    retries = [d for d in details if isinstance(d, error_details_pb2.RetryInfo)]
    assert infos, details
    assert retries, details
    assert infos[0].reason == "RATE_LIMITED"
    delay = retries[0].retry_delay.ToTimedelta()
    assert timedelta(0) < delay <= timedelta(seconds=2)


async def _exhaust(channel: grpc.aio.Channel, ip: str, count: int) -> None:
    for _ in range(count):
        assert await _whoami(channel, ip) == grpc.StatusCode.UNAUTHENTICATED


async def test_burst_passes_then_calls_beyond_the_rate_are_refused(channel: grpc.aio.Channel) -> None:
    ip = _fresh_ip()
    # Anonymous GetCurrentUser is refused by the access rule AFTER being charged: UNAUTHENTICATED
    # means "let through by the limiter".
    await _exhaust(channel, ip, IP_BUDGET.burst)

    stub = auth_service_pb2_grpc.AuthServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=[("x-forwarded-for", ip)])
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    _check_rate_limited(refused.value)
    info = next(d for d in error_details(refused.value) if isinstance(d, error_details_pb2.ErrorInfo))
    assert dict(info.metadata) == {"budget": "default", "scope": "ip"}
    trailers = dict(refused.value.trailing_metadata() or ())
    assert trailers.get("retry-after") in {"1", "2"}

    # After the advertised wait exactly one more call fits (the rate), then refusal again.
    retry = next(d for d in error_details(refused.value) if isinstance(d, error_details_pb2.RetryInfo))
    await asyncio.sleep(retry.retry_delay.ToTimedelta().total_seconds() + 0.05)
    assert await _whoami(channel, ip) == grpc.StatusCode.UNAUTHENTICATED
    assert await _whoami(channel, ip) == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_another_address_keeps_its_own_budget(channel: grpc.aio.Channel) -> None:
    first, second = _fresh_ip(), _fresh_ip()
    await _exhaust(channel, first, IP_BUDGET.burst)
    assert await _whoami(channel, first) == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert await _whoami(channel, second) == grpc.StatusCode.UNAUTHENTICATED


async def test_concurrent_calls_cannot_race_past_the_budget(channel: grpc.aio.Channel) -> None:
    ip = _fresh_ip()
    started = time.monotonic()
    codes = await asyncio.gather(*(_whoami(channel, ip) for _ in range(20)))
    elapsed = time.monotonic() - started
    passed = sum(code == grpc.StatusCode.UNAUTHENTICATED for code in codes)
    refused = sum(code == grpc.StatusCode.RESOURCE_EXHAUSTED for code in codes)
    assert passed + refused == 20
    # The burst, plus at most what the rate refilled while the calls were in flight.
    assert IP_BUDGET.burst <= passed <= IP_BUDGET.burst + int(elapsed * IP_BUDGET.per_second)


async def test_replicas_share_one_budget(channel: grpc.aio.Channel, replica: HelpdeskApp) -> None:
    ip = _fresh_ip()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{replica.port}") as other:
        channels = [channel, other]
        for index in range(IP_BUDGET.burst):
            assert await _whoami(channels[index % 2], ip) == grpc.StatusCode.UNAUTHENTICATED
        assert await _whoami(other, ip) == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert await _whoami(channel, ip) == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_signed_in_user_has_a_budget_whatever_the_address(
    channel: grpc.aio.Channel, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    user = await register(auth_stub)
    # A fresh address for every call: only the user's own budget can run out.
    for _ in range(USER_BUDGET.burst):
        assert await _whoami(channel, _fresh_ip(), user.access_token) == grpc.StatusCode.OK
    stub = auth_service_pb2_grpc.AuthServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.GetCurrentUser(
            auth_service_pb2.GetCurrentUserRequest(),
            metadata=[("x-forwarded-for", _fresh_ip()), *user.metadata],
        )
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    info = next(d for d in error_details(refused.value) if isinstance(d, error_details_pb2.ErrorInfo))
    assert dict(info.metadata) == {"budget": "default", "scope": "user"}


async def test_login_has_its_own_tighter_budget(channel: grpc.aio.Channel) -> None:
    ip = _fresh_ip()
    stub = auth_service_pb2_grpc.AuthServiceStub(channel)
    request = auth_service_pb2.LoginRequest(email=f"nobody-{uuid.uuid4().hex[:8]}@example.com", password="wrong pass 1")
    for _ in range(LOGIN_BUDGET.burst):
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await stub.Login(request, metadata=[("x-forwarded-for", ip)])
        assert failed.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.Login(request, metadata=[("x-forwarded-for", ip)])
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    info = next(d for d in error_details(refused.value) if isinstance(d, error_details_pb2.ErrorInfo))
    assert dict(info.metadata) == {"budget": "login", "scope": "ip"}
    # The default budget still has room: other calls from that address go on.
    assert await _whoami(channel, ip) == grpc.StatusCode.UNAUTHENTICATED


async def test_health_checks_are_never_limited(channel: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    for _ in range(IP_BUDGET.burst * 3):
        response = await health.Check(health_pb2.HealthCheckRequest(), metadata=[("x-forwarded-for", "198.51.100.7")])
        assert response.status == health_pb2.HealthCheckResponse.SERVING
    # Nothing was charged to that address either.
    await _exhaust(channel, "198.51.100.7", IP_BUDGET.burst)


async def test_a_stream_counts_once_when_opened(channel: grpc.aio.Channel) -> None:
    ip = _fresh_ip()
    health = health_pb2_grpc.HealthStub(channel)
    # Health Watch is exempt; a limited streaming method is charged once per open, so `burst`
    # opened streams leave nothing for a unary call.
    stream_method: grpc.aio.UnaryStreamMultiCallable[bytes, bytes] = channel.unary_stream(
        "/helpdesk.v1.ChatService/StreamChat",
        request_serializer=lambda _: b"",
        response_deserializer=lambda raw: raw,
    )
    codes = []
    for _ in range(IP_BUDGET.burst):
        call = stream_method(b"", metadata=[("x-forwarded-for", ip)])
        code = grpc.StatusCode.OK
        try:
            async for _message in call:
                break
        except grpc.aio.AioRpcError as error:
            code = error.code()
        call.cancel()
        codes.append(code)
    assert grpc.StatusCode.RESOURCE_EXHAUSTED not in codes
    assert await _whoami(channel, ip) == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert (await health.Check(health_pb2.HealthCheckRequest())).status == health_pb2.HealthCheckResponse.SERVING


def _dead_redis_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


async def test_unreachable_redis_lets_calls_through_and_logs_once(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    redis = create_redis(_dead_redis_url())
    limiter = RateLimiter(redis, settings=settings)
    try:
        with caplog.at_level(logging.WARNING, logger="server.core.rate_limit"):
            for _ in range(IP_BUDGET.burst * 2):
                await limiter.check(
                    method="/helpdesk.v1.AuthService/GetCurrentUser", client_ip="10.0.0.1", user_id=None
                )
    finally:
        await redis.aclose()
    warnings = [r for r in caplog.records if r.name == "server.core.rate_limit"]
    assert len(warnings) == 1
    assert "letting calls through" in warnings[0].getMessage()


async def test_limiter_refuses_with_the_time_until_the_next_slot(settings: Settings, redis_url: str) -> None:
    redis = create_redis(redis_url)
    limiter = RateLimiter(redis, settings=settings.replace(rate_limit_per_ip=RateBudget(per_second=0.1, burst=1)))
    ip = _fresh_ip()
    try:
        await limiter.check(method="/helpdesk.v1.AuthService/GetCurrentUser", client_ip=ip, user_id=None)
        with pytest.raises(ResourceExhausted) as refused:
            await limiter.check(method="/helpdesk.v1.AuthService/GetCurrentUser", client_ip=ip, user_id=None)
    finally:
        await redis.aclose()
    # One call every 10 s: the next slot is just under 10 s away.
    assert timedelta(seconds=8) < refused.value.retry_after <= timedelta(seconds=10)
    assert refused.value.reason == "RATE_LIMITED"


def test_ipv6_addresses_share_their_slash_64() -> None:
    assert address_bucket("2001:db8:1:2:aaaa::1") == address_bucket("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert address_bucket("2001:db8:1:3::1") != address_bucket("2001:db8:1:2::1")
    assert address_bucket("::ffff:192.0.2.7") == "192.0.2.7"
    assert address_bucket("192.0.2.7") == "192.0.2.7"
    assert address_bucket("unix:/tmp/socket") == "unix:/tmp/socket"


def test_budgets_are_tunable_from_the_environment() -> None:
    env = {
        "HELPDESK_RATE_LIMIT_ENABLED": "true",
        "HELPDESK_RATE_LIMIT_PER_IP": "5:10",
        "HELPDESK_RATE_LIMIT_SEARCH": "0.5:3",
        "HELPDESK_METRICS_PORT": "9464",
    }
    settings = Settings.from_env(env, production=False)
    assert settings.rate_limit_enabled
    assert settings.rate_limit_per_ip == RateBudget(per_second=5, burst=10)
    assert settings.rate_limit_search == RateBudget(per_second=0.5, burst=3)
    assert settings.rate_limit_per_user == RateBudget(per_second=10, burst=20)
    assert settings.metrics_port == 9464
    for bad in ("5", "0:10", "5:0", "fast:10"):
        with pytest.raises(ConfigurationError, match="HELPDESK_RATE_LIMIT_PER_IP"):
            Settings.from_env({"HELPDESK_RATE_LIMIT_PER_IP": bad}, production=False)
