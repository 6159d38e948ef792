"""Sign-in attempt counters per account and per client address, in fixed windows (atomic Lua scripts)."""

from __future__ import annotations

from redis.asyncio import Redis

from storage import redis_keys
from storage.redis.errors import unavailable_as_one_error

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


class LoginAttemptCounters:
    """Counts attempts against limits and takes them back; raises RedisUnavailable when Redis cannot answer."""

    def __init__(self, redis: Redis) -> None:
        self._attempt = redis.register_script(_ATTEMPT)
        self._take_back = redis.register_script(_TAKE_BACK)

    async def count(
        self, *, email: str, client_ip: str, account_limit: int, address_limit: int, window_ms: int
    ) -> tuple[str | None, int]:
        """Counts one attempt unless a counter is at its limit: (None, 0), or ("account"/"address", ms left)."""
        keys = _keys(email, client_ip)
        with unavailable_as_one_error():
            result = await self._attempt(keys=keys, args=[*[account_limit, address_limit][: len(keys)], window_ms])
        blocked, ttl_ms = int(result[0]), int(result[1])
        if not blocked:
            return None, 0
        return ("account" if blocked == 1 else "address"), ttl_ms

    async def take_back(self, *, email: str, client_ip: str, clear_account: bool) -> None:
        """Takes one attempt back from both counters, or clears the account's (`clear_account`)."""
        with unavailable_as_one_error():
            await self._take_back(keys=_keys(email, client_ip), args=["1" if clear_account else "0"])


def _keys(email: str, client_ip: str) -> list[str]:
    keys = [redis_keys.login_failures_for_account(email)]
    if client_ip:
        keys.append(redis_keys.login_failures_for_ip(client_ip))
    return keys
