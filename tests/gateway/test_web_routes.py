"""The gateway's site route: API calls reach the servers, every other path the web app's file server.

A real Envoy (the project's template) in front of a real server and the real file server process
over a small built app. What the browser relies on is checked on Envoy's answers: the security
headers on every page and file, the SPA fallback, immutable assets, and the API untouched by it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from grpc_health.v1 import health_pb2

from devstack.static import IMMUTABLE, StaticSite, app_routes
from server.app import HelpdeskApp
from server.gateway import CONTENT_SECURITY_POLICY
from tests.gateway.wire import grpc_web_call, http_request
from tests.support import local_gateway_options, running_gateway, running_site, running_site_gateway

pytestmark = pytest.mark.slow

INDEX = b"<!doctype html><title>Helpdesk</title><script type=module src=/assets/index-1a2b3c4d.js></script>"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticSite]:
    """The file server over a minimal built app."""
    dist = tmp_path_factory.mktemp("dist")
    (dist / "assets").mkdir()
    (dist / "index.html").write_bytes(INDEX)
    (dist / "assets" / "index-1a2b3c4d.js").write_text("document.title = 'ok';\n" * 64)
    with running_site(app_routes(dist), tmp_path_factory.mktemp("web")) as static:
        yield static


@pytest.fixture(scope="module")
async def site_gateway(
    app: HelpdeskApp, descriptor_path: Path, site: StaticSite, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """Envoy in front of `app` and the file server, as `helpdesk dev` runs them."""
    async with running_site_gateway(
        app, site, tmp_path_factory.mktemp("envoy"), descriptor_path=descriptor_path
    ) as url:
        yield url


def assert_site_headers(headers: dict[str, str]) -> None:
    """What every answer of the site carries."""
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


async def test_app_pages_get_index_html_with_the_security_headers(site_gateway: str) -> None:
    for path in ("/", "/tickets", "/tickets/5b0e7a52-0000-4000-8000-000000000001?status=open", "/v1x"):
        page = await asyncio.to_thread(http_request, "GET", site_gateway + path)
        assert page.status == 200, path
        assert page.body == INDEX
        assert page.headers["cache-control"] == "no-cache"
        assert_site_headers(page.headers)
    csp = CONTENT_SECURITY_POLICY
    for directive in ("script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp


async def test_assets_are_immutable_gzipped_and_missing_ones_are_404(site_gateway: str) -> None:
    asset = await asyncio.to_thread(
        http_request, "GET", site_gateway + "/assets/index-1a2b3c4d.js", headers={"accept-encoding": "gzip"}
    )
    assert asset.status == 200
    assert asset.headers["cache-control"] == IMMUTABLE
    assert asset.headers["content-encoding"] == "gzip"
    assert_site_headers(asset.headers)

    missing = await asyncio.to_thread(http_request, "GET", site_gateway + "/assets/index-00000000.js")
    assert missing.status == 404
    assert_site_headers(missing.headers)


async def test_api_paths_still_reach_the_servers(site_gateway: str) -> None:
    unknown_json = await asyncio.to_thread(http_request, "GET", site_gateway + "/v1/no-such-thing")
    assert unknown_json.status == 404
    assert unknown_json.body != INDEX
    assert "content-security-policy" not in unknown_json.headers

    login = await asyncio.to_thread(
        http_request, "POST", site_gateway + "/v1/auth:login", body={"email": "nobody@example.com", "password": "x" * 8}
    )
    assert login.status == 401
    assert login.headers["content-type"].startswith("application/json")

    health = await asyncio.to_thread(
        grpc_web_call,
        site_gateway,
        "/grpc.health.v1.Health/Check",
        health_pb2.HealthCheckRequest(),
    )
    assert health.grpc_status == 0
    assert (
        health_pb2.HealthCheckResponse.FromString(health.messages[0]).status == health_pb2.HealthCheckResponse.SERVING
    )


async def test_an_api_only_gateway_answers_site_paths_503(
    app: HelpdeskApp, descriptor_path: Path, tmp_path: Path
) -> None:
    assert app.port is not None
    options = local_gateway_options(app.port, descriptor_path=descriptor_path)
    async with running_gateway(tmp_path, options) as envoy:
        page = await asyncio.to_thread(http_request, "GET", envoy.url + "/tickets")
        api = await asyncio.to_thread(http_request, "GET", envoy.url + "/v1/no-such-thing")
    assert page.status == 503
    assert api.status == 404
