"""Typing indicators: ephemeral, kept in Redis with a short TTL and announced on the chat's streams.

An indicator lapses by itself when not renewed (no event is sent then: clients use its
`expire_time`). Sending a message clears the sender's indicator with a `typing = false` event.
Redis being down only loses indicators; it never fails a send.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from helpdesk.v1 import chat_event_pb2
from server.chat.fanout import ChatFanout
from storage.redis import RedisUnavailable
from storage.redis.typing_indicators import TypingIndicatorKeys

_log = logging.getLogger(__name__)


class TypingIndicators:
    """Shows, renews and clears participants' typing indicators."""

    def __init__(self, *, redis: Redis, fanout: ChatFanout, ttl_seconds: float) -> None:
        self._keys = TypingIndicatorKeys(redis)
        self._fanout = fanout
        self._ttl = ttl_seconds

    async def update(
        self, *, chat_id: uuid.UUID, user_id: uuid.UUID, display_name: str, typing: bool
    ) -> chat_event_pb2.TypingIndicator:
        """Shows (or renews) or clears the indicator, and tells the chat's streams."""
        indicator = chat_event_pb2.TypingIndicator(user_id=str(user_id), display_name=display_name, typing=typing)
        try:
            if typing:
                await self._keys.show(
                    chat_id=chat_id, user_id=user_id, display_name=display_name, ttl_ms=int(self._ttl * 1000)
                )
            else:
                await self._keys.clear(chat_id=chat_id, user_id=user_id)
        except RedisUnavailable:
            # Fail open: an indicator is ephemeral; the event still reaches the chat's streams.
            _log.warning("typing indicator not stored: Redis unreachable")
        if typing:
            indicator.expire_time.FromDatetime(datetime.now(UTC) + timedelta(seconds=self._ttl))
        await self._fanout.publish_chat_event(chat_id, chat_event_pb2.ChatEvent(typing=indicator))
        return indicator

    async def announce_cleared(self, *, chat_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """Tells the chat's streams that the participant's indicator was cleared (`typing = false`)."""
        indicator = chat_event_pb2.TypingIndicator(user_id=str(user_id), typing=False)
        await self._fanout.publish_chat_event(chat_id, chat_event_pb2.ChatEvent(typing=indicator))
