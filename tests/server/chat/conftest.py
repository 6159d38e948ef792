"""Fixtures of the live-chat tests: short heartbeats and polls, a ChatService stub, signed-in users."""

from __future__ import annotations

import grpc.aio
import pytest

from helpdesk.v1 import chat_service_pb2_grpc
from server.settings import Settings


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """The module's settings with heartbeats and polling fast enough to observe in a test."""
    return settings.replace(
        chat_heartbeat_seconds=1.0,
        chat_safety_poll_seconds=3.0,
        chat_fallback_poll_seconds=0.3,
        shutdown_grace_seconds=1.0,
    )


@pytest.fixture(scope="module")
def chat_stub(channel: grpc.aio.Channel) -> chat_service_pb2_grpc.ChatServiceAsyncStub:
    """ChatService client on the module's server."""
    return chat_service_pb2_grpc.ChatServiceStub(channel)
