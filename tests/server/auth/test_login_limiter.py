"""Failed sign-in limiting in Redis: per account, per address, atomic, failing closed."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from devstack.redis import free_port
from server.auth.login_limiter import LoginLimiter
from server.core.errors import ResourceExhausted, Unavailable
from storage.redis import create_redis
from tests.support import redis_busy


@pytest.fixture
def limiter(redis_client: Redis) -> LoginLimiter:
    return LoginLimiter(redis_client, max_failures_per_account=5, max_failures_per_ip=8, window=timedelta(minutes=5))


def _email() -> str:
    return f"limited-{uuid.uuid4().hex[:8]}@example.com"


def _ip() -> str:
    return f"198.51.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


async def test_the_sixth_attempt_after_five_failures_is_refused_with_retry_after(limiter: LoginLimiter) -> None:
    email, ip = _email(), _ip()
    for _ in range(5):
        await limiter.begin_attempt(email=email, client_ip=ip)
    with pytest.raises(ResourceExhausted) as caught:
        await limiter.begin_attempt(email=email, client_ip=ip)
    assert caught.value.reason == "LOGIN_RATE_LIMITED"
    assert timedelta(0) < caught.value.retry_after <= timedelta(minutes=5)
    # Another address does not help: the account is locked.
    with pytest.raises(ResourceExhausted):
        await limiter.begin_attempt(email=email, client_ip=_ip())


async def test_a_success_clears_the_account_counter(limiter: LoginLimiter) -> None:
    email, ip = _email(), ""
    for _ in range(4):
        await limiter.begin_attempt(email=email, client_ip=ip)
    await limiter.begin_attempt(email=email, client_ip=ip)
    await limiter.attempt_succeeded(email=email, client_ip=ip)
    for _ in range(5):
        await limiter.begin_attempt(email=email, client_ip=ip)
    with pytest.raises(ResourceExhausted):
        await limiter.begin_attempt(email=email, client_ip=ip)


async def test_one_address_guessing_many_accounts_is_limited(limiter: LoginLimiter) -> None:
    ip = _ip()
    for _ in range(8):
        await limiter.begin_attempt(email=_email(), client_ip=ip)
    with pytest.raises(ResourceExhausted):
        await limiter.begin_attempt(email=_email(), client_ip=ip)


async def test_an_abandoned_attempt_is_not_a_failure(limiter: LoginLimiter) -> None:
    email, ip = _email(), _ip()
    for _ in range(20):
        await limiter.begin_attempt(email=email, client_ip=ip)
        await limiter.attempt_abandoned(email=email, client_ip=ip)


async def test_concurrent_guesses_cannot_exceed_the_limit(limiter: LoginLimiter) -> None:
    email = _email()
    results = await asyncio.gather(
        *(limiter.begin_attempt(email=email, client_ip="") for _ in range(30)), return_exceptions=True
    )
    allowed = [r for r in results if r is None]
    refused = [r for r in results if isinstance(r, ResourceExhausted)]
    assert (len(allowed), len(refused)) == (5, 25)


async def test_the_window_frees_the_account(redis_client: Redis) -> None:
    quick = LoginLimiter(
        redis_client, max_failures_per_account=2, max_failures_per_ip=100, window=timedelta(milliseconds=300)
    )
    email = _email()
    await quick.begin_attempt(email=email, client_ip="")
    await quick.begin_attempt(email=email, client_ip="")
    with pytest.raises(ResourceExhausted) as caught:
        await quick.begin_attempt(email=email, client_ip="")
    assert caught.value.retry_after <= timedelta(milliseconds=300)
    await asyncio.sleep(0.4)
    await quick.begin_attempt(email=email, client_ip="")


async def test_an_unreachable_redis_fails_closed(caplog: pytest.LogCaptureFixture) -> None:
    dead = create_redis(f"redis://127.0.0.1:{free_port()}/0")
    try:
        limiter = LoginLimiter(dead, max_failures_per_account=5, max_failures_per_ip=20, window=timedelta(minutes=5))
        with caplog.at_level(logging.ERROR), pytest.raises(Unavailable) as caught:
            await limiter.begin_attempt(email=_email(), client_ip=_ip())
        assert caught.value.reason == "LOGIN_LIMITER_UNAVAILABLE"
        assert "fail closed" in caplog.text
        # Clearing counters is best effort and never raises.
        await limiter.attempt_succeeded(email=_email(), client_ip=_ip())
    finally:
        await dead.aclose()


async def _warm(limiter: LoginLimiter, connections: int) -> None:
    """Loads the limiter's scripts and opens the client's connections while Redis answers.

    Only the calls under test then wait for Redis (a script Redis does not know yet is refused
    without effect, and redis-py loads it and runs it once).
    """

    async def attempt_and_abandon() -> None:
        email = _email()
        await limiter.begin_attempt(email=email, client_ip="")
        await limiter.attempt_abandoned(email=email, client_ip="")

    await asyncio.gather(*(attempt_and_abandon() for _ in range(connections)))


async def test_attempts_redis_answers_too_late_are_counted_once(limiter: LoginLimiter, redis_url: str) -> None:
    """An attempt whose answer came too late is neither counted twice nor refused after being counted."""
    email = _email()
    await _warm(limiter, 30)
    async with redis_busy(redis_url, 1.5):
        results = await asyncio.gather(
            *(limiter.begin_attempt(email=email, client_ip="") for _ in range(30)), return_exceptions=True
        )
    allowed = [r for r in results if r is None]
    refused = [r for r in results if isinstance(r, ResourceExhausted)]
    assert (len(allowed), len(refused)) == (5, 25)


async def test_an_abandoned_attempt_redis_answers_too_late_is_taken_back_once(
    limiter: LoginLimiter, redis_url: str
) -> None:
    email, ip = _email(), ""
    for _ in range(4):
        await limiter.begin_attempt(email=email, client_ip=ip)
    await _warm(limiter, 1)
    async with redis_busy(redis_url, 1.5):
        await limiter.attempt_abandoned(email=email, client_ip=ip)
    # Three failures counted: two more attempts, not three.
    for _ in range(2):
        await limiter.begin_attempt(email=email, client_ip=ip)
    with pytest.raises(ResourceExhausted):
        await limiter.begin_attempt(email=email, client_ip=ip)
