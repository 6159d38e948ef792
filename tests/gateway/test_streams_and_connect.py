"""Streams over plain HTTP (newline-delimited JSON) and the Connect protocol, through the real gateway.

Native gRPC and gRPC-Web have their own tests (test_gateway_protocols, test_chat_grpc_web); here:
a curl-style reader gets StreamChat and WatchQueue events one JSON object per line while the
stream stays open, and a Connect client (hand-framed, and `buf curl`, a third-party one) makes
unary and server-streaming calls on the same port.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc.aio
import pytest

from helpdesk.v1 import (
    auth_service_pb2_grpc,
    chat_event_pb2,
    chat_service_pb2,
    chat_service_pb2_grpc,
    knowledge_service_pb2,
    ticket_service_pb2,
)
from server.app import HelpdeskApp
from server.core.context import Role
from tests.gateway.wire import connect_server_stream, connect_unary, ndjson_stream
from tests.support import SignedIn, register, sign_in_as

REPO_ROOT = Path(__file__).resolve().parents[2]
BUF = REPO_ROOT / "clients" / "typescript" / "node_modules" / ".bin" / "buf"


@pytest.fixture(scope="module")
async def channel(app: HelpdeskApp) -> AsyncIterator[grpc.aio.Channel]:
    """A native channel to the module's server (for setting things up)."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as chan:
        yield chan


async def _chat_with_a_message(channel: grpc.aio.Channel) -> tuple[SignedIn, str]:
    customer = await register(auth_service_pb2_grpc.AuthServiceStub(channel))
    chats = chat_service_pb2_grpc.ChatServiceStub(channel)
    chat = (await chats.StartChat(chat_service_pb2.StartChatRequest(), metadata=customer.metadata)).chat
    await chats.SendChatMessage(
        chat_service_pb2.SendChatMessageRequest(chat_id=chat.id, body="hello over http", request_id=str(uuid.uuid4())),
        metadata=customer.metadata,
    )
    return customer, chat.id


def _bearer(who: SignedIn) -> dict[str, str]:
    return {"authorization": f"Bearer {who.access_token}"}


async def test_stream_chat_over_http_is_newline_delimited_json(gateway: str, channel: grpc.aio.Channel) -> None:
    customer, chat_id = await _chat_with_a_message(channel)
    # The stream stays open after the replay: reading one line at a time is what `curl -N` shows.
    stream = await asyncio.to_thread(
        ndjson_stream, f"{gateway}/v1/chats/{chat_id}:stream?afterSeq=0", headers=_bearer(customer), messages=1
    )
    assert stream.status == 200
    assert stream.headers["content-type"].startswith("application/json")
    event = json.loads(stream.messages[0])
    assert event["message"]["body"] == "hello over http"
    assert event["message"]["seq"] == 1


async def test_watch_queue_over_http_starts_with_a_snapshot(
    app: HelpdeskApp, gateway: str, channel: grpc.aio.Channel
) -> None:
    _, chat_id = await _chat_with_a_message(channel)
    agent = await sign_in_as(app, auth_service_pb2_grpc.AuthServiceStub(channel), Role.AGENT)
    stream = await asyncio.to_thread(ndjson_stream, f"{gateway}/v1/chats:watchQueue", headers=_bearer(agent))
    assert stream.status == 200
    snapshot = json.loads(stream.messages[0])["snapshot"]
    assert chat_id in {chat["id"] for chat in snapshot["chats"]}


async def test_a_refused_stream_over_http_answers_one_status_object(gateway: str, channel: grpc.aio.Channel) -> None:
    customer = await register(auth_service_pb2_grpc.AuthServiceStub(channel))
    stream = await asyncio.to_thread(ndjson_stream, f"{gateway}/v1/chats:watchQueue", headers=_bearer(customer))
    status = json.loads(stream.messages[0])
    assert status["code"] == grpc.StatusCode.PERMISSION_DENIED.value[0]
    assert status["details"][0]["reason"] == "ROLE_NOT_ALLOWED"


async def test_connect_unary_calls_answer_messages_and_connect_errors(gateway: str, channel: grpc.aio.Channel) -> None:
    answer = await asyncio.to_thread(
        connect_unary,
        gateway,
        "/helpdesk.v1.KnowledgeService/ListCategories",
        knowledge_service_pb2.ListCategoriesRequest(),
    )
    assert answer.status == 200, answer.body
    assert answer.headers["content-type"] == "application/proto"
    knowledge_service_pb2.ListCategoriesResponse.FromString(answer.body)

    customer = await register(auth_service_pb2_grpc.AuthServiceStub(channel))
    missing = await asyncio.to_thread(
        connect_unary,
        gateway,
        "/helpdesk.v1.TicketService/GetTicket",
        ticket_service_pb2.GetTicketRequest(id=str(uuid.uuid4())),
        headers=_bearer(customer),
    )
    assert missing.status == 404
    assert missing.json()["code"] == "not_found"


async def test_connect_server_streams_deliver_messages_as_they_come(gateway: str, channel: grpc.aio.Channel) -> None:
    customer, chat_id = await _chat_with_a_message(channel)
    stream = await asyncio.to_thread(
        connect_server_stream,
        gateway,
        "/helpdesk.v1.ChatService/StreamChat",
        chat_service_pb2.StreamChatRequest(chat_id=chat_id),
        headers=_bearer(customer),
    )
    assert stream.status == 200
    assert stream.headers["content-type"] == "application/connect+proto"
    assert stream.end is None, "the stream stays open after the replay"
    event = chat_event_pb2.ChatEvent.FromString(stream.messages[0])
    assert event.message.body == "hello over http"


async def test_buf_curl_speaks_connect_to_the_gateway(gateway: str) -> None:
    command = [
        str(BUF),
        "curl",
        "--protocol",
        "connect",
        "--schema",
        str(REPO_ROOT / "clients" / "descriptors" / "helpdesk.binpb"),
        "--data",
        '{"query": "password"}',
        f"{gateway}/helpdesk.v1.KnowledgeService/SearchArticles",
    ]
    result = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert isinstance(json.loads(result.stdout), dict)
