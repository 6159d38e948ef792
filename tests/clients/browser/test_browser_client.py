"""A real browser: headless Chromium loads a page that uses the TypeScript client over gRPC-Web through Envoy.

The page (tests/clients/browser/page, with the client bundled by esbuild) is served from its own
origin, which the test gateway's CORS policy allows. It signs in and shows the user's name, opens
a chat, and shows the messages it streams; an agent (the Python client, native gRPC) accepts the
chat and answers, and the test reads the answer from the DOM.

Chromium is Debian's (`make browser-deps` installs it); Playwright only drives it.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from helpdesk.client import HelpdeskClient
from helpdesk.v1 import chat_service_pb2
from server.app import HelpdeskApp
from tests.support import CHROMIUM, CHROMIUM_ARGS, local_gateway_options, running_gateway

pytestmark = pytest.mark.slow

PAGE_DIR = Path(__file__).parent / "page"
PASSWORD = "correct horse battery"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def page_root(typescript_package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The page's files and the TypeScript client bundled for browsers (esbuild)."""
    root = tmp_path_factory.mktemp("page")
    for name in ("index.html", "app.js"):
        shutil.copy(PAGE_DIR / name, root / name)
    esbuild = typescript_package / "node_modules" / ".bin" / "esbuild"
    subprocess.run(
        [
            str(esbuild),
            "dist/index.js",
            "--bundle",
            "--format=esm",
            "--platform=browser",
            f"--outfile={root / 'helpdesk-client.js'}",
            "--log-level=warning",
        ],
        cwd=typescript_package,
        check=True,
        timeout=120,
    )
    return root


@pytest.fixture(scope="module")
def page_origin(page_root: Path) -> Iterator[str]:
    """http://127.0.0.1:PORT serving the page, from a thread (the test's loop runs the API server)."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(page_root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
async def browser_gateway(
    app: HelpdeskApp, descriptor_path: Path, page_origin: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A real Envoy in front of `app` whose CORS policy allows the page's origin."""
    assert app.port is not None
    options = local_gateway_options(app.port, descriptor_path=descriptor_path, cors_origins=(page_origin,))
    async with running_gateway(tmp_path_factory.mktemp("envoy"), options) as envoy:
        yield envoy.url


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium (installed by `make browser-deps`)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    return CHROMIUM


async def test_browser_signs_in_and_receives_the_agents_message_live(
    chromium: Path,
    page_origin: str,
    browser_gateway: str,
    agent_account: tuple[str, str],
) -> None:
    email = f"browser-{uuid.uuid4().hex[:10]}@example.com"
    direct = urllib.parse.urlsplit(browser_gateway).netloc
    async with HelpdeskClient(direct) as customer:
        await customer.register(email, PASSWORD, "Browser Customer")
    query = urllib.parse.urlencode({"gateway": browser_gateway, "email": email, "password": PASSWORD})

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(chromium), args=list(CHROMIUM_ARGS))
        try:
            page = await browser.new_page()
            console: list[str] = []
            page.on("console", lambda message: console.append(message.text))
            await page.goto(f"{page_origin}/index.html?{query}")

            # Signed in through gRPC-Web: the name comes from the LoginResponse.
            await expect(page.locator("#user")).to_have_text("Browser Customer", timeout=20_000)
            await expect(page.locator("#chat-status")).to_have_text("streaming", timeout=20_000)
            chat_id = await page.locator("#chat").text_content()
            assert chat_id, await page.locator("#error").text_content()
            await expect(page.locator("#messages li").first).to_have_text("Hello from the browser", timeout=20_000)

            # An agent answers over native gRPC; the page's open stream delivers it live.
            async with HelpdeskClient(direct) as agent:
                await agent.sign_in(*agent_account)
                await agent.chat.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat_id))
                await agent.chat.SendChatMessage(
                    chat_service_pb2.SendChatMessageRequest(
                        chat_id=chat_id, body="Hi! An agent here.", request_id=str(uuid.uuid4())
                    )
                )
            answer = page.locator("#messages li", has_text="Hi! An agent here.")
            await expect(answer).to_have_count(1, timeout=20_000)
            assert await page.locator("#error").text_content() == "", console
        finally:
            await browser.close()
