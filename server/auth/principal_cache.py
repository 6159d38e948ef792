"""A short-lived Redis cache of "session -> caller", so most calls authenticate without PostgreSQL.

Entries live `ttl` (30 s). Revoking a session deletes its entry AND leaves a revocation marker
that outlives any entry a racing reader might still write, so a revoked session can never be
resurrected by the cache. Redis trouble is never fatal here: the caller falls back to PostgreSQL.
"""

from __future__ import annotations

import enum
import json
import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta

import redis.exceptions
from redis.asyncio import Redis

from server.core.context import Principal, Role
from storage import redis_keys

_log = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(seconds=30)

_REDIS_FAILURES = (redis.exceptions.RedisError, OSError)


class CacheVerdict(enum.Enum):
    """What the cache knows about a session besides a cached principal."""

    UNKNOWN = "unknown"  # not cached (or Redis unreachable): ask PostgreSQL
    REVOKED = "revoked"  # revoked recently: refuse without asking


class PrincipalCache:
    """Caches the Principal of a session for `ttl`; remembers revocations for `revocation_ttl`."""

    def __init__(self, redis: Redis, *, ttl: timedelta = DEFAULT_TTL, revocation_ttl: timedelta) -> None:
        self._redis = redis
        self._ttl_ms = max(1, int(ttl.total_seconds() * 1000))
        # At least twice the entry TTL: longer than any entry a racing reader could still write.
        self._revocation_ttl_ms = max(2 * self._ttl_ms, int(revocation_ttl.total_seconds() * 1000))

    async def get(self, session_id: uuid.UUID) -> Principal | CacheVerdict:
        """The cached caller of `session_id`, or what else is known (one round trip)."""
        try:
            cached, revoked = await self._redis.mget(
                [redis_keys.principal(session_id), redis_keys.revoked_session(session_id)]
            )
        except _REDIS_FAILURES as exc:
            _log.warning("principal cache unreachable, checking PostgreSQL: %s", exc)
            return CacheVerdict.UNKNOWN
        if revoked is not None:
            return CacheVerdict.REVOKED
        if cached is None:
            return CacheVerdict.UNKNOWN
        try:
            data = json.loads(cached)
            return Principal(user_id=uuid.UUID(data["u"]), role=Role(data["r"]), session_id=session_id)
        except (ValueError, KeyError, TypeError):
            _log.warning("ignoring a malformed principal cache entry")
            return CacheVerdict.UNKNOWN

    async def put(self, principal: Principal) -> None:
        """Caches `principal` for its session (best effort)."""
        value = json.dumps({"u": str(principal.user_id), "r": principal.role.value})
        try:
            await self._redis.set(redis_keys.principal(principal.session_id), value, px=self._ttl_ms)
        except _REDIS_FAILURES as exc:
            _log.warning("principal cache unreachable, not caching: %s", exc)

    async def invalidate(self, session_ids: Iterable[uuid.UUID]) -> None:
        """Forgets the sessions and marks them revoked (call after the revocation commits)."""
        ids = list(session_ids)
        if not ids:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for session_id in ids:
                    pipe.set(redis_keys.revoked_session(session_id), "1", px=self._revocation_ttl_ms)
                    pipe.delete(redis_keys.principal(session_id))
                await pipe.execute()
        except _REDIS_FAILURES as exc:
            # Entries expire within the TTL anyway; PostgreSQL already says "revoked".
            _log.error("could not invalidate %d cached session(s); they expire within the TTL: %s", len(ids), exc)
