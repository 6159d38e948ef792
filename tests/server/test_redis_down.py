"""Redis stopped under a running server: the services that health keeps SERVING without Redis
really answer a signed-in staff member from PostgreSQL alone, and the others report NOT_SERVING.

The knowledge base has its own, deeper test (tests/server/knowledge/test_redis_down.py); this one
holds the health claim to account for the staff services that read PostgreSQL only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc.aio
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from devstack.redis import EmbeddedRedis
from helpdesk.v1 import (
    auth_service_pb2_grpc,
    canned_response_service_pb2,
    canned_response_service_pb2_grpc,
    macro_service_pb2,
    macro_service_pb2_grpc,
    report_pb2,
    report_service_pb2,
    report_service_pb2_grpc,
)
from server.app import HelpdeskApp
from server.core.context import Role
from server.settings import Settings
from tests.support import sign_in_as


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[EmbeddedRedis]:
    """A Redis of this test only (it gets stopped)."""
    server = EmbeddedRedis(tmp_path / "redis", persist=False)
    await asyncio.to_thread(server.start)
    yield server
    await asyncio.to_thread(server.stop)


def _last_week() -> report_pb2.ReportQuery:
    query = report_pb2.ReportQuery(time_zone="UTC", bucket=report_pb2.REPORT_BUCKET_DAY)
    now = datetime.now(UTC)
    query.start_time.FromDatetime(now - timedelta(days=7))
    query.end_time.FromDatetime(now)
    return query


async def test_staff_services_answer_while_redis_is_down(settings: Settings, own_redis: EmbeddedRedis) -> None:
    app = await HelpdeskApp.create(settings.replace(redis_url=own_redis.url))
    await app.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
            admin = await sign_in_as(app, auth_service_pb2_grpc.AuthServiceStub(channel), Role.ADMIN)
            health = health_pb2_grpc.HealthStub(channel)

            await asyncio.to_thread(own_redis.stop)
            await app.health.check_once()

            report = await report_service_pb2_grpc.ReportServiceStub(channel).GetTicketReport(
                report_service_pb2.GetTicketReportRequest(query=_last_week()), metadata=admin.metadata, timeout=10
            )
            assert len(report.series) == 1
            await macro_service_pb2_grpc.MacroServiceStub(channel).ListMacros(
                macro_service_pb2.ListMacrosRequest(page_size=10), metadata=admin.metadata, timeout=10
            )
            await canned_response_service_pb2_grpc.CannedResponseServiceStub(channel).ListCannedResponses(
                canned_response_service_pb2.ListCannedResponsesRequest(page_size=10),
                metadata=admin.metadata,
                timeout=10,
            )

            async def status(service: str) -> int:
                answer = await health.Check(health_pb2.HealthCheckRequest(service=service))
                return int(answer.status)

            serving = health_pb2.HealthCheckResponse.SERVING
            for service in ("ReportService", "MacroService", "CannedResponseService", "KnowledgeService"):
                assert await status(f"helpdesk.v1.{service}") == serving, service
            # Sign-in needs the login limiter's counters; tickets need the change feed.
            for service in ("AuthService", "TicketService"):
                assert await status(f"helpdesk.v1.{service}") != serving, service
    finally:
        await app.stop(grace=1.0)
