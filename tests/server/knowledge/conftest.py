"""Fixtures for KnowledgeService tests: a stub and a cast of callers."""

from __future__ import annotations

import grpc.aio
import pytest

from helpdesk.v1 import auth_service_pb2_grpc, knowledge_service_pb2_grpc
from server.app import HelpdeskApp
from tests.server.knowledge.kb_support import KbCast, make_cast


@pytest.fixture(scope="module")
def kb_stub(channel: grpc.aio.Channel) -> knowledge_service_pb2_grpc.KnowledgeServiceAsyncStub:
    """KnowledgeService client."""
    return knowledge_service_pb2_grpc.KnowledgeServiceStub(channel)


@pytest.fixture(scope="module")
async def cast(app: HelpdeskApp, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub) -> KbCast:
    """A customer, an agent and an administrator."""
    return await make_cast(app, auth_stub)
