"""`helpdesk agent`: a terminal console for support agents, over native gRPC.

Signs in as an agent, watches the queue (`WatchQueue`) until a customer waits, accepts the chat
(`AcceptChat`) and converses over the bidirectional `Converse` stream (resumed after
disconnects): every line typed is sent, every message arrives as it is committed.
Commands: `/end` ends the chat, `/quit` leaves it open for another agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from typing import TextIO

import grpc

from helpdesk.client.client import HelpdeskClient
from helpdesk.client.errors import HelpdeskError
from helpdesk.v1 import chat_event_pb2, chat_pb2, chat_service_pb2


class AgentConsole:
    """The console's logic, over any line source and output (the terminal, or a test's script)."""

    def __init__(self, client: HelpdeskClient, *, out: TextIO) -> None:
        self.client = client
        self.out = out

    def say(self, text: str) -> None:
        """Prints one line to the agent."""
        self.out.write(text + "\n")
        self.out.flush()

    async def next_waiting_chat(self) -> chat_pb2.Chat:
        """Watches the queue and returns the first chat waiting for an agent."""
        self.say("Watching the queue…")
        call = self.client.chat.WatchQueue(chat_service_pb2.WatchQueueRequest())
        try:
            async for event in call:
                kind = event.WhichOneof("event")
                waiting = list(event.snapshot.chats) if kind == "snapshot" else []
                if kind == "chat_added":
                    waiting = [event.chat_added]
                for chat in waiting:
                    topic = f" ({chat.topic})" if chat.topic else ""
                    self.say(f"Waiting: {chat.customer_display_name or chat.customer_id}{topic} [{chat.id}]")
                if waiting:
                    return waiting[0]
        finally:
            call.cancel()
        raise HelpdeskError(grpc.StatusCode.UNAVAILABLE, "the queue stream ended")

    async def accept(self, chat_id: str) -> chat_pb2.Chat:
        """Accepts the chat (another agent may win the race: ABORTED/FAILED_PRECONDITION then)."""
        chat = await self.client.chat.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat_id))
        self.say(
            f"Accepted the chat with {chat.customer_display_name or chat.customer_id}. /end ends it, /quit leaves."
        )
        return chat

    async def converse(self, chat_id: str, lines: AsyncIterator[str]) -> None:
        """Prints the chat's messages and sends each typed line until /end, /quit or the chat ends."""
        conversation = self.client.converse(chat_id)
        me = self.client.user.id if self.client.user is not None else ""

        async def show_events() -> None:
            async for event in conversation:
                self._show(event, me)

        printer = asyncio.create_task(show_events())
        try:
            async for raw in lines:
                line = raw.strip()
                if printer.done():
                    break
                if line == "/quit":
                    break
                if line == "/end":
                    await self.client.chat.EndChat(chat_service_pb2.EndChatRequest(id=chat_id))
                    # The stream delivers the ENDED change and completes.
                    await asyncio.wait_for(asyncio.shield(printer), timeout=10)
                    break
                if line:
                    await conversation.send(line)
        finally:
            conversation.close()
            printer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await printer

    def _show(self, event: chat_event_pb2.ChatEvent, me: str) -> None:
        kind = event.WhichOneof("event")
        if kind == "message":
            message = event.message
            who = "you" if message.sender_id == me else (message.sender_display_name or message.sender_id)
            self.say(f"[{message.seq}] {who}: {message.body}")
        elif kind == "typing" and event.typing.user_id != me and event.typing.typing:
            self.say(f"… {event.typing.display_name} is typing")
        elif kind == "status_change" and event.status_change.chat.status == chat_pb2.CHAT_STATUS_ENDED:
            self.say("The chat has ended.")


async def stdin_lines() -> AsyncIterator[str]:
    """Lines typed at the terminal, read without blocking the event loop."""
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            return
        yield line


async def run_agent_console(
    address: str, email: str, password: str, *, chat_id: str | None = None, out: TextIO = sys.stdout
) -> None:
    """Signs in, takes the next waiting chat (or `chat_id`) and converses until the agent is done."""
    async with HelpdeskClient(address) as client:
        user = await client.sign_in(email, password)
        console = AgentConsole(client, out=out)
        console.say(f"Signed in as {user.display_name} ({user.email}).")
        if chat_id is None:
            chat_id = (await console.next_waiting_chat()).id
        await console.accept(chat_id)
        await console.converse(chat_id, stdin_lines())
