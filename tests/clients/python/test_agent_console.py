"""The agent console against the real server: watch the queue, accept the waiting chat, converse, end it."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import AsyncIterator

from helpdesk.client import HelpdeskClient, collect_messages
from helpdesk.client.agent_console import AgentConsole
from helpdesk.v1 import chat_pb2, chat_service_pb2
from server.app import HelpdeskApp

PASSWORD = "correct horse battery"


async def test_agent_takes_the_waiting_chat_and_converses(app: HelpdeskApp, agent_account: tuple[str, str]) -> None:
    address = f"127.0.0.1:{app.port}"
    async with HelpdeskClient(address) as customer, HelpdeskClient(address) as agent:
        await customer.register(f"console-{uuid.uuid4().hex[:10]}@example.com", PASSWORD, "Console Customer")
        started = await customer.chat.StartChat(
            chat_service_pb2.StartChatRequest(
                topic="refund", message="I want my money back", request_id=str(uuid.uuid4())
            )
        )
        await agent.sign_in(*agent_account)
        out = io.StringIO()
        console = AgentConsole(agent, out=out)

        waiting = await asyncio.wait_for(console.next_waiting_chat(), timeout=20)
        assert waiting.id == started.chat.id
        await console.accept(waiting.id)
        customer_stream = customer.stream_chat(waiting.id)
        received = asyncio.create_task(collect_messages(customer_stream, count=2))

        async def typed() -> AsyncIterator[str]:
            yield "Hello! Let me look at that."
            await asyncio.wait_for(asyncio.shield(received), timeout=20)
            yield "/end"

        await asyncio.wait_for(console.converse(waiting.id, typed()), timeout=30)
        messages = await received
        chat = await customer.chat.GetChat(chat_service_pb2.GetChatRequest(id=waiting.id))

    transcript = out.getvalue()
    assert "Console Customer" in transcript
    assert "Console Customer: I want my money back" in transcript
    assert "you: Hello! Let me look at that." in transcript
    assert "The chat has ended." in transcript
    assert [m.body for m in messages] == ["I want my money back", "Hello! Let me look at that."]
    assert chat.status == chat_pb2.CHAT_STATUS_ENDED
