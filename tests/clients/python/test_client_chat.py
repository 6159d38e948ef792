"""The chat helpers against the real ChatService: a replica dies mid-stream, the client resumes without loss.

The customer streams from a second server process-equivalent (another HelpdeskApp over the same
PostgreSQL and Redis, like a replica behind Envoy); the agent writes through the module's server.
The customer's replica is stopped mid-stream and a new one started on the same port; messages
committed meanwhile are replayed from PostgreSQL after the last seen seq.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from helpdesk.client import HelpdeskClient, collect_messages
from helpdesk.v1 import chat_pb2, chat_service_pb2
from server.app import HelpdeskApp
from server.settings import Settings

PASSWORD = "correct horse battery"


@pytest.fixture
async def replica(settings: Settings) -> AsyncIterator[list[HelpdeskApp]]:
    """A second server over the module's stores; the test may replace it (the list holds the live one)."""
    server = await HelpdeskApp.create(settings)
    await server.start()
    live = [server]
    yield live
    await live[0].stop(grace=0.5)


async def _say(agent: HelpdeskClient, chat_id: str, body: str) -> None:
    await agent.chat.SendChatMessage(
        chat_service_pb2.SendChatMessageRequest(chat_id=chat_id, body=body, request_id=str(uuid.uuid4()))
    )


async def test_stream_chat_resumes_when_its_replica_dies(
    app: HelpdeskApp, replica: list[HelpdeskApp], settings: Settings, agent_account: tuple[str, str]
) -> None:
    customer_tokens = HelpdeskClient(f"127.0.0.1:{app.port}")
    await customer_tokens.register(f"chat-{uuid.uuid4().hex[:10]}@example.com", PASSWORD, "Chat Customer")
    started = await customer_tokens.chat.StartChat(
        chat_service_pb2.StartChatRequest(topic="resume", message="hello?", request_id=str(uuid.uuid4()))
    )
    chat_id = started.chat.id
    tokens = customer_tokens.session.tokens
    assert tokens is not None
    await customer_tokens.close()

    async with HelpdeskClient(f"127.0.0.1:{app.port}") as agent:
        await agent.sign_in(*agent_account)
        await agent.chat.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat_id))
        port = replica[0].port
        assert port is not None

        async def kill_the_replica_after_the_first_answer(message: chat_pb2.ChatMessage) -> None:
            if message.body == "first answer":
                await replica[0].stop(grace=0.2)
                # Committed while the customer is cut off: replayed after the reconnect, not lost.
                await _say(agent, chat_id, "said while you were away")
                restarted = await HelpdeskApp.create(settings.replace(grpc_port=port))
                await restarted.start()
                replica[0] = restarted
                await _say(agent, chat_id, "welcome back")

        async with HelpdeskClient(f"127.0.0.1:{port}") as customer:
            customer.use_tokens(
                access_token=tokens.access_token,
                refresh_token=tokens.refresh_token,
                access_expires_at=tokens.access_expires_at,
            )
            stream = customer.stream_chat(chat_id)
            await _say(agent, chat_id, "first answer")
            messages = await asyncio.wait_for(
                collect_messages(stream, count=4, on_message=kill_the_replica_after_the_first_answer), timeout=60
            )
            stream.close()

    bodies = [m.body for m in messages]
    assert bodies == ["hello?", "first answer", "said while you were away", "welcome back"]
    seqs = [m.seq for m in messages]
    assert seqs == list(range(seqs[0], seqs[0] + 4))
    assert stream.reconnects >= 1


async def test_converse_sends_and_receives_its_own_message_back(
    app: HelpdeskApp, agent_account: tuple[str, str]
) -> None:
    async with HelpdeskClient(f"127.0.0.1:{app.port}") as customer, HelpdeskClient(f"127.0.0.1:{app.port}") as agent:
        await customer.register(f"chat-{uuid.uuid4().hex[:10]}@example.com", PASSWORD, "Converse Customer")
        started = await customer.chat.StartChat(
            chat_service_pb2.StartChatRequest(topic="converse", message="anyone?", request_id=str(uuid.uuid4()))
        )
        chat_id = started.chat.id
        await agent.sign_in(*agent_account)
        await agent.chat.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat_id))

        conversation = agent.converse(chat_id)
        request_id = await conversation.send("hello from Converse")
        customer_stream = customer.stream_chat(chat_id)
        mine, theirs = await asyncio.wait_for(
            asyncio.gather(collect_messages(conversation, count=2), collect_messages(customer_stream, count=2)),
            timeout=30,
        )
        conversation.close()
        customer_stream.close()

    assert [m.body for m in mine] == ["anyone?", "hello from Converse"]
    assert mine[1].request_id == request_id  # matched to the pending send
    assert conversation.pending == []
    assert [m.body for m in theirs] == ["anyone?", "hello from Converse"]
    assert theirs[1].request_id == ""  # request ids go back to their sender only
