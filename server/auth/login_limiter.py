"""Failed sign-in limiting in Redis, per account and per client address, shared by all replicas.

Every attempt is counted BEFORE the password is checked, atomically with the check of the limit
(one Lua script), so that concurrent guesses cannot slip past the limit between a read and a
write, and once only: a count Redis answers too late, which the client sends again, is not
counted twice (nor is a take-back taken twice). A successful sign-in then clears the account's
counter and takes its attempt back from the address's. Counters live in fixed windows that start
at the first failure.

If Redis cannot be reached, sign-in FAILS CLOSED: without the limiter, passwords could be guessed
at full speed.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from redis.asyncio import Redis

from server.core.errors import ResourceExhausted, Unavailable
from server.settings import Settings
from storage.redis import RedisUnavailable
from storage.redis.login_attempts import LoginAttemptCounters

_log = logging.getLogger(__name__)


class LoginLimiter:
    """Counts sign-in attempts per account and per address; refuses once either is over its limit."""

    def __init__(
        self, redis: Redis, *, max_failures_per_account: int, max_failures_per_ip: int, window: timedelta
    ) -> None:
        self._counters = LoginAttemptCounters(redis)
        self._max_per_account = max_failures_per_account
        self._max_per_ip = max_failures_per_ip
        self._window_ms = max(1, int(window.total_seconds() * 1000))

    @classmethod
    def from_settings(cls, settings: Settings, redis: Redis) -> LoginLimiter:
        """The limiter configured by the process settings."""
        return cls(
            redis,
            max_failures_per_account=settings.login_max_failures_per_account,
            max_failures_per_ip=settings.login_max_failures_per_ip,
            window=settings.login_failure_window,
        )

    async def begin_attempt(self, *, email: str, client_ip: str) -> None:
        """Counts one sign-in attempt, or refuses it.

        Raises ResourceExhausted (reason LOGIN_RATE_LIMITED, `retry_after` = time until the
        full window ends) when the account or the address has used up its failures, and
        Unavailable when Redis cannot be reached.
        """
        try:
            scope, ttl_ms = await self._counters.count(
                email=email,
                client_ip=client_ip,
                account_limit=self._max_per_account,
                address_limit=self._max_per_ip,
                window_ms=self._window_ms,
            )
        except RedisUnavailable as exc:
            _log.error("login limiter: Redis unreachable, refusing sign-in (fail closed): %s", exc)
            raise Unavailable(
                "sign-in is temporarily unavailable, try again shortly", reason="LOGIN_LIMITER_UNAVAILABLE"
            ) from exc
        if scope is not None:
            _log.warning("login limiter: too many failed sign-ins for this %s", scope, extra={"client_ip": client_ip})
            raise ResourceExhausted(
                "too many failed sign-in attempts, try again later",
                retry_after=timedelta(milliseconds=max(ttl_ms, 1)),
                reason="LOGIN_RATE_LIMITED",
            )

    async def attempt_succeeded(self, *, email: str, client_ip: str) -> None:
        """Clears the account's failures and takes the attempt back from the address's count."""
        await self._give_back(email, client_ip, clear_account=True)

    async def attempt_abandoned(self, *, email: str, client_ip: str) -> None:
        """Takes back an attempt that ended neither in success nor in a wrong password (a crash)."""
        await self._give_back(email, client_ip, clear_account=False)

    async def _give_back(self, email: str, client_ip: str, *, clear_account: bool) -> None:
        try:
            await self._counters.take_back(email=email, client_ip=client_ip, clear_account=clear_account)
        except RedisUnavailable as exc:
            # The sign-in itself is decided; a stale counter expires with its window.
            _log.warning("login limiter: could not update counters: %s", exc)
