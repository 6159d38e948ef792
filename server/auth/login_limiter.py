"""Failed sign-in limiting in Redis, per account and per client address, shared by all replicas.

Every attempt is counted BEFORE the password is checked, atomically with the check of the limit
(one Lua script), so that concurrent guesses cannot slip past the limit between a read and a
write. A successful sign-in then clears the account's counter and takes its attempt back from the
address's. Counters live in fixed windows that start at the first failure.

If Redis cannot be reached, sign-in FAILS CLOSED: without the limiter, passwords could be guessed
at full speed.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import redis.exceptions
from redis.asyncio import Redis

from server.core.errors import ResourceExhausted, Unavailable
from server.settings import Settings
from storage import redis_keys

_log = logging.getLogger(__name__)

# KEYS: the counters (account first, then the address if known); ARGV: the limit of each key,
# then the window in milliseconds. Returns {0, 0} when the attempt is allowed (and counted), or
# {index of the full counter, milliseconds until its window ends}.
_ATTEMPT = """
local window = tonumber(ARGV[#ARGV])
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[i]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      redis.call('PEXPIRE', key, window)
      ttl = window
    end
    return {i, ttl}
  end
end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    redis.call('PEXPIRE', key, window)
  end
end
return {0, 0}
"""

# KEYS: counters to take one attempt back from; ARGV[1] = '1' to delete KEYS[1] instead.
_TAKE_BACK = """
for i, key in ipairs(KEYS) do
  if i == 1 and ARGV[1] == '1' then
    redis.call('DEL', key)
  elseif tonumber(redis.call('GET', key) or '0') > 0 then
    redis.call('DECR', key)
  end
end
return 0
"""

_REDIS_FAILURES = (redis.exceptions.RedisError, OSError)


class LoginLimiter:
    """Counts sign-in attempts per account and per address; refuses once either is over its limit."""

    def __init__(
        self, redis: Redis, *, max_failures_per_account: int, max_failures_per_ip: int, window: timedelta
    ) -> None:
        self._redis = redis
        self._max_per_account = max_failures_per_account
        self._max_per_ip = max_failures_per_ip
        self._window_ms = max(1, int(window.total_seconds() * 1000))
        self._attempt = redis.register_script(_ATTEMPT)
        self._take_back = redis.register_script(_TAKE_BACK)

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
        keys, limits = self._keys(email, client_ip), [self._max_per_account, self._max_per_ip]
        try:
            result = await self._attempt(keys=keys, args=[*limits[: len(keys)], self._window_ms])
        except _REDIS_FAILURES as exc:
            _log.error("login limiter: Redis unreachable, refusing sign-in (fail closed): %s", exc)
            raise Unavailable(
                "sign-in is temporarily unavailable, try again shortly", reason="LOGIN_LIMITER_UNAVAILABLE"
            ) from exc
        blocked, ttl_ms = int(result[0]), int(result[1])
        if blocked:
            scope = "account" if blocked == 1 else "address"
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
            await self._take_back(keys=self._keys(email, client_ip), args=["1" if clear_account else "0"])
        except _REDIS_FAILURES as exc:
            # The sign-in itself is decided; a stale counter expires with its window.
            _log.warning("login limiter: could not update counters: %s", exc)

    @staticmethod
    def _keys(email: str, client_ip: str) -> list[str]:
        keys = [redis_keys.login_failures_for_account(email)]
        if client_ip:
            keys.append(redis_keys.login_failures_for_ip(client_ip))
        return keys
