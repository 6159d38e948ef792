"""Fixtures for MacroService tests: its stub, the ticket stub and a cast of users."""

from __future__ import annotations

import grpc.aio
import pytest

from helpdesk.v1 import auth_service_pb2_grpc, macro_service_pb2_grpc, ticket_service_pb2_grpc
from server.app import HelpdeskApp
from tests.server.tickets.helpers import Cast, make_cast


@pytest.fixture(scope="module")
def macro_stub(channel: grpc.aio.Channel) -> macro_service_pb2_grpc.MacroServiceAsyncStub:
    """MacroService client."""
    return macro_service_pb2_grpc.MacroServiceStub(channel)


@pytest.fixture(scope="module")
def ticket_stub(channel: grpc.aio.Channel) -> ticket_service_pb2_grpc.TicketServiceAsyncStub:
    """TicketService client."""
    return ticket_service_pb2_grpc.TicketServiceStub(channel)


@pytest.fixture(scope="module")
async def cast(app: HelpdeskApp, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub) -> Cast:
    """Two customers, two agents and an administrator, signed in through the API."""
    return await make_cast(app, auth_stub)
