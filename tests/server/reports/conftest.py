"""Fixtures for report tests: a server whose rollup job the tests run themselves, and the ticket tests' cast."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc.aio
import pytest

from helpdesk.v1 import auth_service_pb2_grpc, report_service_pb2_grpc, ticket_service_pb2_grpc
from server.app import HelpdeskApp
from server.settings import Settings
from tests.server.tickets.helpers import Cast, make_cast


@pytest.fixture(scope="module")
def report_settings(settings: Settings) -> Settings:
    """The module's settings with the background rollup practically off: tests fold when they mean to."""
    return settings.replace(report_rollup_interval_seconds=3600.0)


@pytest.fixture(scope="module")
async def app(report_settings: Settings) -> AsyncIterator[HelpdeskApp]:
    """A real server over the module's database."""
    server = await HelpdeskApp.create(report_settings)
    await server.start()
    yield server
    await server.stop(grace=1.0)


@pytest.fixture(scope="module")
def report_stub(channel: grpc.aio.Channel) -> report_service_pb2_grpc.ReportServiceAsyncStub:
    """ReportService client."""
    return report_service_pb2_grpc.ReportServiceStub(channel)


@pytest.fixture(scope="module")
def ticket_stub(channel: grpc.aio.Channel) -> ticket_service_pb2_grpc.TicketServiceAsyncStub:
    """TicketService client."""
    return ticket_service_pb2_grpc.TicketServiceStub(channel)


@pytest.fixture(scope="module")
async def cast(app: HelpdeskApp, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub) -> Cast:
    """Two customers, two agents and an administrator, signed in through the API."""
    return await make_cast(app, auth_stub)
