"""The client's retry policy, default deadlines and chat resume, against misbehaving in-process servers.

ChatService has not landed in the real server yet, so resume is proven against `FakeChatService`
(a real grpc.aio server with the documented replay-then-live contract) that the test stops and
restarts on the same port mid-stream; the same helpers run against the real ChatService once it exists.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import grpc
import pytest

from helpdesk.client import CallPolicy, HelpdeskClient, HelpdeskError, collect_messages, service_config
from helpdesk.v1 import auth_service_pb2, chat_pb2
from tests.clients.python.fake_servers import ChatLog, FakeChatService, FlakyAuthService, RestartableServer


@pytest.fixture
async def flaky() -> AsyncIterator[tuple[FlakyAuthService, RestartableServer]]:
    service = FlakyAuthService(failures=2)
    server = RestartableServer(service)
    await server.start()
    yield service, server
    await server.stop()


async def test_idempotent_read_is_retried_on_unavailable(flaky: tuple[FlakyAuthService, RestartableServer]) -> None:
    service, server = flaky
    async with HelpdeskClient(server.address) as helpdesk:
        me = await helpdesk.auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest())

    assert me.email == "flaky@example.com"
    assert service.calls["GetCurrentUser"] == 3  # two UNAVAILABLE answers, retried by the service config


async def test_non_idempotent_call_is_not_retried(flaky: tuple[FlakyAuthService, RestartableServer]) -> None:
    service, server = flaky
    async with HelpdeskClient(server.address) as helpdesk:
        helpdesk.use_tokens(access_token="token", refresh_token="refresh")
        with pytest.raises(HelpdeskError) as failure:
            await helpdesk.auth.Logout(auth_service_pb2.LogoutRequest())

    assert failure.value.status_code == grpc.StatusCode.UNAVAILABLE
    assert service.calls["Logout"] == 1


async def test_unary_calls_get_the_default_deadline(flaky: tuple[FlakyAuthService, RestartableServer]) -> None:
    _, server = flaky
    async with HelpdeskClient(server.address, policy=CallPolicy(unary_timeout_seconds=0.3)) as helpdesk:
        with pytest.raises(HelpdeskError) as failure:
            await helpdesk.sign_in("slow@example.com", "password")

    assert failure.value.status_code == grpc.StatusCode.DEADLINE_EXCEEDED


@pytest.fixture
async def chat_server() -> AsyncIterator[tuple[ChatLog, FakeChatService, RestartableServer]]:
    log = ChatLog()
    service = FakeChatService(log)
    server = RestartableServer(service)
    await server.start()
    yield log, service, server
    await server.stop()


async def test_stream_chat_resumes_after_the_server_dies_without_loss_or_duplicate(
    chat_server: tuple[ChatLog, FakeChatService, RestartableServer],
) -> None:
    log, service, server = chat_server
    await log.append("hello")
    await log.append("how can I help?")

    async def kill_the_server_after_seq_2(message: chat_pb2.ChatMessage) -> None:
        if message.seq == 2:
            await server.stop()
            # Committed while the client is cut off: must be replayed, not lost.
            await log.append("are you there?")
            await server.start()
            await log.append("back online")

    async with HelpdeskClient(server.address) as helpdesk:
        stream = helpdesk.stream_chat("chat-1")
        messages = await asyncio.wait_for(
            collect_messages(stream, count=4, on_message=kill_the_server_after_seq_2), timeout=30
        )
        stream.close()

    assert [m.seq for m in messages] == [1, 2, 3, 4]
    assert [m.body for m in messages][2:] == ["are you there?", "back online"]
    assert stream.reconnects >= 1
    assert service.stream_requests[0] == 0
    assert service.stream_requests[-1] == 2  # resumed after the last seen seq


async def test_converse_resends_pending_messages_once_after_a_reconnect(
    chat_server: tuple[ChatLog, FakeChatService, RestartableServer],
) -> None:
    log, service, server = chat_server
    await log.append("welcome")
    async with HelpdeskClient(server.address) as helpdesk:
        conversation = helpdesk.converse("chat-1")
        events = aiter(conversation)
        first = await asyncio.wait_for(anext(events), timeout=10)
        assert first.message.seq == 1

        await server.stop()
        request_id = await conversation.send("sent while cut off")
        assert conversation.pending == [request_id]
        await server.start()

        echoed = await asyncio.wait_for(anext(events), timeout=30)
        assert echoed.message.request_id == request_id
        assert echoed.message.seq == 2
        assert conversation.pending == []

        await conversation.send("second")
        second = await asyncio.wait_for(anext(events), timeout=10)
        conversation.close()

    assert second.message.body == "second"
    assert [m.body for m in log.messages] == ["welcome", "sent while cut off", "second"]
    assert service.stream_requests[-1] == 1


def test_service_config_retries_reads_only_and_leaves_streams_without_deadline() -> None:
    config = json.loads(service_config(CallPolicy(unary_timeout_seconds=7)))
    by_method = {
        f"{name['service']}.{name['method']}": entry
        for entry in config["methodConfig"]
        for name in entry["name"]
        if name
    }

    read = by_method["helpdesk.v1.TicketService.GetTicket"]
    assert read["retryPolicy"]["retryableStatusCodes"] == ["UNAVAILABLE"]
    assert read["timeout"] == "7s"
    for write in ("TicketService.CreateTicket", "ChatService.SendChatMessage", "AuthService.Login"):
        assert "retryPolicy" not in by_method[f"helpdesk.v1.{write}"]
        assert by_method[f"helpdesk.v1.{write}"]["timeout"] == "7s"
    for stream in ("ChatService.StreamChat", "ChatService.Converse", "ChatService.WatchQueue"):
        assert "timeout" not in by_method[f"helpdesk.v1.{stream}"]
    assert "retryPolicy" in by_method["helpdesk.v1.KnowledgeService.SearchArticles"]
