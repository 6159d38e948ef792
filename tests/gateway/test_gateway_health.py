"""Envoy's active health checks take a replica that lost PostgreSQL out of rotation."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devstack.redis import free_port
from server.app import HelpdeskApp
from server.settings import Settings
from tests.support import local_gateway_options, running_gateway, unique_email


@pytest.fixture(scope="module")
async def replica_without_database(settings: Settings) -> AsyncIterator[HelpdeskApp]:
    """A second replica whose PostgreSQL is unreachable: it reports NOT_SERVING."""
    broken = settings.replace(database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere")
    replica = await HelpdeskApp.create(broken)
    await replica.start()
    yield replica
    await replica.stop(grace=0.5)


@pytest.fixture(scope="module")
async def two_replica_gateway(
    app: HelpdeskApp,
    replica_without_database: HelpdeskApp,
    descriptor_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[str]:
    """A real Envoy balancing over a healthy replica and one without its database."""
    assert app.port is not None
    assert replica_without_database.port is not None
    options = local_gateway_options(
        app.port, replica_without_database.port, descriptor_path=descriptor_path, health_check_interval_seconds=0.2
    )
    async with running_gateway(tmp_path_factory.mktemp("envoy-health"), options) as envoy:
        yield envoy.url


def _register(url: str) -> int:
    body = {"email": unique_email("rotation"), "password": "a long password", "displayName": "Rotation"}
    request = urllib.request.Request(  # noqa: S310 - the test's own gateway URL
        f"{url}/v1/auth:register", data=json.dumps(body).encode(), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the test's own gateway URL
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


async def test_a_replica_without_its_database_gets_no_traffic(two_replica_gateway: str) -> None:
    # Let a few health-check rounds mark the broken replica unhealthy (threshold 2 at 0.2 s).
    await asyncio.sleep(1.5)
    statuses = [await asyncio.to_thread(_register, two_replica_gateway) for _ in range(12)]
    # Round robin over both would send every other call to the replica that cannot reach PostgreSQL.
    assert statuses == [200] * 12
