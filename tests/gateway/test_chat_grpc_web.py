"""StreamChat through the real Envoy over gRPC-Web: a browser-style reader receives messages live."""

from __future__ import annotations

import asyncio
import http.client
import struct
import urllib.parse
import uuid
from collections.abc import AsyncIterator

import grpc.aio
import pytest

from helpdesk.v1 import auth_service_pb2_grpc, chat_event_pb2, chat_service_pb2, chat_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role
from tests.gateway.wire import grpc_web_frame
from tests.support import register, sign_in_as


@pytest.fixture(scope="module")
async def channel(app: HelpdeskApp) -> AsyncIterator[grpc.aio.Channel]:
    """A native gRPC channel to the module's server (the agent's side)."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as chan:
        yield chan


class GrpcWebStream:
    """A server-streaming gRPC-Web call read frame by frame as the bytes arrive (blocking; use a thread)."""

    def __init__(self, base_url: str, method: str, request: bytes, token: str) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        self._connection = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port or 80, timeout=20)
        self._connection.request(
            "POST",
            method,
            body=request,
            headers={
                "content-type": "application/grpc-web+proto",
                "accept": "application/grpc-web+proto",
                "x-grpc-web": "1",
                "authorization": f"Bearer {token}",
            },
        )
        self._response = self._connection.getresponse()
        assert self._response.status == 200

    def next_frame(self) -> tuple[int, bytes]:
        """(flags, payload) of the next frame; flags & 0x80 marks the trailers."""
        flags, length = struct.unpack(">BI", self._response.read(5))
        return flags, self._response.read(length)

    def close(self) -> None:
        """Drops the connection (the browser navigated away)."""
        self._connection.close()


async def test_stream_chat_over_grpc_web_receives_live_messages(
    app: HelpdeskApp, gateway: str, channel: grpc.aio.Channel
) -> None:
    auth = auth_service_pb2_grpc.AuthServiceStub(channel)
    stub = chat_service_pb2_grpc.ChatServiceStub(channel)
    customer = await register(auth)
    agent = await sign_in_as(app, auth, Role.AGENT)
    chat = (await stub.StartChat(chat_service_pb2.StartChatRequest(message="hello?"), metadata=customer.metadata)).chat
    await stub.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat.id), metadata=agent.metadata)

    request = grpc_web_frame(chat_service_pb2.StreamChatRequest(chat_id=chat.id))
    stream = await asyncio.to_thread(
        GrpcWebStream, gateway, "/helpdesk.v1.ChatService/StreamChat", request, customer.access_token
    )
    try:

        async def next_message() -> chat_event_pb2.ChatEvent:
            while True:
                flags, payload = await asyncio.to_thread(stream.next_frame)
                assert not flags & 0x80, f"stream ended: {payload!r}"
                event = chat_event_pb2.ChatEvent.FromString(payload)
                if event.WhichOneof("event") == "message":
                    return event

        replayed = await next_message()
        assert replayed.message.seq == 1
        assert replayed.message.body == "hello?"
        for i in range(3):
            await stub.SendChatMessage(
                chat_service_pb2.SendChatMessageRequest(
                    chat_id=chat.id, body=f"live {i}", request_id=str(uuid.uuid4())
                ),
                metadata=agent.metadata,
            )
            live = await asyncio.wait_for(next_message(), 10)
            assert live.message.seq == i + 2
            assert live.message.body == f"live {i}"
            assert live.message.request_id == ""
    finally:
        stream.close()
