"""WatchQueue: the waiting chats (a snapshot, then changes) and the caller's own ACTIVE chats.

The queue comes as a snapshot first and then chats as they appear and disappear; the caller's
ACTIVE chats come whole, after the snapshot and again whenever they change. They are always read
from PostgreSQL (after the subscription is made, and again on each wake-up naming the caller or
resync), never taken from a wake-up: wake-ups from two replicas may arrive in either order, the
database's answer is the latest. A reconnecting client has caught up with its first two events.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime

from helpdesk.v1 import chat_event_pb2, chat_pb2
from server.chat.convert import chat_to_proto
from server.chat.fanout import ChatFanout, MyChatsChanged
from server.chat.presence import AgentPresence
from server.core.context import Principal
from server.core.stream_limits import StreamSlots
from server.core.subscription import RESYNC
from server.settings import Settings
from storage.models import ChatState

# More waiting chats than this is an outage of the support team, not a list to stream.
MAX_SNAPSHOT = 1000
# More chats at once than anyone can follow; the list shows the oldest this many.
MAX_MY_CHATS = 200


class ChatQueue:
    """Streams of the queue of waiting chats for agents; an open stream renews the agent's presence."""

    def __init__(
        self,
        *,
        settings: Settings,
        fanout: ChatFanout,
        presence: AgentPresence,
        slots: StreamSlots,
    ) -> None:
        self._heartbeat = settings.chat_heartbeat_seconds
        self._slots = slots
        self._fanout = fanout
        self._presence = presence

    async def watch(self, *, principal: Principal) -> AsyncIterator[chat_event_pb2.QueueEvent]:
        """Snapshot, then changes; a fresh snapshot whenever changes may have been missed."""
        with self._slots.hold(principal.user_id):
            async with contextlib.aclosing(self._watch(principal)) as events:
                async for event in events:
                    yield event

    async def _watch(self, principal: Principal) -> AsyncGenerator[chat_event_pb2.QueueEvent]:
        async with self._fanout.watch_queue(principal.user_id) as subscription:
            waiting, snapshot = await self._snapshot()
            yield snapshot
            mine = await self._my_chats(principal)
            yield chat_event_pb2.QueueEvent(my_chats=chat_event_pb2.MyChats(chats=mine))
            await self._presence.renew(user_id=principal.user_id)
            while True:
                item = await subscription.next(wait_seconds=self._heartbeat)
                if item is None:
                    await self._presence.renew(user_id=principal.user_id)
                    beat = chat_event_pb2.Heartbeat()
                    beat.server_time.FromDatetime(datetime.now(UTC))
                    yield chat_event_pb2.QueueEvent(heartbeat=beat)
                elif item is RESYNC:
                    fresh, snapshot = await self._snapshot()
                    if fresh != waiting:
                        waiting = fresh
                        yield snapshot
                    fresh_mine = await self._my_chats(principal)
                    if fresh_mine != mine:
                        mine = fresh_mine
                        yield chat_event_pb2.QueueEvent(my_chats=chat_event_pb2.MyChats(chats=mine))
                elif isinstance(item, MyChatsChanged):
                    if principal.user_id not in item.agent_ids:
                        continue
                    fresh_mine = await self._my_chats(principal)
                    if fresh_mine != mine:
                        mine = fresh_mine
                        yield chat_event_pb2.QueueEvent(my_chats=chat_event_pb2.MyChats(chats=mine))
                elif isinstance(item, chat_event_pb2.QueueEvent):
                    kind = item.WhichOneof("event")
                    if kind == "chat_added" and item.chat_added.id not in waiting:
                        waiting.append(item.chat_added.id)
                        yield item
                    elif kind == "chat_removed" and item.chat_removed.id in waiting:
                        waiting.remove(item.chat_removed.id)
                        yield item

    async def _my_chats(self, principal: Principal) -> list[chat_pb2.Chat]:
        async with self._fanout.stream_reading() as uow:
            views = await uow.chats.list_page(
                limit=MAX_MY_CHATS,
                order_field="create_time",
                descending=False,
                statuses=[ChatState.ACTIVE],
                agent_id=principal.user_id,
            )
        return [chat_to_proto(view) for view in views]

    async def _snapshot(self) -> tuple[list[str], chat_event_pb2.QueueEvent]:
        async with self._fanout.stream_reading() as uow:
            views = await uow.chats.list_waiting(limit=MAX_SNAPSHOT)
        chats = [chat_to_proto(view, queue_position=i + 1) for i, view in enumerate(views)]
        snapshot = chat_event_pb2.QueueEvent(snapshot=chat_event_pb2.QueueSnapshot(chats=chats))
        return [chat.id for chat in chats], snapshot
