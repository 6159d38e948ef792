"""The live-chat domain of one process, built from settings and its stores; HelpdeskApp starts and stops it."""

from __future__ import annotations

from redis.asyncio import Redis

from server.chat.domain import ChatSessions
from server.chat.fanout import ChatFanout
from server.chat.hooks import ChatAssignmentHook
from server.chat.messages import ChatMessages
from server.chat.presence import AgentPresence
from server.chat.queue import ChatQueue
from server.chat.streams import ChatStreams
from server.chat.typing_indicators import TypingIndicators
from server.core.stream_limits import StreamSlots
from server.settings import Settings
from storage.db import Database


class LiveChat:
    """Sessions, messages, streams, queue and presence, sharing one fan-out."""

    def __init__(
        self,
        *,
        settings: Settings,
        database: Database,
        redis: Redis,
        assignment: ChatAssignmentHook | None = None,
    ) -> None:
        self.fanout = ChatFanout(settings=settings, database=database)
        typing = TypingIndicators(redis=redis, fanout=self.fanout, ttl_seconds=settings.chat_typing_ttl_seconds)
        self.sessions = ChatSessions(database=database, fanout=self.fanout, typing=typing, assignment=assignment)
        self.messages = ChatMessages(database=database, fanout=self.fanout, typing=typing)
        self.presence = AgentPresence(
            database=database,
            redis=redis,
            ttl_seconds=settings.chat_presence_ttl_seconds,
            assignment=assignment,
        )
        # One count per user for every kind of chat stream on this process.
        self.stream_slots = StreamSlots(per_user=settings.chat_max_streams_per_user)
        self.streams = ChatStreams(
            settings=settings,
            database=database,
            fanout=self.fanout,
            sessions=self.sessions,
            messages=self.messages,
            slots=self.stream_slots,
        )
        self.queue = ChatQueue(settings=settings, fanout=self.fanout, presence=self.presence, slots=self.stream_slots)

    async def start(self) -> None:
        """Starts the fan-out's Redis subscriber and PostgreSQL poller."""
        await self.fanout.start()

    def end_streams(self) -> None:
        """Ends local streams at once (resumable UNAVAILABLE), before the server drains."""
        self.fanout.end_streams()

    async def stop(self) -> None:
        """Stops the background tasks, once the server has drained."""
        await self.fanout.stop()

    async def close(self) -> None:
        """Closes the fan-out's Redis clients, once the server has drained."""
        await self.fanout.close()
