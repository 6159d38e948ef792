"""Who is ONLINE now, from chat presence in Redis: the only agents automatic assignment gives work to."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from redis.asyncio import Redis

from storage.redis import RedisUnavailable
from storage.redis.presence import ONLINE, PresenceKeys

_log = logging.getLogger(__name__)


class OnlineAgents:
    """Reads agents' presence; without Redis nobody counts as ONLINE (work waits, nothing fails)."""

    def __init__(self, redis: Redis) -> None:
        self._keys = PresenceKeys(redis)

    async def availability(self, user_ids: Sequence[uuid.UUID]) -> list[str | None]:
        """The stored availability of each user, in order (None: offline); raises RedisUnavailable."""
        return [value for value, _ in await self._keys.read(user_ids)]

    async def among(self, user_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        """Those of `user_ids` who are ONLINE; none when Redis cannot answer."""
        if not user_ids:
            return []
        try:
            stored = await self.availability(user_ids)
        except RedisUnavailable:
            # Fail safe: work stays unassigned (and is handed out later) rather than go to someone away.
            _log.warning("presence unreadable: automatic assignment waits for Redis")
            return []
        return [user_id for user_id, value in zip(user_ids, stored, strict=True) if value == ONLINE]
