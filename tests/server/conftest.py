"""Fixtures for tests that talk to a real Helpdesk server over gRPC."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import grpc.aio
import pytest

from helpdesk.v1 import auth_service_pb2_grpc, user_service_pb2_grpc
from server.app import HelpdeskApp
from server.settings import Settings


@pytest.fixture(scope="module")
async def app(settings: Settings) -> AsyncIterator[HelpdeskApp]:
    """A real server on an ephemeral port, over this module's fresh database and Redis."""
    server = await HelpdeskApp.create(settings)
    await server.start()
    yield server
    await server.stop(grace=1.0)


@pytest.fixture(scope="module")
async def channel(app: HelpdeskApp) -> AsyncIterator[grpc.aio.Channel]:
    """A channel to the module's server."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as chan:
        yield chan


@pytest.fixture(scope="module")
def auth_stub(channel: grpc.aio.Channel) -> auth_service_pb2_grpc.AuthServiceAsyncStub:
    """AuthService client."""
    return auth_service_pb2_grpc.AuthServiceStub(channel)


@pytest.fixture(scope="module")
def user_stub(channel: grpc.aio.Channel) -> user_service_pb2_grpc.UserServiceAsyncStub:
    """UserService client."""
    return user_service_pb2_grpc.UserServiceStub(channel)
