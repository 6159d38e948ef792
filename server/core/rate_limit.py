"""General rate limiting in Redis, shared by every replica: per client address and per signed-in user.

The algorithm is GCRA (the "generic cell rate algorithm", a token bucket kept as one timestamp):
each budget allows `burst` calls at once after an idle period, then one call every
`1 / per_second` seconds. All the budgets a call counts against are checked and charged by ONE Lua
script using Redis's clock, so concurrent calls on several replicas cannot race past a limit and
replicas' clocks do not matter. A refused call charges nothing.

Every call counts against the `default` budget of its client address and, when signed in, of its
user; the expensive RPCs (Login, Register, SearchArticles, StartChat) count against their own
budgets too. Streams count once, when opened. Health checks and reflection are never limited.

If Redis cannot be reached, calls are let through (availability over strictness: this limiter
protects capacity, not secrets; sign-in has its own limiter that fails closed) and the failure is
logged at most once a minute.
"""

from __future__ import annotations

import ipaddress
import logging
import time
import uuid
from datetime import timedelta

from redis.asyncio import Redis

from server.core.errors import ResourceExhausted
from server.core.metrics import Metrics
from server.settings import RateBudget, Settings
from storage.redis import RedisUnavailable
from storage.redis.rate_limits import Budget, RateLimitBudgets

_log = logging.getLogger(__name__)

# Methods never limited: health probes (Envoy, orchestrators) and server reflection.
EXEMPT_PREFIXES = ("/grpc.health.", "/grpc.reflection.")

_FAILURE_LOG_INTERVAL_SECONDS = 60.0


def address_bucket(client_ip: str) -> str:
    """What an address's budget is kept under: the address, or its /64 for IPv6.

    One IPv6 subscriber usually holds a whole /64, so limiting single addresses would hand out a
    fresh budget per address.
    """
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return client_ip
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


class RateLimiter:
    """Checks and charges a call's budgets in Redis; refuses with ResourceExhausted(RATE_LIMITED)."""

    def __init__(self, redis: Redis, *, settings: Settings, metrics: Metrics | None = None) -> None:
        self._budgets = RateLimitBudgets(redis)
        self._metrics = metrics
        self._default_ip = settings.rate_limit_per_ip
        self._default_user = settings.rate_limit_per_user
        # Expensive RPCs: their own budget, per address and per user, on top of the default one.
        self._expensive: dict[str, tuple[str, RateBudget]] = {
            "/helpdesk.v1.AuthService/Login": ("login", settings.rate_limit_login),
            "/helpdesk.v1.AuthService/Register": ("register", settings.rate_limit_register),
            "/helpdesk.v1.KnowledgeService/SearchArticles": ("search", settings.rate_limit_search),
            "/helpdesk.v1.ChatService/StartChat": ("start_chat", settings.rate_limit_start_chat),
        }
        self._last_failure_log = -_FAILURE_LOG_INTERVAL_SECONDS
        self._failures_since_log = 0

    @staticmethod
    def is_exempt(method: str) -> bool:
        """Whether `method` (`/package.Service/Method`) is never limited."""
        return method.startswith(EXEMPT_PREFIXES)

    async def check(self, *, method: str, client_ip: str, user_id: uuid.UUID | None) -> None:
        """Charges one call of `method`; raises ResourceExhausted (with the wait) if a budget is spent."""
        charges = self._charges(method, client_ip, user_id)
        if not charges:
            return
        try:
            blocked, wait_us = await self._budgets.charge(charges)
        except RedisUnavailable as exc:
            # Fail open: this limiter protects capacity, not secrets.
            self._redis_failed(exc)
            return
        if not blocked:
            return
        charge = charges[blocked - 1]
        if self._metrics is not None:
            self._metrics.rate_limit_rejections.labels(budget=charge.name, scope=charge.scope).inc()
        raise ResourceExhausted(
            "too many requests, slow down and retry later",
            retry_after=timedelta(microseconds=max(wait_us, 1000)),
            reason="RATE_LIMITED",
            metadata={"budget": charge.name, "scope": charge.scope},
        )

    def _charges(self, method: str, client_ip: str, user_id: uuid.UUID | None) -> list[Budget]:
        if self.is_exempt(method):
            return []
        budgets = [("default", self._default_ip, self._default_user)]
        expensive = self._expensive.get(method)
        if expensive is not None:
            budgets.append((expensive[0], expensive[1], expensive[1]))
        charges = []
        address = address_bucket(client_ip)
        for name, per_ip, per_user in budgets:
            if address:
                charges.append(_budget(name, "ip", address, per_ip))
            if user_id is not None:
                charges.append(_budget(name, "user", str(user_id), per_user))
        return charges

    def _redis_failed(self, exc: BaseException) -> None:
        if self._metrics is not None:
            self._metrics.redis_errors.labels(component="rate_limit").inc()
        self._failures_since_log += 1
        now = time.monotonic()
        if now - self._last_failure_log >= _FAILURE_LOG_INTERVAL_SECONDS:
            _log.warning(
                "rate limiter: Redis unreachable, letting calls through unlimited (%d call(s) since last report): %s",
                self._failures_since_log,
                exc,
            )
            self._last_failure_log = now
            self._failures_since_log = 0


def _budget(name: str, scope: str, subject: str, figures: RateBudget) -> Budget:
    interval = round(1_000_000 / figures.per_second)
    return Budget(name, scope, subject, interval_us=interval, tolerance_us=interval * figures.burst)
