"""Chat streams that survive disconnects: resume from the last seen `seq`, no gap, no duplicate.

The server replays every message after `after_seq` from PostgreSQL and then goes live, so a
client that remembers the highest `seq` it has seen can reconnect at any time (a replica
restarted, Envoy reloaded, the network dropped) and lose nothing. `ResumableChatStream` does that
for `StreamChat` (browsers and simple readers); `Conversation` for the bidirectional `Converse`
(agents and services), where unacknowledged sends are re-sent on reconnect with their original
`request_id`, so the server stores each message once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import grpc.aio

from helpdesk.client.errors import HelpdeskError
from helpdesk.client.session import Session
from helpdesk.v1 import chat_event_pb2, chat_pb2, chat_service_pb2, chat_service_pb2_grpc

# A stream that fails with one of these is resumed (the chat itself is fine; the path to it broke).
RESUMABLE_CODES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED, grpc.StatusCode.INTERNAL})


@dataclass(frozen=True, slots=True)
class ResumePolicy:
    """How hard a chat stream tries to come back."""

    # Consecutive attempts that deliver nothing before the stream gives up (and raises).
    max_attempts: int = 8
    initial_backoff_seconds: float = 0.1
    max_backoff_seconds: float = 2.0


def _ended(event: chat_event_pb2.ChatEvent) -> bool:
    if event.WhichOneof("event") != "status_change":
        return False
    return bool(event.status_change.chat.status == chat_pb2.CHAT_STATUS_ENDED)


class Resumer:
    """Shared resume state of a stream: the last seen seq, backoff, and the one token refresh on UNAUTHENTICATED."""

    def __init__(self, *, session: Session, policy: ResumePolicy, after_seq: int) -> None:
        self.session = session
        self.policy = policy
        self.last_seq = after_seq
        self.reconnects = 0
        self._failures = 0
        self._refreshed = False
        self.closed = False

    def progressed(self) -> None:
        """Something arrived: the next failure starts a fresh round of attempts."""
        self._failures = 0
        self._refreshed = False

    def accept(self, event: chat_event_pb2.ChatEvent) -> bool:
        """Whether to deliver `event` (False for a message already seen); records progress."""
        self.progressed()
        if event.WhichOneof("event") == "message":
            if event.message.seq <= self.last_seq:
                return False
            self.last_seq = event.message.seq
        return True

    async def recover(self, error: grpc.aio.AioRpcError | None) -> None:
        """Waits before the next attempt, or raises HelpdeskError when the stream cannot be resumed."""
        if error is not None:
            code = error.code()
            if code == grpc.StatusCode.UNAUTHENTICATED and not self._refreshed and self.session.signed_in:
                # The access token expired during a long stream: refresh once and reconnect.
                self._refreshed = True
                await self.session.refresh(reason="rejected", stale=self.session.tokens)
                self.reconnects += 1
                return
            if code not in RESUMABLE_CODES:
                raise HelpdeskError.from_rpc_error(error) from None
        self._failures += 1
        if self._failures >= self.policy.max_attempts:
            if error is not None:
                raise HelpdeskError.from_rpc_error(error) from None
            raise HelpdeskError(grpc.StatusCode.UNAVAILABLE, "the stream keeps ending; giving up")
        delay = min(self.policy.initial_backoff_seconds * 2 ** (self._failures - 1), self.policy.max_backoff_seconds)
        await asyncio.sleep(delay)
        self.reconnects += 1


class ResumableChatStream:
    """`StreamChat` as an async iterator of ChatEvents that reconnects from the last seen seq.

    Iteration ends when the chat ends (a status change to ENDED) or `close()` is called; it raises
    `HelpdeskError` for errors that reconnecting cannot fix (PERMISSION_DENIED, NOT_FOUND, ...).
    """

    def __init__(
        self,
        chat: chat_service_pb2_grpc.ChatServiceAsyncStub,
        session: Session,
        chat_id: str,
        *,
        after_seq: int = 0,
        policy: ResumePolicy | None = None,
    ) -> None:
        self._chat = chat
        self.chat_id = chat_id
        self._resumer = Resumer(session=session, policy=policy or ResumePolicy(), after_seq=after_seq)
        self._call: Any = None

    @property
    def last_seq(self) -> int:
        """The highest message seq delivered so far."""
        return self._resumer.last_seq

    @property
    def reconnects(self) -> int:
        """How many times the stream was re-opened."""
        return self._resumer.reconnects

    def close(self) -> None:
        """Stops the stream; the iteration ends."""
        self._resumer.closed = True
        if self._call is not None:
            self._call.cancel()

    def __aiter__(self) -> AsyncIterator[chat_event_pb2.ChatEvent]:
        return self._events()

    async def _events(self) -> AsyncIterator[chat_event_pb2.ChatEvent]:
        resumer = self._resumer
        while not resumer.closed:
            request = chat_service_pb2.StreamChatRequest(chat_id=self.chat_id, after_seq=resumer.last_seq)
            self._call = self._chat.StreamChat(request)
            error: grpc.aio.AioRpcError | None = None
            try:
                async for event in self._call:
                    if resumer.accept(event):
                        yield event
                    if _ended(event):
                        return
            except grpc.aio.AioRpcError as failure:
                error = failure
            finally:
                self._call = None
            if resumer.closed:
                return
            await resumer.recover(error)


class Conversation:
    """`Converse` (bidirectional) with resume: iterate for events, `send()` messages, `close()` to leave.

    A sent message stays pending until it comes back on the stream (matched by `request_id`); on
    reconnect the conversation re-joins after the last seen seq and re-sends what is pending.
    """

    def __init__(
        self,
        chat: chat_service_pb2_grpc.ChatServiceAsyncStub,
        session: Session,
        chat_id: str,
        *,
        after_seq: int = 0,
        policy: ResumePolicy | None = None,
    ) -> None:
        self._chat = chat
        self.chat_id = chat_id
        self._resumer = Resumer(session=session, policy=policy or ResumePolicy(), after_seq=after_seq)
        self._pending: dict[str, str] = {}  # request_id -> body, in send order
        # Append-only outbox: each connection reads it from where it joined, so the request
        # generator of a dead connection can never take an item meant for the next one.
        self._outbox: list[chat_service_pb2.ConverseRequest | None] = []
        self._outbox_changed = asyncio.Event()
        self._call: Any = None

    @property
    def last_seq(self) -> int:
        """The highest message seq delivered so far."""
        return self._resumer.last_seq

    @property
    def reconnects(self) -> int:
        """How many times the stream was re-opened."""
        return self._resumer.reconnects

    @property
    def pending(self) -> list[str]:
        """Request ids of sent messages not yet seen on the stream."""
        return list(self._pending)

    async def send(self, body: str, *, request_id: str | None = None) -> str:
        """Queues a message; returns its request_id (it is delivered once, even across reconnects)."""
        request_id = request_id or str(uuid.uuid4())
        self._pending[request_id] = body
        send = chat_service_pb2.ConverseRequest.Send(body=body, request_id=request_id)
        self._post(chat_service_pb2.ConverseRequest(send=send))
        return request_id

    def _post(self, request: chat_service_pb2.ConverseRequest | None) -> None:
        self._outbox.append(request)
        self._outbox_changed.set()

    async def typing(self, typing: bool) -> None:
        """Tells the other side that this participant is (not) typing."""
        self._post(chat_service_pb2.ConverseRequest(typing=chat_service_pb2.ConverseRequest.Typing(typing=typing)))

    async def mark_read(self, seq: int) -> None:
        """Marks the chat read up to `seq`."""
        self._post(
            chat_service_pb2.ConverseRequest(mark_read=chat_service_pb2.ConverseRequest.MarkRead(last_read_seq=seq))
        )

    def close(self) -> None:
        """Leaves the conversation: the request stream ends and the iteration stops."""
        self._resumer.closed = True
        self._post(None)
        if self._call is not None:
            self._call.cancel()

    def __aiter__(self) -> AsyncIterator[chat_event_pb2.ChatEvent]:
        return self._events()

    async def _requests(self) -> AsyncIterator[chat_service_pb2.ConverseRequest]:
        position = len(self._outbox)
        join = chat_service_pb2.ConverseRequest.Join(chat_id=self.chat_id, after_seq=self._resumer.last_seq)
        yield chat_service_pb2.ConverseRequest(join=join)
        # Whatever the previous connection sent without seeing it come back is sent again; the
        # server dedupes on request_id.
        for request_id, body in list(self._pending.items()):
            send = chat_service_pb2.ConverseRequest.Send(body=body, request_id=request_id)
            yield chat_service_pb2.ConverseRequest(send=send)
        while True:
            while position >= len(self._outbox):
                self._outbox_changed.clear()
                await self._outbox_changed.wait()
            request = self._outbox[position]
            position += 1
            if request is None:
                return
            yield request

    async def _events(self) -> AsyncIterator[chat_event_pb2.ChatEvent]:
        resumer = self._resumer
        while not resumer.closed:
            self._call = self._chat.Converse(self._requests())
            error: grpc.aio.AioRpcError | None = None
            try:
                async for event in self._call:
                    if event.WhichOneof("event") == "message" and event.message.request_id:
                        self._pending.pop(event.message.request_id, None)
                    if resumer.accept(event):
                        yield event
                    if _ended(event):
                        return
            except grpc.aio.AioRpcError as failure:
                error = failure
            finally:
                self._call = None
            if resumer.closed:
                return
            await resumer.recover(error)


async def collect_messages(
    events: AsyncIterator[chat_event_pb2.ChatEvent] | ResumableChatStream | Conversation,
    *,
    count: int,
    on_message: Callable[[chat_pb2.ChatMessage], Awaitable[None]] | None = None,
) -> list[chat_pb2.ChatMessage]:
    """Reads events until `count` messages have arrived; returns them (a small helper for scripts and tests)."""
    messages: list[chat_pb2.ChatMessage] = []
    async for event in events:
        if event.WhichOneof("event") == "message":
            messages.append(event.message)
            if on_message is not None:
                await on_message(event.message)
            if len(messages) >= count:
                break
    return messages
