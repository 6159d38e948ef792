"""The API reference page (/docs) through the real gateway, in a real browser.

Envoy's site route sends /docs to the file server (the page `make docs` builds) with the site's
strict CSP; the page must render the generated document under that CSP (no inline script or style,
no other origin), and "Try it out" with a bearer token must reach the real API.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc.aio
import pytest
from playwright.async_api import async_playwright, expect

from devstack.static import DEFAULT_DOCS_ROOT, StaticSite, app_routes
from helpdesk.v1 import auth_service_pb2_grpc
from server.app import HelpdeskApp
from server.gateway import CONTENT_SECURITY_POLICY
from tests.gateway.openapi_check import DOCUMENT_PATH
from tests.gateway.wire import http_request
from tests.support import register, running_site, running_site_gateway

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticSite]:
    """The site's file server as `helpdesk dev` runs it (no app built here; the reference page is)."""
    if not (DEFAULT_DOCS_ROOT / "index.html").is_file():
        pytest.fail(f"{DEFAULT_DOCS_ROOT} is not built: run `make docs`")
    with running_site(app_routes(tmp_path_factory.mktemp("no-app")), tmp_path_factory.mktemp("web")) as static:
        yield static


@pytest.fixture(scope="module")
async def site_gateway(
    app: HelpdeskApp, descriptor_path: Path, site: StaticSite, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """Envoy in front of `app` and the file server, as `make run` routes them."""
    async with running_site_gateway(
        app, site, tmp_path_factory.mktemp("envoy"), descriptor_path=descriptor_path
    ) as url:
        yield url


async def test_the_page_and_its_document_are_served_with_the_site_policy(site_gateway: str) -> None:
    for path in ("/docs", "/docs/"):
        page = await asyncio.to_thread(http_request, "GET", site_gateway + path)
        assert page.status == 200, path
        assert b"swagger-ui-bundle.js" in page.body
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    document = await asyncio.to_thread(http_request, "GET", site_gateway + "/docs/openapi.json")
    assert document.status == 200
    assert document.json() == json.loads(DOCUMENT_PATH.read_text())


async def test_the_page_renders_under_the_csp_and_tries_a_call_with_a_bearer_token(
    site_gateway: str, app: HelpdeskApp
) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as native:
        customer = await register(auth_service_pb2_grpc.AuthServiceStub(native))
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = await browser.new_page()
            # A CSP violation (an inline script or style, another origin) is logged as a console error.
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            await page.goto(site_gateway + "/docs/")
            await expect(page.get_by_role("heading", name="Helpdesk API")).to_be_visible(timeout=30_000)

            await page.get_by_role("button", name="Authorize").first.click()
            await page.locator(".auth-container input").fill(customer.access_token)
            await page.get_by_role("button", name="Apply credentials").click()
            await page.locator(".modal-ux button.btn-done").click()

            operation = page.locator("#operations-AuthService-AuthService_GetCurrentUser")
            await operation.locator(".opblock-summary").click()
            await operation.get_by_role("button", name="Try it out").click()
            await operation.get_by_role("button", name="Execute").click()
            answer = operation.locator(".live-responses-table tr.response")
            await expect(answer.locator(".response-col_status")).to_have_text("200", timeout=20_000)
            await expect(answer).to_contain_text(customer.email)
        finally:
            await browser.close()
    assert problems == []
