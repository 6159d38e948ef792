"""Fixtures of the personal-data tests: stubs of every service on the module's server, and a populated customer."""

from __future__ import annotations

import grpc.aio
import pytest

from helpdesk.v1 import privacy_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role
from tests.storage.backup_support import Population, Stubs, populate
from tests.support import register, sign_in_as


@pytest.fixture(scope="module")
def stubs(channel: grpc.aio.Channel) -> Stubs:
    """Every service's stub on the module's server."""
    return Stubs(channel)


@pytest.fixture(scope="module")
def privacy(channel: grpc.aio.Channel) -> privacy_service_pb2_grpc.PrivacyServiceAsyncStub:
    """PrivacyService client."""
    return privacy_service_pb2_grpc.PrivacyServiceStub(channel)


@pytest.fixture(scope="module")
async def population(app: HelpdeskApp, stubs: Stubs) -> Population:
    """An admin, an agent and two customers with tickets, notes, chats, articles, votes and a second session."""
    made = Population(
        admin=await sign_in_as(app, stubs.auth, Role.ADMIN),
        agent=await sign_in_as(app, stubs.auth, Role.AGENT),
        customers=[await register(stubs.auth), await register(stubs.auth)],
    )
    await populate(stubs, made)
    return made
