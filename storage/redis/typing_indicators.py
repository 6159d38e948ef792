"""Chat typing indicators: one key per participant and chat, lapsing after its TTL."""

from __future__ import annotations

import uuid

from redis.asyncio import Redis

from storage import redis_keys
from storage.redis.errors import unavailable_as_one_error


class TypingIndicatorKeys:
    """Shows, renews and clears indicators; raises RedisUnavailable when Redis cannot answer."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def show(self, *, chat_id: uuid.UUID, user_id: uuid.UUID, display_name: str, ttl_ms: int) -> None:
        """Shows (or renews) the participant's indicator for `ttl_ms`."""
        with unavailable_as_one_error():
            await self._redis.set(redis_keys.chat_typing(chat_id, user_id), display_name, px=ttl_ms)

    async def clear(self, *, chat_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """Clears the participant's indicator; whether one was showing."""
        with unavailable_as_one_error():
            return bool(await self._redis.delete(redis_keys.chat_typing(chat_id, user_id)))
