"""Helpers of the live-chat tests: another replica, reading streams with deadlines, error reasons."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio
from google.rpc import error_details_pb2

from helpdesk.v1 import chat_event_pb2, chat_service_pb2
from server.app import HelpdeskApp
from server.settings import Settings
from tests.support import error_details


@contextlib.asynccontextmanager
async def replica(settings: Settings) -> AsyncIterator[tuple[HelpdeskApp, grpc.aio.Channel]]:
    """Another server replica on the same PostgreSQL and Redis, and a channel to it."""
    app = await HelpdeskApp.create(settings.replace(grpc_port=0))
    await app.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
            yield app, channel
    finally:
        await app.stop(grace=0.5)


def reason(error: grpc.aio.AioRpcError) -> str:
    """The ErrorInfo reason of a failed call ("" if none)."""
    for detail in error_details(error):
        if isinstance(detail, error_details_pb2.ErrorInfo):
            return str(detail.reason)
    return ""


def send_request(chat_id: str, body: str, request_id: str | None = None) -> chat_service_pb2.SendChatMessageRequest:
    """A SendChatMessage request with a fresh request id unless one is given."""
    return chat_service_pb2.SendChatMessageRequest(
        chat_id=chat_id, body=body, request_id=request_id or str(uuid.uuid4())
    )


async def next_event(
    stream: Any, *, kind: str | None = None, within: float = 10.0, skip_heartbeats: bool = True
) -> chat_event_pb2.ChatEvent:
    """The next event of a stream (of `kind`, skipping others), failing after `within` seconds."""
    async with asyncio.timeout(within):
        while True:
            event = await stream.read()
            assert event is not grpc.aio.EOF, "stream ended"
            which = event.WhichOneof("event")
            if kind is None and skip_heartbeats and which == "heartbeat":
                continue
            if kind is None or which == kind:
                return event  # type: ignore[no-any-return]
