"""Rate-limit budgets as GCRA arrival times, checked and charged together by one Lua script on Redis's clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from storage import redis_keys
from storage.redis.errors import REDIS_FAILURES, RedisUnavailable

# KEYS: one per budget (the theoretical arrival time, in microseconds of Redis's clock).
# ARGV: for budget i, ARGV[2i-1] = emission interval and ARGV[2i] = burst tolerance, in microseconds.
# Returns {0, 0} when the call is allowed (and charged to every budget), or {i, microseconds
# until budget i would allow it} (nothing charged).
_GCRA = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local arrivals = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then
    tat = now
  end
  local arrival = tat + interval
  local excess = arrival - now - tolerance
  if excess > 0 then
    return {i, excess}
  end
  arrivals[i] = arrival
end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, string.format('%d', arrivals[i]), 'PX', math.floor((arrivals[i] - now) / 1000) + 1)
end
return {0, 0}
"""


@dataclass(frozen=True, slots=True)
class Budget:
    """One budget a call counts against: whose (`name`, `scope`, `subject`) and its figures in microseconds."""

    name: str
    scope: str
    subject: str
    interval_us: int
    tolerance_us: int


class RateLimitBudgets:
    """Checks and charges budgets atomically; raises RedisUnavailable when Redis cannot answer."""

    def __init__(self, redis: Redis) -> None:
        self._script = redis.register_script(_GCRA)

    async def charge(self, budgets: Sequence[Budget]) -> tuple[int, int]:
        """(0, 0) when every budget allowed the call (all charged), else (1-based index of the spent one, µs left)."""
        args: list[int] = []
        for budget in budgets:
            args += [budget.interval_us, budget.tolerance_us]
        keys = [redis_keys.rate_limit(b.name, b.scope, b.subject) for b in budgets]
        # A plain try (not a context manager): this runs on every call.
        try:
            result = await self._script(keys=keys, args=args)
        except REDIS_FAILURES as exc:
            raise RedisUnavailable(str(exc) or type(exc).__name__) from exc
        return int(result[0]), int(result[1])
