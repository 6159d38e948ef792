"""Fixtures for gateway tests: a real server on port 0 and a real Envoy in front of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.app import HelpdeskApp
from tests.support import local_gateway_options, running_gateway

ALLOWED_ORIGIN = "http://localhost:3000"


@pytest.fixture(scope="session")
def allowed_origin() -> str:
    """The one browser origin the test gateway's CORS policy allows."""
    return ALLOWED_ORIGIN


@pytest.fixture(scope="session")
def descriptor_path(repo_root: Path) -> Path:
    """The descriptor set `make generate` builds for Envoy's JSON transcoder."""
    path = repo_root / "clients" / "descriptors" / "helpdesk.binpb"
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make generate`")
    return path


@pytest.fixture(scope="module")
async def gateway(
    app: HelpdeskApp, descriptor_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """Base URL of a real Envoy (rendered from the project's template) in front of `app`."""
    assert app.port is not None
    options = local_gateway_options(app.port, descriptor_path=descriptor_path, cors_origins=(ALLOWED_ORIGIN,))
    async with running_gateway(tmp_path_factory.mktemp("envoy"), options) as envoy:
        yield envoy.url
