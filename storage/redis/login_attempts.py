"""Sign-in attempt counters per account and per client address, in fixed windows (atomic Lua scripts).

Each update of the counters (an attempt counted, an attempt taken back) carries an id of its own,
and its script leaves a short-lived marker under that id: run again, it changes nothing. redis-py
sends a command again when its answer is late (its one retry on a timeout) although Redis may
have run it already; without the marker such an attempt was counted twice, so that a user was
refused one attempt early (or, counted then retried at the limit, refused the attempt that had
been counted), and a take-back taken twice would have allowed one guess more than the limit.
"""

from __future__ import annotations

import uuid

from redis.asyncio import Redis

from storage import redis_keys
from storage.redis.errors import unavailable_as_one_error

# How long an update's marker lasts: both runs of one update are sent within the client's
# timeouts (seconds), so a minute is ample, and markers of busy accounts do not pile up.
UPDATE_MARKER_SECONDS = 60

# KEYS[1]: this attempt's marker; KEYS[2..]: the counters (account first, then the address if
# known). ARGV[1]: the marker's lifetime in seconds, ARGV[2]: the window in milliseconds,
# ARGV[3..]: the limit of each counter. Returns {0, 0} when the attempt is allowed (and counted,
# or had been counted by a first run), or {index of the full counter, milliseconds until its
# window ends}. A refused attempt changes nothing, so it leaves no marker.
_ATTEMPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, 0}
end
local window = tonumber(ARGV[2])
for i = 2, #KEYS do
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  if count >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl < 0 then
      redis.call('PEXPIRE', KEYS[i], window)
      ttl = window
    end
    return {i - 1, ttl}
  end
end
for i = 2, #KEYS do
  if redis.call('INCR', KEYS[i]) == 1 then
    redis.call('PEXPIRE', KEYS[i], window)
  end
end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
return {0, 0}
"""

# KEYS[1]: this take-back's marker; KEYS[2..]: counters to take one attempt back from.
# ARGV[1]: the marker's lifetime in seconds; ARGV[2] = '1' to delete KEYS[2] instead.
_TAKE_BACK = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return 0
end
for i = 2, #KEYS do
  if i == 2 and ARGV[2] == '1' then
    redis.call('DEL', KEYS[i])
  elseif tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then
    redis.call('DECR', KEYS[i])
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
        counters = _counters(email, client_ip)
        limits = [account_limit, address_limit][: len(counters)]
        with unavailable_as_one_error():
            result = await self._attempt(
                keys=[_new_update_marker(), *counters], args=[UPDATE_MARKER_SECONDS, window_ms, *limits]
            )
        blocked, ttl_ms = int(result[0]), int(result[1])
        if not blocked:
            return None, 0
        return ("account" if blocked == 1 else "address"), ttl_ms

    async def take_back(self, *, email: str, client_ip: str, clear_account: bool) -> None:
        """Takes one attempt back from both counters, or clears the account's (`clear_account`)."""
        with unavailable_as_one_error():
            await self._take_back(
                keys=[_new_update_marker(), *_counters(email, client_ip)],
                args=[UPDATE_MARKER_SECONDS, "1" if clear_account else "0"],
            )


def _new_update_marker() -> str:
    return redis_keys.login_counter_update(uuid.uuid4().hex)


def _counters(email: str, client_ip: str) -> list[str]:
    keys = [redis_keys.login_failures_for_account(email)]
    if client_ip:
        keys.append(redis_keys.login_failures_for_ip(client_ip))
    return keys
