"""Fixtures of the automatic-assignment tests: two server replicas on one database, a clean desk per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc.aio
import pytest
from sqlalchemy import text

from helpdesk.v1 import assignment_service_pb2_grpc
from server.app import HelpdeskApp
from server.settings import Settings
from storage.db import Database
from tests.server.assignment.desk_support import Desk, Replica


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """No periodic sweep (every hand-out under test is the one an event triggered); short chat timings."""
    return settings.replace(
        assignment_sweep_seconds=0.0,
        chat_heartbeat_seconds=1.0,
        chat_fallback_poll_seconds=0.3,
        shutdown_grace_seconds=1.0,
    )


@pytest.fixture(scope="module")
async def second_app(settings: Settings) -> AsyncIterator[HelpdeskApp]:
    """A second replica: its own process state, the same PostgreSQL and Redis."""
    replica = await HelpdeskApp.create(settings.replace(grpc_port=0))
    await replica.start()
    yield replica
    await replica.stop(grace=1.0)


@pytest.fixture(scope="module")
async def second_channel(second_app: HelpdeskApp) -> AsyncIterator[grpc.aio.Channel]:
    """A channel to the second replica."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{second_app.port}") as chan:
        yield chan


@pytest.fixture(scope="module")
def assignment_stub(channel: grpc.aio.Channel) -> assignment_service_pb2_grpc.AssignmentServiceAsyncStub:
    """AssignmentService client on the first replica."""
    return assignment_service_pb2_grpc.AssignmentServiceStub(channel)


@pytest.fixture
async def desk(
    app: HelpdeskApp, channel: grpc.aio.Channel, second_channel: grpc.aio.Channel, database: Database
) -> AsyncIterator[Desk]:
    """The two replicas with an administrator; afterwards every agent is OFFLINE and the desk is reset."""
    desk = await Desk.open(app, replicas=(Replica(channel), Replica(second_channel)))
    yield desk
    await desk.everyone_offline()
    async with database.unit_of_work() as uow:
        # The next test starts from an empty desk: no waiting work, assignment off.
        await uow.session.execute(
            text(
                "UPDATE assignment_settings SET tickets_enabled = false, chats_enabled = false,"
                " ticket_categories = '{}', default_ticket_capacity = 10, default_chat_limit = 3"
            )
        )
        await uow.session.execute(text("DELETE FROM assignment_agents"))
        await uow.session.execute(text("UPDATE chats SET ticket_id = NULL"))
        await uow.session.execute(text("DELETE FROM tickets"))
        await uow.session.execute(text("UPDATE chats SET status = 'ended', end_time = now() WHERE status <> 'ended'"))
