"""Reply tools of the agent's ticket reply box and chat composer: a help-article link inserted and
sent reaches the customer as a link to the article; a canned response found by typing `/` is
inserted with its placeholders filled, then edited and sent, without the mouse. Keys typed as a
dialog closes land in the box, however late the page's next frame comes.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from playwright.async_api import Locator, Page, Route, expect

from helpdesk.v1 import canned_response_pb2, canned_response_service_pb2
from server.core.context import Role
from tests.web.conftest import Account, OpenTab, sign_in
from tests.web.test_agent_chat import messages_in, open_console, pane
from tests.web.test_chat import start_chat
from tests.web.test_help_center import publish
from tests.web.test_workspace import drafting, open_ticket

pytestmark = pytest.mark.slow

MakeAccount = Callable[..., Awaitable[Account]]


async def canned(agent: Account, title: str, body: str) -> None:
    """A personal canned response of `agent`."""
    await agent.client.canned_responses.CreateCannedResponse(
        canned_response_service_pb2.CreateCannedResponseRequest(
            canned_response=canned_response_pb2.CannedResponse(
                title=title, body=body, scope=canned_response_pb2.CANNED_RESPONSE_SCOPE_PERSONAL
            ),
            request_id=str(uuid.uuid4()),
        )
    )


@asynccontextmanager
async def frames_held(page: Page) -> AsyncIterator[None]:
    """No animation frame or timer of the page runs inside: what a key does must not wait for one.

    On a busy machine the next frame comes after a fast typist's next key; this makes that certain.
    The page's clock must have been installed (`page.clock.install()`) before it loaded.
    """
    now_ms = await page.evaluate("Date.now()")
    await page.clock.pause_at(now_ms / 1000 + 1)
    try:
        yield
    finally:
        await page.clock.resume()


async def find_article_link(page: Page, words: str, title: str) -> Locator:
    """Opens "Article link", searches `words`, moves to the article titled `title`; the dialog."""
    await page.get_by_role("button", name="Article link").click()
    dialog = page.get_by_role("dialog", name="Insert a help article link")
    search = dialog.get_by_role("searchbox", name="Search published articles")
    await expect(search).to_be_focused()
    await page.keyboard.type(words)
    results = dialog.get_by_role("list", name="Matching articles")
    result = results.get_by_role("button", name=re.compile(re.escape(title)))
    await expect(result).to_be_visible()
    await page.keyboard.press("ArrowDown")
    await expect(result).to_be_focused()
    return dialog


async def insert_article_link(page: Page, words: str, title: str) -> None:
    """Opens "Article link", searches `words`, picks the article titled `title` with the keyboard."""
    dialog = await find_article_link(page, words, title)
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_hidden()


async def test_an_article_link_in_a_ticket_reply_reaches_the_customer_as_a_link(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    customer = await accounts(display_name="Linda Customer")
    agent = await accounts(Role.AGENT, display_name="Kim Agent")
    tag = uuid.uuid4().hex[:8]
    article = await publish(agent, f"Resetting your router {tag}", "Hold the reset button for ten seconds.")
    ticket = await open_ticket(customer, "Router will not connect")

    page = (await open_tab()).page
    box = await drafting(page, agent, ticket, "Hi Linda, this should help:")
    # The dialog, opened by its button, hands focus to the box as it closes, not on a later frame
    # (a key reaching the button would open the dialog again).
    dialog = await find_article_link(page, f"router {tag}", article.title)
    async with frames_held(page):
        await page.keyboard.press("Enter")
        await expect(dialog).to_be_hidden()
        await page.keyboard.type(" Tell me if it works.")
    origin = page.url.split("/agent/")[0]
    link_text = f"{origin}/help/{article.slug}"
    await expect(box).to_have_value(f"Hi Linda, this should help: {article.title}: {link_text} Tell me if it works.")
    await expect(box).to_be_focused()
    await page.keyboard.press("Control+Enter")
    conversation = page.get_by_role("list", name="Conversation")
    await expect(conversation.get_by_role("listitem")).to_have_count(2)
    await expect(conversation.get_by_role("link", name=link_text)).to_be_visible()

    shopper_tab = await open_tab()
    shopper = shopper_tab.page
    await sign_in(shopper, customer, then=f"/tickets/{ticket.id}")
    link = shopper.get_by_role("region", name="Conversation").get_by_role("link", name=link_text)
    await expect(link).to_have_attribute("href", f"/help/{article.slug}")
    async with shopper_tab.context.expect_page() as opened:
        await link.click()
    article_page = await opened.value
    await expect(article_page.get_by_role("heading", level=1)).to_have_text(article.title)
    await article_page.close()


async def test_a_canned_response_by_slash_fills_its_placeholders_and_is_edited_before_sending(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    customer = await accounts(display_name="Keyboard Customer")
    agent = await accounts(Role.AGENT, display_name="Kim Agent")
    word = f"spam{uuid.uuid4().hex[:6]}"
    await canned(
        agent,
        f"Check the spam folder {word}",
        "Hi {{customer.first_name}}, please look in your spam folder for ticket #{{ticket.number}}."
        " {{agent.first_name}}",
    )
    ticket = await open_ticket(customer, "Password reset mail never arrives")

    page = (await open_tab()).page
    await page.clock.install()
    await sign_in(page, agent, then=f"/agent/tickets/{ticket.id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(ticket.subject)
    await page.keyboard.press("r")
    box = page.get_by_label("Reply to")
    await expect(box).to_be_focused()
    await page.keyboard.type("Thanks for waiting. ")
    # `/` opens the picker, Escape closes it and leaves the `/` as typed, without reopening it.
    await page.keyboard.type("/")
    dialog = page.get_by_role("dialog", name="Insert a canned response")
    search = dialog.get_by_role("searchbox", name="Search canned responses")
    await expect(search).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(box).to_be_focused()
    await expect(box).to_have_value("Thanks for waiting. /")
    await page.keyboard.type("x")
    await expect(dialog).to_be_hidden()
    await page.keyboard.press("Backspace")
    await page.keyboard.press("Backspace")
    # Typed again, the `/word` is searched; Enter takes the first match.
    await page.keyboard.type("/")
    await expect(search).to_be_focused()
    await page.keyboard.type(word)
    await expect(dialog.get_by_role("list", name="Canned responses")).to_contain_text(f"Check the spam folder {word}")
    # Picked and filled, the response is edited on with the cursor where it was left, the next
    # frame not yet come.
    filled = f"Thanks for waiting. Hi Keyboard, please look in your spam folder for ticket #{ticket.number}. Kim"
    async with frames_held(page):
        await page.keyboard.press("Enter")
        await expect(dialog).to_be_hidden()
        await expect(box).to_have_value(filled)
        await expect(box).to_be_focused()
        await page.keyboard.type(" (edited)")
    await page.keyboard.press("Control+Enter")
    conversation = page.get_by_role("list", name="Conversation")
    await expect(conversation.get_by_role("listitem")).to_have_count(2)
    await expect(conversation.get_by_role("listitem").nth(1)).to_contain_text(f"{filled} (edited)")
    await expect(box).to_have_value("")


async def test_the_chat_composer_inserts_canned_responses_and_article_links(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    customer = await accounts(display_name="Clara Souza")
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    tag = uuid.uuid4().hex[:8]
    article = await publish(agent, f"Refund times {tag}", "Refunds take five business days.")
    word = f"greet{uuid.uuid4().hex[:6]}"
    await canned(agent, f"Greeting {word}", "Hello {{customer.first_name}}, {{agent.name}} here.")

    shopper = (await open_tab()).page
    await sign_in(shopper, customer)
    await start_chat(shopper, customer, agent, topic="Refund", first="When do I get my money back?")
    page = (await open_tab()).page
    await page.clock.install()
    await open_console(page, agent)
    chat = pane(page, customer)
    await expect(messages_in(chat)).to_have_count(1)
    box = chat.get_by_role("textbox", name="Message")
    await box.focus()
    await page.keyboard.type("/")
    dialog = page.get_by_role("dialog", name="Insert a canned response")
    await expect(dialog.get_by_role("searchbox", name="Search canned responses")).to_be_focused()
    await page.keyboard.type(word)
    await expect(dialog.get_by_role("list", name="Canned responses")).to_contain_text(f"Greeting {word}")
    async with frames_held(page):
        await page.keyboard.press("Enter")
        await expect(box).to_have_value("Hello Clara, Alex Agent here.")
        await expect(box).to_be_focused()
        await page.keyboard.type(" One moment.")
    await expect(box).to_have_value("Hello Clara, Alex Agent here. One moment.")
    await page.keyboard.press("Enter")

    await insert_article_link(page, f"refund {tag}", article.title)
    origin = page.url.split("/agent/")[0]
    link_text = f"{origin}/help/{article.slug}"
    await expect(box).to_have_value(f"{article.title}: {link_text}")
    await page.keyboard.press("Enter")

    customer_messages = shopper.get_by_role("list", name="Messages").get_by_role("listitem")
    await expect(customer_messages).to_have_count(3)
    await expect(customer_messages.nth(1)).to_contain_text("Hello Clara, Alex Agent here. One moment.")
    link = customer_messages.nth(2).get_by_role("link", name=link_text)
    await expect(link).to_have_attribute("href", f"/help/{article.slug}")


async def test_keys_typed_while_a_canned_response_is_filled_in_go_after_it(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    customer = await accounts(display_name="Patient Customer")
    agent = await accounts(Role.AGENT, display_name="Kim Agent")
    word = f"late{uuid.uuid4().hex[:6]}"
    await canned(agent, f"On its way {word}", "Hi {{customer.first_name}}, ticket #{{ticket.number}} is on its way.")
    ticket = await open_ticket(customer, "Where is my order?")

    page = (await open_tab()).page
    box = await drafting(page, agent, ticket, "Thanks. ")
    # The response is filled in by the server: its answer waits until the keys are typed.
    answer = asyncio.Event()

    async def held(route: Route) -> None:
        await answer.wait()
        await route.continue_()

    await page.route("**/helpdesk.v1.CannedResponseService/RenderCannedResponse", held)
    await page.keyboard.type("/")
    dialog = page.get_by_role("dialog", name="Insert a canned response")
    await expect(dialog.get_by_role("searchbox", name="Search canned responses")).to_be_focused()
    await page.keyboard.type(word)
    await expect(dialog.get_by_role("list", name="Canned responses")).to_contain_text(f"On its way {word}")
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_hidden()
    await expect(box).to_be_focused()
    await page.keyboard.type(" More soon")
    await expect(box).to_have_value("Thanks. / More soon")
    answer.set()
    filled = f"Thanks. Hi Patient, ticket #{ticket.number} is on its way. More soon"
    await expect(box).to_have_value(filled)
    # The cursor is still after what was typed.
    await page.keyboard.type(".")
    await expect(box).to_have_value(f"{filled}.")


async def test_the_pickers_search_boxes_take_the_keys_typed_as_they_open(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    customer = await accounts(display_name="Quick Customer")
    agent = await accounts(Role.AGENT, display_name="Kim Agent")
    ticket = await open_ticket(customer, "Typing fast")

    page = (await open_tab()).page
    box = await drafting(page, agent, ticket, "Hello ")
    canned_dialog = page.get_by_role("dialog", name="Insert a canned response")
    canned_search = canned_dialog.get_by_role("searchbox", name="Search canned responses")
    # Opened once, so that the dialogs are loaded.
    await page.keyboard.type("/")
    await expect(canned_search).to_be_focused()
    await page.keyboard.press("Escape")
    await page.keyboard.press("Backspace")
    await expect(box).to_have_value("Hello ")
    # The keys after the `/` (or after the click) come before the page's next frame.
    async with frames_held(page):
        await page.keyboard.type("/refund")
        await expect(canned_search).to_have_value("refund")
        await expect(canned_search).to_be_focused()
    await canned_dialog.get_by_role("button", name="Close").click()
    await expect(canned_dialog).to_be_hidden()
    await expect(box).to_have_value("Hello /")

    link_dialog = page.get_by_role("dialog", name="Insert a help article link")
    link_search = link_dialog.get_by_role("searchbox", name="Search published articles")
    async with frames_held(page):
        await page.get_by_role("button", name="Article link").click()
        await page.keyboard.type("router")
        await expect(link_search).to_have_value("router")
        await expect(link_search).to_be_focused()
