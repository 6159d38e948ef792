"""Cached callers of sessions, revocation markers, and their announcement to every replica."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from redis.asyncio import Redis

from storage import redis_keys
from storage.redis.errors import unavailable_as_one_error
from storage.redis.invalidations import SESSIONS, announce_in

# The invalidation kind of user records (whose in-process copies the auth domain keeps).
USERS = "user"


class PrincipalEntries:
    """Reads and writes cached callers and revocations; raises RedisUnavailable when Redis cannot answer."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def read(self, session_id: uuid.UUID) -> tuple[str | None, bool]:
        """The cached entry of the session (text, or None) and whether it is marked revoked (one MGET)."""
        with unavailable_as_one_error():
            cached, revoked = await self._redis.mget(
                [redis_keys.principal(session_id), redis_keys.revoked_session(session_id)]
            )
        return (None if cached is None else str(cached)), revoked is not None

    async def write(self, session_id: uuid.UUID, value: str, *, ttl_ms: int) -> None:
        """Caches the session's entry for `ttl_ms`."""
        with unavailable_as_one_error():
            await self._redis.set(redis_keys.principal(session_id), value, px=ttl_ms)

    async def revoke(
        self,
        session_ids: Sequence[uuid.UUID],
        *,
        marker_ttl_ms: int,
        user_ids: Sequence[uuid.UUID] = (),
        records_only: bool = False,
    ) -> None:
        """Marks the sessions revoked, drops their entries, then announces them (one round trip).

        `user_ids` are users whose records changed, announced in the same round trip;
        `records_only`: in nothing other caches derive from the records (their display names).
        """
        with unavailable_as_one_error():
            async with self._redis.pipeline(transaction=False) as pipe:
                for session_id in session_ids:
                    pipe.set(redis_keys.revoked_session(session_id), "1", px=marker_ttl_ms)
                    pipe.delete(redis_keys.principal(session_id))
                # After the markers: a replica that drops its entry and re-reads sees them.
                if session_ids:
                    announce_in(pipe, SESSIONS, session_ids)
                if user_ids:
                    announce_in(pipe, USERS, user_ids, dependents=not records_only)
                await pipe.execute()
