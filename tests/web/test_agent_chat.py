"""The agents' chat console in the browser: the live queue, the accept race, a whole conversation
with a customer in another browser, a dropped connection on the agent's side, and transfer.

Customers either use the app (/chat) or the Python client (native gRPC through the same gateway).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect

from helpdesk.v1 import agent_pb2, chat_service_pb2
from server.core.context import Role
from tests.web.conftest import ARTIFACTS, Account, OpenTab, sign_in
from tests.web.test_pages import DOCS_SCREENSHOTS, SIZES, run_axe

pytestmark = pytest.mark.slow

XSS = "<img src=x onerror=alert(1)>"
# A wide desktop, where an edge-to-edge console would no longer line up with the header.
WIDE = (1920, 1080)
LIST_CHATS = re.compile(r"/helpdesk\.v1\.ChatService/ListChats$")


async def customer_starts_chat(customer: Account, *, topic: str, first: str) -> str:
    """A chat started by a customer through the Python client; returns its id."""
    answer = await customer.client.chat.StartChat(
        chat_service_pb2.StartChatRequest(topic=topic, message=first, request_id=str(uuid.uuid4()))
    )
    return str(answer.chat.id)


async def customer_says(customer: Account, chat_id: str, body: str) -> None:
    """One message from the customer, with its own request id."""
    await customer.client.chat.SendChatMessage(
        chat_service_pb2.SendChatMessageRequest(chat_id=chat_id, body=body, request_id=str(uuid.uuid4()))
    )


async def go_online(agent: Account) -> None:
    """The agent is ONLINE (a transfer target)."""
    await agent.client.chat.SetAvailability(
        chat_service_pb2.SetAvailabilityRequest(availability=agent_pb2.AGENT_AVAILABILITY_ONLINE)
    )


async def agent_of(customer: Account) -> str:
    """The display name of the agent who has the customer's latest chat, once someone has it."""
    async with asyncio.timeout(15):
        while True:
            chats = await customer.client.chat.ListChats(chat_service_pb2.ListChatsRequest(page_size=1))
            if chats.chats and chats.chats[0].agent_display_name:
                return str(chats.chats[0].agent_display_name)
            await asyncio.sleep(0.1)


async def open_console(page: Page, agent: Account) -> None:
    """Signs the agent in and opens the chat console."""
    await sign_in(page, agent, then="/agent/chats")
    await expect(page.get_by_role("heading", name="Chats", level=1)).to_be_attached()


def queue_row(page: Page, customer: Account) -> Locator:
    """The customer's row in the console's queue."""
    return page.get_by_role("list", name="Waiting chats").get_by_role("listitem").filter(has_text=customer.display_name)


def pane(page: Page, customer: Account) -> Locator:
    """The console's pane of the chat with `customer`."""
    return page.get_by_role("region", name=f"Chat with {customer.display_name}")


def messages_in(area: Locator) -> Locator:
    """The committed and pending messages shown in a chat area."""
    return area.get_by_role("list", name="Messages").get_by_role("listitem")


async def test_two_agents_race_to_accept_and_the_loser_sees_who_won(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    customer = await accounts(display_name="Racing Customer")
    ana = await accounts(Role.AGENT, display_name="Ana Agent")
    bruno = await accounts(Role.AGENT, display_name="Bruno Agent")
    pages = {ana.display_name: (await open_tab()).page, bruno.display_name: (await open_tab()).page}
    await open_console(pages[ana.display_name], ana)
    await open_console(pages[bruno.display_name], bruno)

    await customer_starts_chat(customer, topic="Race", first="Anyone there?")
    accepts = []
    for page in pages.values():
        row = queue_row(page, customer)
        await expect(row).to_contain_text("Race")  # appeared live, without a reload
        accepts.append(row.get_by_role("button", name=f"Accept the chat with {customer.display_name}"))
    # Both clicks go out together, straight to the buttons: a pointer click first waits for its
    # button to hold still over two frames, and the winner's acceptance, live, can take the row off
    # the other console in that time, before its agent ever clicked (a missed chat, not a race).
    await asyncio.gather(*(button.dispatch_event("click") for button in accepts))

    winner = await agent_of(customer)
    loser = next(name for name in pages if name != winner)
    await expect(pane(pages[winner], customer)).to_be_visible()
    await expect(messages_in(pane(pages[winner], customer))).to_have_count(1)
    await expect(pages[loser].get_by_role("status").filter(has_text=f"{winner} took this chat")).to_be_visible()
    await expect(pane(pages[loser], customer)).to_have_count(0)
    # The queue empties for both.
    for page in pages.values():
        await expect(queue_row(page, customer)).to_have_count(0, timeout=20_000)


async def test_a_whole_conversation_with_a_customer_in_another_browser(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    customer = await accounts(display_name="Clara Customer")
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    agent_page = (await open_tab()).page
    customer_page = (await open_tab()).page
    await open_console(agent_page, agent)
    availability = agent_page.get_by_role("group", name="Availability")
    await availability.get_by_text("Online", exact=True).click()
    await expect(availability.get_by_role("radio", name="Online")).to_be_checked()
    await expect(availability).to_contain_text("You are taking new chats.")
    await sign_in(customer_page, customer)
    # The customer reads Portuguese (the language they chose is kept for the next pages).
    await customer_page.evaluate("localStorage.setItem('helpdesk.language', 'pt-BR')")
    await customer_page.goto("/chat")
    await customer_page.get_by_label("Assunto").fill(f"Fatura {XSS}")
    await customer_page.get_by_role("textbox", name="Mensagem").fill("Olá, fui cobrada duas vezes.")
    await customer_page.get_by_role("button", name="Iniciar chat").click()

    row = queue_row(agent_page, customer)
    await expect(row).to_contain_text(f"Fatura {XSS}")
    await expect(agent_page).to_have_title(re.compile(r"^\(\d+\) Chats"))  # the title badge
    await row.get_by_role("button", name=f"Accept the chat with {customer.display_name}").click()
    chat = pane(agent_page, customer)
    await expect(chat.get_by_role("status")).to_contain_text("Live")
    await expect(chat.get_by_role("textbox", name="Message")).to_be_focused()  # ready to answer
    await expect(customer_page.get_by_role("status", name="Status do chat")).to_contain_text(
        f"Você está conversando com {agent.display_name}."
    )
    agent_messages = messages_in(chat)
    customer_messages = customer_page.get_by_role("list", name="Mensagens").get_by_role("listitem")
    await expect(agent_messages).to_have_count(1)

    # Typing, both ways.
    customer_box = customer_page.get_by_role("textbox", name="Mensagem")
    await customer_box.fill("Um segundo")
    await expect(chat).to_contain_text(f"{customer.display_name} is typing")
    agent_box = chat.get_by_role("textbox", name="Message")
    await agent_box.fill(f"Hi Clara! Checking now. {XSS}")
    await expect(customer_page.get_by_text(f"{agent.display_name} está digitando")).to_be_visible()
    # Ctrl+Enter sends; the customer sees it, and the agent sees the customer read it.
    await agent_box.press("Control+Enter")
    await expect(customer_messages).to_have_count(2)
    await expect(customer_messages.nth(1)).to_contain_text(f"Hi Clara! Checking now. {XSS}")
    await expect(agent_messages.nth(1)).to_contain_text("Read")
    # The customer's answer arrives live, and the customer sees the agent read it.
    await customer_box.fill("Obrigada!")
    await customer_box.press("Enter")
    await expect(agent_messages).to_have_count(3)
    await expect(agent_messages.nth(2)).to_contain_text("Obrigada!")
    await expect(customer_messages.nth(2)).to_contain_text("Lida")
    assert await agent_page.locator("img[src='x']").count() == 0
    assert await customer_page.locator("img[src='x']").count() == 0

    await chat.get_by_role("button", name="End", exact=True).click()
    await agent_page.get_by_role("dialog").get_by_role("button", name="End chat").click()
    await expect(chat.get_by_role("status")).to_contain_text("This chat has ended.")
    await expect(chat.get_by_role("textbox", name="Message")).to_have_count(0)
    await expect(customer_page.get_by_role("status", name="Status do chat")).to_contain_text("Este chat foi encerrado.")


async def test_a_dropped_connection_on_the_agents_side_loses_and_doubles_nothing(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    customer = await accounts(display_name="Dora Customer")
    later = await accounts(display_name="Late Customer")
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    tab = await open_tab()
    page = tab.page
    chat_id = await customer_starts_chat(customer, topic="Connection", first="First from the customer")
    await open_console(page, agent)
    await queue_row(page, customer).get_by_role("button", name=re.compile("^Accept")).click()
    chat = pane(page, customer)
    await customer_says(customer, chat_id, "Second from the customer")
    messages = messages_in(chat)
    await expect(messages).to_have_count(2)

    await tab.context.set_offline(True)
    await expect(chat.get_by_role("status")).to_contain_text("Reconnecting")
    await customer_says(customer, chat_id, "Sent while the agent was away 1")
    await customer_says(customer, chat_id, "Sent while the agent was away 2")
    later_id = await customer_starts_chat(later, topic="Arrived meanwhile", first="Hello?")
    box = chat.get_by_role("textbox", name="Message")
    await box.fill("Typed while offline")
    await box.press("Enter")
    await expect(messages).to_have_count(3)  # the agent's own, waiting to be sent

    await tab.context.set_offline(False)
    await expect(chat.get_by_role("status")).to_contain_text("Live", timeout=30_000)
    await expect(messages).to_have_count(5, timeout=30_000)
    await expect(messages.filter(has_text="Typed while offline")).to_contain_text("Sent", timeout=30_000)
    texts = await messages.all_inner_texts()
    for expected in ("Sent while the agent was away 1", "Sent while the agent was away 2", "Typed while offline"):
        assert sum(expected in text for text in texts) == 1, texts
    # The queue came back with what arrived meanwhile.
    await expect(queue_row(page, later)).to_contain_text("Arrived meanwhile", timeout=30_000)
    await later.client.chat.EndChat(chat_service_pb2.EndChatRequest(id=later_id))

    history = await customer.client.chat.ListChatMessages(
        chat_service_pb2.ListChatMessagesRequest(chat_id=chat_id, page_size=50)
    )
    assert [m.body for m in history.messages] == [
        "First from the customer",
        "Second from the customer",
        "Sent while the agent was away 1",
        "Sent while the agent was away 2",
        "Typed while offline",
    ]


async def test_transfer_hands_the_chat_to_another_agent_with_its_history(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    customer = await accounts(display_name="Tomas Customer")
    ana = await accounts(Role.AGENT, display_name="Ana Agent")
    bruno = await accounts(Role.AGENT, display_name="Bruno Agent")
    await go_online(bruno)
    chat_id = await customer_starts_chat(customer, topic="Refund", first="I need a refund.")
    await ana.client.chat.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat_id))
    ana_page = (await open_tab()).page
    bruno_page = (await open_tab()).page
    await open_console(ana_page, ana)
    await open_console(bruno_page, bruno)

    chat = pane(ana_page, customer)
    await expect(messages_in(chat)).to_have_count(1)
    bruno_list = bruno_page.get_by_role("list", name="My chats")
    await expect(bruno_page.get_by_text("Accept a chat from the queue to start.")).to_be_visible()
    # From here on Bruno's console can learn of the chat only from its live queue stream: it may not
    # read the list again (it used to, every 5 s), so nothing but the stream can show the transfer.
    await bruno_page.route(LIST_CHATS, lambda route: route.abort())
    await chat.get_by_role("button", name="Transfer").click()
    dialog = ana_page.get_by_role("dialog", name="Transfer the chat")
    await dialog.get_by_role("radio", name=re.compile(bruno.display_name)).check()
    await expect(dialog).to_contain_text("Online")
    await dialog.get_by_role("button", name="Transfer").click()
    await expect(chat.get_by_role("status")).to_contain_text(f"Transferred to {bruno.display_name}.")
    await expect(chat.get_by_role("textbox", name="Message")).to_have_count(0)

    # Bruno's console shows it at once (no reload, no polling): in his list, and open with its history.
    in_list = bruno_list.get_by_role("button", name=re.compile(customer.display_name))
    await expect(in_list).to_be_visible()
    theirs = pane(bruno_page, customer)
    await expect(messages_in(theirs)).to_have_count(1)
    told = bruno_page.get_by_role("status").filter(has_text="Now yours")
    await expect(told).to_have_text(f"Now yours: the chat with {customer.display_name}.")  # for screen readers
    await in_list.click()
    await theirs.get_by_role("textbox", name="Message").fill("Bruno here, refund on its way.")
    await theirs.get_by_role("textbox", name="Message").press("Enter")
    await expect(messages_in(chat)).to_have_count(2)  # Ana's pane still follows the conversation
    chats = await customer.client.chat.ListChats(chat_service_pb2.ListChatsRequest(page_size=5))
    assert chats.chats[0].agent_display_name == bruno.display_name


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_the_console_passes_axe_fits_every_size_and_screenshots(
    scheme: str, open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]], axe_script: Path
) -> None:
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    maria = await accounts(display_name="Maria Silva")
    joao = await accounts(display_name="João Souza")
    waiting = await accounts(display_name="Wendy Waiting")
    for customer, topic, first, answer in (
        (maria, "Charged twice", "Hello, I was charged twice this month.", "Hi Maria! Let me check that for you."),
        (joao, "Cannot sign in", "My password reset email never arrives.", "Let me resend it right now."),
    ):
        chat_id = await customer_starts_chat(customer, topic=topic, first=first)
        await agent.client.chat.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat_id))
        await agent.client.chat.SendChatMessage(
            chat_service_pb2.SendChatMessageRequest(chat_id=chat_id, body=answer, request_id=str(uuid.uuid4()))
        )
        for reader in (customer, agent):  # both have read everything, as their consoles would say
            await reader.client.chat.MarkRead(chat_service_pb2.MarkReadRequest(chat_id=chat_id, last_read_seq=2))
    await go_online(agent)
    waiting_id = await customer_starts_chat(waiting, topic="Shipping address", first="Can I change my address?")

    tab = await open_tab(color_scheme=scheme, bypass_csp=True)
    page = tab.page
    await open_console(page, agent)
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}

    async def check(name: str, ready: Locator, width: int, height: int) -> None:
        await expect(ready).to_be_visible()
        label = f"{name}-{width}x{height}-{scheme}"
        overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            problems.setdefault(label, []).append(f"scrolls sideways by {overflow}px")
        await page.screenshot(path=str(shots / f"{label}.png"))
        violations = await run_axe(page, axe_script)
        if violations:
            problems.setdefault(label, []).extend(violations)

    for width, height in (*SIZES, WIDE):
        await page.set_viewport_size({"width": width, "height": height})
        if width >= 768:
            # Maria's chat, focused last on the phone, is the pane a tablet has room for; a desktop shows both.
            for customer in (maria, joao) if width >= 1440 else (maria,):
                await expect(messages_in(pane(page, customer))).to_have_count(2)
        await check("agent-chats", queue_row(page, waiting), width, height)
        if width >= 1440:
            # The console lines up with the header (its logo on the left, the account menu on the right)
            # instead of running edge to edge on a wide screen.
            logo = await page.get_by_role("banner").get_by_role("link").first.bounding_box()
            title = await page.get_by_role("heading", name="Chats", level=1).bounding_box()
            last_pane = await pane(page, joao).bounding_box()
            assert logo is not None
            assert title is not None
            assert last_pane is not None
            view_width = await page.evaluate("document.documentElement.clientWidth")
            assert abs(title["x"] - logo["x"]) <= 1, (title, logo)
            # The header's content is centred: it ends as far from the right edge as it starts from the left.
            assert abs(last_pane["x"] + last_pane["width"] - (view_width - logo["x"])) <= 1, (last_pane, logo)
        if width < 768:
            await page.get_by_role("tab", name=re.compile(maria.display_name)).click()
            await check("agent-chats-tab", messages_in(pane(page, maria)).nth(1), width, height)
            await page.get_by_role("tab", name=re.compile("^Queue")).click()
    # The module's next tests start with an empty queue.
    await waiting.client.chat.EndChat(chat_service_pb2.EndChatRequest(id=waiting_id))
    if os.environ.get("HELPDESK_SCREENSHOTS_TO_DOCS") and scheme == "light":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shots / "agent-chats-1440x900-light.png", DOCS_SCREENSHOTS / "agent-chats-1440x900-light.png")
    assert not problems, json.dumps(problems, indent=2)
