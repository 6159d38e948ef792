"""Small in-process grpc.aio servers that misbehave on purpose, for the client's resilience tests.

They are real gRPC servers (HTTP/2, real status codes and trailers) with just enough behaviour to
exercise the client: a flaky AuthService for the retry policy and deadlines, and a ChatService
that keeps messages in memory and can be stopped and restarted on the same port mid-stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import grpc.aio

from helpdesk.v1 import (
    auth_service_pb2,
    chat_event_pb2,
    chat_pb2,
    chat_service_pb2,
    user_pb2,
)


class FlakyAuthService:
    """GetCurrentUser fails `failures` times with UNAVAILABLE, then answers; Logout always fails; Login is slow."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: dict[str, int] = {}

    def _count(self, name: str) -> int:
        self.calls[name] = self.calls.get(name, 0) + 1
        return self.calls[name]

    async def GetCurrentUser(
        self, request: auth_service_pb2.GetCurrentUserRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> user_pb2.User:
        if self._count("GetCurrentUser") <= self.failures:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "replica restarting")
        return user_pb2.User(email="flaky@example.com")

    async def Logout(
        self, request: auth_service_pb2.LogoutRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> auth_service_pb2.LogoutResponse:
        self._count("Logout")
        await context.abort(grpc.StatusCode.UNAVAILABLE, "replica restarting")
        raise AssertionError("abort returned")

    async def Login(
        self, request: auth_service_pb2.LoginRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> auth_service_pb2.LoginResponse:
        self._count("Login")
        await asyncio.sleep(5)
        return auth_service_pb2.LoginResponse()


@dataclass
class ChatLog:
    """The fake's durable store: it outlives server restarts, like PostgreSQL."""

    messages: list[chat_pb2.ChatMessage] = field(default_factory=list)
    request_ids: dict[str, int] = field(default_factory=dict)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def append(self, body: str, *, sender_id: str = "agent", request_id: str = "") -> chat_pb2.ChatMessage:
        """Commits a message with the next seq (once per request_id)."""
        async with self.changed:
            if request_id and request_id in self.request_ids:
                return self.messages[self.request_ids[request_id] - 1]
            seq = len(self.messages) + 1
            message = chat_pb2.ChatMessage(
                id=f"m{seq}", chat_id="chat-1", seq=seq, sender_id=sender_id, body=body, request_id=request_id
            )
            self.messages.append(message)
            if request_id:
                self.request_ids[request_id] = seq
            self.changed.notify_all()
            return message

    async def events_after(self, after_seq: int) -> AsyncIterator[chat_event_pb2.ChatEvent]:
        """Replay after `after_seq`, then live messages, forever."""
        seq = after_seq
        while True:
            async with self.changed:
                while len(self.messages) <= seq:
                    await self.changed.wait()
                pending = self.messages[seq:]
            for message in pending:
                seq = message.seq
                yield chat_event_pb2.ChatEvent(message=message)


class FakeChatService:
    """StreamChat and Converse over a `ChatLog`, with the server's replay-then-live contract."""

    def __init__(self, log: ChatLog) -> None:
        self.log = log
        self.stream_requests: list[int] = []

    async def StreamChat(
        self, request: chat_service_pb2.StreamChatRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[chat_event_pb2.ChatEvent]:
        self.stream_requests.append(request.after_seq)
        async for event in self.log.events_after(request.after_seq):
            yield event

    async def Converse(
        self,
        request_iterator: AsyncIterator[chat_service_pb2.ConverseRequest],
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> AsyncIterator[chat_event_pb2.ChatEvent]:
        first = await anext(aiter(request_iterator))
        self.stream_requests.append(first.join.after_seq)

        async def read_sends() -> None:
            async for request in request_iterator:
                if request.WhichOneof("action") == "send":
                    await self.log.append(request.send.body, sender_id="me", request_id=request.send.request_id)

        reader = asyncio.create_task(read_sends())
        try:
            async for event in self.log.events_after(first.join.after_seq):
                yield event
        finally:
            reader.cancel()


class RestartableServer:
    """A grpc.aio server on a fixed port that a test can stop (cutting streams) and start again."""

    def __init__(self, service: FlakyAuthService | FakeChatService) -> None:
        self._handler = _handler_for(service)
        self._server: grpc.aio.Server | None = None
        self.port = 0

    @property
    def address(self) -> str:
        """host:port to dial."""
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Starts serving (on the same port as before after a stop)."""
        server = grpc.aio.server()
        server.add_generic_rpc_handlers((self._handler,))
        self.port = server.add_insecure_port(f"127.0.0.1:{self.port}")
        await server.start()
        self._server = server

    async def stop(self) -> None:
        """Stops at once: open streams fail as they would when a replica dies."""
        if self._server is not None:
            server, self._server = self._server, None
            await server.stop(0)


def _handler_for(service: FlakyAuthService | FakeChatService) -> grpc.GenericRpcHandler:
    """Registers only the methods the fake implements (the generated servicer bases would demand all)."""
    if isinstance(service, FlakyAuthService):
        return grpc.method_handlers_generic_handler(
            "helpdesk.v1.AuthService",
            {
                "GetCurrentUser": grpc.unary_unary_rpc_method_handler(
                    service.GetCurrentUser,
                    request_deserializer=auth_service_pb2.GetCurrentUserRequest.FromString,
                    response_serializer=user_pb2.User.SerializeToString,
                ),
                "Logout": grpc.unary_unary_rpc_method_handler(
                    service.Logout,
                    request_deserializer=auth_service_pb2.LogoutRequest.FromString,
                    response_serializer=auth_service_pb2.LogoutResponse.SerializeToString,
                ),
                "Login": grpc.unary_unary_rpc_method_handler(
                    service.Login,
                    request_deserializer=auth_service_pb2.LoginRequest.FromString,
                    response_serializer=auth_service_pb2.LoginResponse.SerializeToString,
                ),
            },
        )
    return grpc.method_handlers_generic_handler(
        "helpdesk.v1.ChatService",
        {
            "StreamChat": grpc.unary_stream_rpc_method_handler(
                service.StreamChat,
                request_deserializer=chat_service_pb2.StreamChatRequest.FromString,
                response_serializer=chat_event_pb2.ChatEvent.SerializeToString,
            ),
            "Converse": grpc.stream_stream_rpc_method_handler(
                service.Converse,
                request_deserializer=chat_service_pb2.ConverseRequest.FromString,
                response_serializer=chat_event_pb2.ChatEvent.SerializeToString,
            ),
        },
    )
