"""Fixtures for report tests: a server whose rollup job the tests run themselves, and the ticket tests' cast."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import grpc.aio
import pytest
from sqlalchemy import text

from helpdesk.v1 import auth_service_pb2_grpc, report_service_pb2_grpc, ticket_service_pb2_grpc
from server.app import HelpdeskApp
from server.settings import Settings
from storage.db import Database
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


@pytest.fixture(scope="module")
async def people(database: Database) -> dict[str, uuid.UUID]:
    """A customer, two agents and an administrator as rows, for histories written straight into the tables."""
    ids = {name: uuid.uuid4() for name in ("customer", "agent", "agent_b", "admin")}
    async with database.unit_of_work() as uow:
        for name, user_id in ids.items():
            await uow.session.execute(
                text(
                    "INSERT INTO users (id, email, display_name, role, password_hash)"
                    " VALUES (:id, :email, :name, :role, 'x')"
                ),
                {"id": user_id, "email": f"{user_id}@example.com", "name": name, "role": name.removesuffix("_b")},
            )
    return ids
