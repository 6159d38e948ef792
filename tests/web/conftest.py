"""End-to-end fixtures: the built web app in Debian's Chromium, through the routes `make run` uses.

The stack is the real one: PostgreSQL, Redis and the server from tests/conftest.py, the app's
files served by the same file server `helpdesk dev` runs (devstack/static.py), and Envoy
rendered from the project's template with that server as its static upstream. The app is built
once per session (`make web`: `npm ci` when a lock file changed, `npm run build` when a source
did); one browser per session, a fresh context (cookies, storage) per test.

Every page a test opens fails the test if it raised an uncaught error, logged a Content Security
Policy violation, or opened a dialog (`alert(1)` from an injected string would).
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from devstack.static import StaticSite, app_routes
from helpdesk.client import HelpdeskClient
from server.app import HelpdeskApp
from server.core.context import Role
from tests.gateway.conftest import descriptor_path
from tests.support import CHROMIUM, CHROMIUM_ARGS, running_site, running_site_gateway

__all__ = ["descriptor_path"]

PASSWORD = "web e2e password 1"
ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts"

# Two shared cores run the server, Envoy and Chromium: generous waits, never sleeps.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def web_dist(repo_root: Path) -> Path:
    """clients/web/dist, built from the current sources (`make web`), and the suite's npm packages installed."""
    if shutil.which("npm") is None:
        pytest.fail("npm is not installed: the web app cannot be built")
    subprocess.run(["make", "--no-print-directory", "web-deps", "web"], cwd=repo_root, check=True, timeout=900)
    dist = repo_root / "clients" / "web" / "dist"
    assert (dist / "index.html").is_file()
    return dist


@pytest.fixture(scope="session")
def axe_script(repo_root: Path, web_dist: Path) -> Path:
    """axe-core's browser build, installed by `make web-deps` from tests/web/package-lock.json."""
    path = repo_root / "tests" / "web" / "node_modules" / "axe-core" / "axe.min.js"
    assert path.is_file(), "axe-core is missing: run `make web-deps`"
    return path


@pytest.fixture(scope="session")
def web_site(web_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticSite]:
    """The file server `helpdesk dev` runs, over the built app."""
    with running_site(app_routes(web_dist), tmp_path_factory.mktemp("web")) as site:
        yield site


@pytest.fixture(scope="module")
async def base_url(
    app: HelpdeskApp, descriptor_path: Path, web_site: StaticSite, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """The app's origin: Envoy in front of the module's server and the file server, as in `make run`."""
    async with running_site_gateway(
        app, web_site, tmp_path_factory.mktemp("envoy"), descriptor_path=descriptor_path
    ) as url:
        yield url


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium for the whole session."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        yield launched
        await launched.close()


@dataclass
class Tab:
    """A page of a fresh browser context, with what it reported."""

    context: BrowserContext
    page: Page
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


OpenTab = Callable[..., Awaitable[Tab]]


@pytest.fixture
async def open_tab(browser: Browser, base_url: str) -> AsyncIterator[OpenTab]:
    """Opens fresh contexts (English, light, desktop unless told otherwise); checks them afterwards."""
    tabs: list[Tab] = []

    async def open_(
        *,
        locale: str = "en-US",
        color_scheme: str = "light",
        viewport: tuple[int, int] = (1440, 900),
        bypass_csp: bool = False,
    ) -> Tab:
        context = await browser.new_context(
            base_url=base_url,
            locale=locale,
            color_scheme=color_scheme,  # type: ignore[arg-type]
            viewport={"width": viewport[0], "height": viewport[1]},
            bypass_csp=bypass_csp,
        )
        context.set_default_timeout(15_000)
        page = await context.new_page()
        tab = Tab(context, page)
        page.on("pageerror", lambda error: tab.errors.append(f"uncaught: {error}"))
        page.on(
            "console",
            lambda message: (
                tab.errors.append(f"console: {message.text}")
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )

        async def on_dialog(dialog: Any) -> None:
            tab.dialogs.append(f"{dialog.type}: {dialog.message}")
            await dialog.dismiss()

        page.on("dialog", on_dialog)
        tabs.append(tab)
        return tab

    yield open_
    for tab in tabs:
        await tab.context.close()
    for tab in tabs:
        assert not tab.dialogs, f"a dialog opened: {tab.dialogs}"
        assert not tab.errors, f"the page reported errors: {tab.errors}"


@dataclass
class Account:
    """A user of the module's server, signed in through the gateway with the Python client."""

    email: str
    password: str
    display_name: str
    client: HelpdeskClient


@pytest.fixture
async def accounts(app: HelpdeskApp, base_url: str) -> AsyncIterator[Callable[..., Awaitable[Account]]]:
    """Makes users (customers by registering, staff as the CLI would) with a signed-in Python client."""
    clients: list[HelpdeskClient] = []
    address = base_url.removeprefix("http://")

    async def make(role: Role = Role.CUSTOMER, *, display_name: str | None = None) -> Account:
        email = f"{role.value}-{uuid.uuid4().hex[:10]}@example.com"
        name = display_name or f"Test {role.value.title()}"
        client = HelpdeskClient(address)
        clients.append(client)
        if role is Role.CUSTOMER:
            await client.register(email, PASSWORD, name)
        else:
            await app.users.create_user(
                email=email, password=PASSWORD, display_name=name, role=role, active=True, request_id=None
            )
            await client.sign_in(email, PASSWORD)
        return Account(email, PASSWORD, name, client)

    yield make
    for client in clients:
        await client.close()


async def sign_in(page: Page, account: Account, *, then: str | None = None) -> None:
    """Signs `account` in through the app's own form (English), then opens `then` if given."""
    await page.goto("/sign-in")
    await page.get_by_label("Email").fill(account.email)
    await page.get_by_label("Password").fill(account.password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name=account.display_name)).to_be_visible()
    if then is not None:
        await page.goto(then)
