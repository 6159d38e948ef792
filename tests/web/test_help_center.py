"""The help center: anonymous search with highlighted snippets, the article page, one vote per reader."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import Route, expect

from helpdesk.v1 import article_pb2, knowledge_service_pb2
from server.core.context import Role
from tests.web.conftest import Account, OpenTab, sign_in

pytestmark = pytest.mark.slow


async def publish(agent: Account, title: str, body: str, category: str = "billing") -> article_pb2.Article:
    """An article written and published by `agent` through the API."""
    created = await agent.client.knowledge.CreateArticle(
        knowledge_service_pb2.CreateArticleRequest(
            article=article_pb2.Article(title=title, body=body, category=category), request_id=str(uuid.uuid4())
        )
    )
    return await agent.client.knowledge.PublishArticle(knowledge_service_pb2.PublishArticleRequest(id=created.id))


async def test_search_finds_highlights_and_a_signed_in_reader_votes_once(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    agent = await accounts(Role.AGENT)
    word = f"zebrafy{uuid.uuid4().hex[:6]}"
    article = await publish(
        agent,
        f"How to {word} an invoice",
        f"To {word} an invoice, open Billing.\n\nMarkup stays text: <script>alert(1)</script>",
    )
    await publish(agent, "Unrelated article about passwords", "Reset it from the sign-in page.", "account")
    reader = await accounts(display_name="Reader")

    # Anonymous: search and read.
    tab = await open_tab()
    page = tab.page
    await page.goto("/help")
    await page.get_by_role("searchbox", name="Search the help center").fill(word)
    result = page.get_by_role("link", name=f"How to {word} an invoice")
    await expect(result).to_be_visible()
    await expect(page.get_by_role("link", name="Unrelated article about passwords")).to_have_count(0)
    # The server's <mark> highlight is the only markup the app renders from the API.
    await expect(result.locator("mark").first).to_have_text(word)
    assert word in page.url

    await result.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"How to {word} an invoice")
    # Safe Markdown: the body's paragraphs render, its raw HTML never becomes elements.
    body = page.get_by_role("article")
    await expect(body.get_by_text("To " + word + " an invoice, open Billing.")).to_be_visible()
    await expect(body).to_contain_text("Markup stays text:")
    assert await body.locator("script").count() == 0
    await expect(page.get_by_role("link", name="Sign in to rate this article")).to_be_visible()

    # Signed in: one vote, counted once by the server, remembered after a reload.
    await sign_in(page, reader, then=page.url.removeprefix(page.url.split("/help")[0]))
    await page.get_by_role("button", name="Yes").click()
    await expect(page.get_by_role("status").filter(has_text="Thanks for your feedback.")).to_be_visible()
    await page.reload()
    await expect(page.get_by_role("button", name="Yes")).to_have_count(0)
    counted = await agent.client.knowledge.GetArticle(knowledge_service_pb2.GetArticleRequest(id=article.id))
    assert (counted.helpful_count, counted.not_helpful_count) == (1, 0)


async def test_an_article_opened_while_the_typed_search_settles_stays_open(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    agent = await accounts(Role.AGENT)
    word = f"okapi{uuid.uuid4().hex[:6]}"
    article = await publish(agent, f"Pay {word} bills by card", "Open Billing, then Cards.")

    page = (await open_tab()).page
    await page.goto("/help")
    listed = page.get_by_role("link", name=f"Pay {word} bills by card")
    await expect(listed).to_be_visible()

    # A slow network: the article page's code arrives a while after the click, so the reader is on
    # the way to the article when the text they typed just before settles into a search.
    async def slowly(route: Route) -> None:
        await asyncio.sleep(1.5)
        await route.continue_()

    await page.route("**/assets/ArticlePage-*.js", slowly)
    await page.get_by_role("searchbox", name="Search the help center").fill(word)
    await listed.click()

    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Pay {word} bills by card")
    assert page.url.endswith(f"/help/{article.slug}")
    # The article stays: nothing pulls the reader back to the search afterwards.
    await page.wait_for_timeout(1000)
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Pay {word} bills by card")
