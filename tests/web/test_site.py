"""The built app as the browser gets it through the gateway: headers, fallback, caching, and a first load.

The header checks read Playwright's own responses (what Chromium received), not a side channel.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from devstack.static import IMMUTABLE
from server.gateway import CONTENT_SECURITY_POLICY
from tests.web.conftest import OpenTab

pytestmark = pytest.mark.slow


async def test_every_page_and_file_carries_the_security_headers_and_the_right_caching(open_tab: OpenTab) -> None:
    tab = await open_tab()
    responses = []
    tab.page.on("response", lambda response: responses.append(response))

    # A deep link the server has no file for: the app's index.html answers and the app routes it.
    document = await tab.page.goto("/tickets/no-such-ticket/unknown?x=1")
    assert document is not None
    assert document.status == 200
    await expect(tab.page.get_by_role("heading", name="Page not found")).to_be_visible()

    site = [r for r in responses if not re.search(r"/(helpdesk\.v1\.|grpc\.|v1/)", r.url)]
    assets = [r for r in site if "/assets/" in r.url]
    assert any(r.url.endswith(".js") for r in assets)
    assert any(r.url.endswith(".css") for r in assets)
    for response in site:
        headers = await response.all_headers()
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, response.url
        assert headers["x-content-type-options"] == "nosniff", response.url
        assert headers["referrer-policy"] == "same-origin", response.url
        expected_cache = IMMUTABLE if "/assets/" in response.url else "no-cache"
        assert headers["cache-control"] == expected_cache, response.url
    # Scripts and styles come compressed (Chromium always offers gzip).
    for response in assets:
        if re.search(r"\.(js|css)$", response.url):
            assert (await response.all_headers()).get("content-encoding") == "gzip", response.url


async def test_a_missing_asset_is_a_404_not_the_app(open_tab: OpenTab) -> None:
    tab = await open_tab()
    response = await tab.page.request.get("/assets/index-00000000.js")
    assert response.status == 404
    assert b'<div id="root">' not in await response.body()


async def test_the_app_follows_the_browser_language_and_color_scheme(open_tab: OpenTab) -> None:
    tab = await open_tab(locale="pt-BR", color_scheme="dark")
    await tab.page.goto("/")
    await expect(tab.page.get_by_role("heading", level=1)).to_have_text("Como podemos ajudar?")
    await expect(tab.page.locator("html")).to_have_class(re.compile(r"\bdark\b"))
    await expect(tab.page.locator("html")).to_have_attribute("lang", "pt-BR")


async def test_the_footer_links_to_the_api_reference(open_tab: OpenTab) -> None:
    tab = await open_tab()
    await tab.page.goto("/help")
    link = tab.page.get_by_role("contentinfo").get_by_role("link", name="API reference")
    await expect(link).to_have_attribute("href", "/docs/")
    await link.click()
    await expect(tab.page).to_have_title("Helpdesk API reference")
