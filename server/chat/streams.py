"""StreamChat and Converse: replay from PostgreSQL after `after_seq`, then live, with no gap and no duplicate.

A stream subscribes to the chat's live events first, then replays history from PostgreSQL, then
delivers live events, dropping messages at or below the last seq it sent. A live message that
skips a seq makes the stream read the gap from PostgreSQL. When the chat ends, the stream sends
every remaining message, then the status change, then completes. Heartbeats go out after
`chat_heartbeat_seconds` without an event. Replays read pages in short transactions, so a slow
client never holds a database connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import UTC, datetime

from helpdesk.v1 import chat_event_pb2, chat_pb2, chat_service_pb2
from server.chat.convert import event_for_viewer, message_to_proto
from server.chat.domain import ChatSessions
from server.chat.fanout import ChatFanout
from server.chat.messages import ChatMessages
from server.chat.rules import ensure_visible
from server.chat.validation import parse_chat_id
from server.core.context import Principal
from server.core.errors import HelpdeskError, InvalidArgument, Unavailable
from server.core.stream_limits import StreamSlots
from server.core.subscription import Subscription
from server.settings import Settings
from storage.db import Database
from storage.models import ChatState

_log = logging.getLogger(__name__)

REPLAY_PAGE = 200


def heartbeat_event() -> chat_event_pb2.ChatEvent:
    """A heartbeat carrying the server's clock."""
    beat = chat_event_pb2.Heartbeat()
    beat.server_time.FromDatetime(datetime.now(UTC))
    return chat_event_pb2.ChatEvent(heartbeat=beat)


class ChatStreams:
    """Live chat streams (server-streaming and bidirectional)."""

    def __init__(
        self,
        *,
        settings: Settings,
        database: Database,
        fanout: ChatFanout,
        sessions: ChatSessions,
        messages: ChatMessages,
        slots: StreamSlots,
    ) -> None:
        self._heartbeat = settings.chat_heartbeat_seconds
        self._slots = slots
        self._database = database
        self._fanout = fanout
        self._sessions = sessions
        self._messages = messages

    def stream(self, *, principal: Principal, chat_id: str, after_seq: int) -> AsyncIterator[chat_event_pb2.ChatEvent]:
        """Events of a chat the caller may see: history after `after_seq`, then live."""
        return self._follow(principal, chat_id, after_seq, field_prefix="")

    async def converse(
        self, *, principal: Principal, requests: AsyncIterator[chat_service_pb2.ConverseRequest]
    ) -> AsyncIterator[chat_event_pb2.ChatEvent]:
        """A bidirectional chat: a `join` first, then sends, typing and read marks; events as `stream`."""
        first = await anext(requests, None)
        if first is None:
            return
        if first.WhichOneof("action") != "join":
            raise InvalidArgument.field("join", "the first request of a Converse stream must be a join")
        chat_id = first.join.chat_id
        reader: asyncio.Task[None] | None = None

        def start_reader(subscription: Subscription) -> None:
            nonlocal reader
            reader = asyncio.get_running_loop().create_task(
                self._serve_requests(principal, chat_id, requests, subscription), name="chat-converse-reader"
            )

        try:
            async for event in self._follow(
                principal, chat_id, first.join.after_seq, field_prefix="join.", on_subscribed=start_reader
            ):
                yield event
        finally:
            if reader is not None:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader

    async def _serve_requests(
        self,
        principal: Principal,
        chat_id: str,
        requests: AsyncIterator[chat_service_pb2.ConverseRequest],
        subscription: Subscription,
    ) -> None:
        # A refused action ends the whole stream with that error, as the unary method would answer.
        try:
            async for request in requests:
                action = request.WhichOneof("action")
                if action == "send":
                    await self._messages.send(
                        principal=principal,
                        chat_id=chat_id,
                        body=request.send.body,
                        request_id=request.send.request_id,
                    )
                elif action == "typing":
                    await self._sessions.set_typing(principal=principal, chat_id=chat_id, typing=request.typing.typing)
                elif action == "mark_read":
                    await self._sessions.mark_read(
                        principal=principal, chat_id=chat_id, last_read_seq=request.mark_read.last_read_seq
                    )
                elif action == "join":
                    raise InvalidArgument.field("join", "only the first request may be a join")
                else:
                    raise InvalidArgument.field("action", "is required")
        except HelpdeskError as exc:
            subscription.close(exc)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - any failure must end this stream, not leak as a dead task
            _log.exception("Converse: handling a client request failed")
            subscription.close(Unavailable("the server failed to handle a request; reconnect with after_seq"))

    async def _follow(
        self,
        principal: Principal,
        chat_id: str,
        after_seq: int,
        *,
        field_prefix: str,
        on_subscribed: Callable[[Subscription], None] | None = None,
    ) -> AsyncIterator[chat_event_pb2.ChatEvent]:
        parsed = parse_chat_id(chat_id, field=f"{field_prefix}chat_id")
        if after_seq < 0:
            raise InvalidArgument.field(f"{field_prefix}after_seq", "must not be negative")
        # The slot is taken before any database work, so refused streams cost nothing.
        with self._slots.hold(principal.user_id):
            async with contextlib.aclosing(self._follow_held(principal, parsed, after_seq, on_subscribed)) as events:
                async for event in events:
                    yield event

    async def _follow_held(
        self,
        principal: Principal,
        parsed: uuid.UUID,
        after_seq: int,
        on_subscribed: Callable[[Subscription], None] | None,
    ) -> AsyncGenerator[chat_event_pb2.ChatEvent]:
        async with self._fanout.stream_reading() as uow:
            ensure_visible(await uow.chats.get(chat_id=parsed), principal)
        viewer = principal.user_id
        async with self._fanout.watch_chat(parsed) as subscription:
            if on_subscribed is not None:
                on_subscribed(subscription)
            last = after_seq
            async for event in self._replay(parsed, after_seq=last):
                last = event.message.seq
                yield event_for_viewer(event, viewer)
            if await self._has_ended(parsed):
                # Nothing can be sent any more: deliver what was committed before the end, and stop.
                async for event in self._replay(parsed, after_seq=last):
                    yield event_for_viewer(event, viewer)
                return
            while True:
                item = await subscription.next(wait_seconds=self._heartbeat)
                if item is None:
                    yield heartbeat_event()
                    continue
                assert isinstance(item, chat_event_pb2.ChatEvent)
                kind = item.WhichOneof("event")
                if kind == "message":
                    seq = item.message.seq
                    if seq <= last:
                        continue
                    if seq > last + 1:
                        # Defensive: the feed delivers in order, but never skip a seq.
                        async for event in self._replay(parsed, after_seq=last):
                            last = event.message.seq
                            yield event_for_viewer(event, viewer)
                        continue
                    last = seq
                    yield event_for_viewer(item, viewer)
                elif kind == "status_change" and item.status_change.chat.status == chat_pb2.CHAT_STATUS_ENDED:
                    async for event in self._replay(parsed, after_seq=last):
                        last = event.message.seq
                        yield event_for_viewer(event, viewer)
                    yield item
                    return
                else:
                    yield item

    async def _replay(self, chat_id: uuid.UUID, *, after_seq: int) -> AsyncIterator[chat_event_pb2.ChatEvent]:
        last = after_seq
        while True:
            async with self._fanout.stream_reading() as uow:
                views = await uow.chats.list_messages(chat_id=chat_id, after_seq=last, limit=REPLAY_PAGE)
            for view in views:
                last = view.message.seq
                yield chat_event_pb2.ChatEvent(message=message_to_proto(view))
            if len(views) < REPLAY_PAGE:
                return

    async def _has_ended(self, chat_id: uuid.UUID) -> bool:
        async with self._fanout.stream_reading() as uow:
            chat = await uow.chats.get(chat_id=chat_id)
        return chat is None or chat.status is ChatState.ENDED
