"""Fixtures for SLA tests: a server on a clock the tests move, and the ticket tests' cast of users."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc.aio
import pytest

from helpdesk.v1 import auth_service_pb2_grpc, sla_service_pb2_grpc, ticket_service_pb2_grpc
from server.app import HelpdeskApp
from server.settings import Settings
from tests.server.sla.sla_support import FakeClock
from tests.server.tickets.helpers import Cast, make_cast


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    """The module's SLA clock."""
    return FakeClock()


@pytest.fixture(scope="module")
def sla_settings(settings: Settings) -> Settings:
    """The module's settings with the background breach job practically off: tests run it themselves."""
    return settings.replace(sla_check_interval_seconds=3600.0)


@pytest.fixture(scope="module")
async def app(sla_settings: Settings, clock: FakeClock) -> AsyncIterator[HelpdeskApp]:
    """A real server whose SLA bookkeeping reads `clock`."""
    server = await HelpdeskApp.create(sla_settings, clock=clock)
    await server.start()
    yield server
    await server.stop(grace=1.0)


@pytest.fixture(scope="module")
def sla_stub(channel: grpc.aio.Channel) -> sla_service_pb2_grpc.SlaServiceAsyncStub:
    """SlaService client."""
    return sla_service_pb2_grpc.SlaServiceStub(channel)


@pytest.fixture(scope="module")
def ticket_stub(channel: grpc.aio.Channel) -> ticket_service_pb2_grpc.TicketServiceAsyncStub:
    """TicketService client."""
    return ticket_service_pb2_grpc.TicketServiceStub(channel)


@pytest.fixture(scope="module")
async def cast(app: HelpdeskApp, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub) -> Cast:
    """Two customers, two agents and an administrator, signed in through the API."""
    return await make_cast(app, auth_stub)
