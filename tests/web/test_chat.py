"""Live chat in the browser with an agent answering through the Python client (native gRPC, same gateway).

The page follows the chat over StreamChat (gRPC-Web); when the connection drops it shows that it is
reconnecting, and once back it shows what it missed, each message exactly once, in order, and
sends what the customer typed meanwhile.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import Page, expect

from helpdesk.v1 import chat_service_pb2
from server.core.context import Role
from tests.web.conftest import Account, OpenTab, sign_in

pytestmark = pytest.mark.slow

XSS = "<img src=x onerror=alert(1)>"


async def start_chat(page: Page, customer: Account, agent: Account, *, topic: str, first: str) -> str:
    """Starts a chat from the page; the agent accepts it. Returns the chat's id."""
    await page.goto("/chat")
    await page.get_by_label("Topic").fill(topic)
    await page.get_by_role("textbox", name="Message").fill(first)
    await page.get_by_role("button", name="Start chat").click()
    status = page.get_by_role("status", name="Chat status")
    await expect(status).to_contain_text("Waiting for an agent")
    chats = await customer.client.chat.ListChats(chat_service_pb2.ListChatsRequest(page_size=5))
    chat_id = chats.chats[0].id
    await agent.client.chat.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat_id))
    await expect(status).to_contain_text(f"You are chatting with {agent.display_name}.")
    return chat_id


async def agent_says(agent: Account, chat_id: str, body: str) -> None:
    """One message from the agent (with its own request id, as a real client sends)."""
    await agent.client.chat.SendChatMessage(
        chat_service_pb2.SendChatMessageRequest(chat_id=chat_id, body=body, request_id=str(uuid.uuid4()))
    )


async def test_chat_with_an_agent_answering_live(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    customer = await accounts(display_name="Chat Customer")
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    tab = await open_tab()
    page = tab.page
    await sign_in(page, customer)
    chat_id = await start_chat(page, customer, agent, topic=f"Billing {XSS}", first="Hello, I was charged twice.")

    messages = page.get_by_role("list", name="Messages").get_by_role("listitem")
    await expect(messages).to_have_count(1)
    await agent_says(agent, chat_id, f"Hi! Let me check. {XSS}")
    await expect(messages).to_have_count(2)
    await expect(messages.nth(1)).to_contain_text(f"Hi! Let me check. {XSS}")

    composer = page.get_by_role("textbox", name="Message")
    await composer.fill(f"Thanks {XSS}")
    await composer.press("Enter")
    await expect(messages).to_have_count(3)
    await expect(messages.nth(2)).to_contain_text("Sent")
    assert await page.locator("img[src='x']").count() == 0

    history = await agent.client.chat.ListChatMessages(
        chat_service_pb2.ListChatMessagesRequest(chat_id=chat_id, page_size=50)
    )
    assert [m.body for m in history.messages] == [
        "Hello, I was charged twice.",
        f"Hi! Let me check. {XSS}",
        f"Thanks {XSS}",
    ]


async def test_a_dropped_connection_mid_chat_loses_and_doubles_nothing(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    customer = await accounts(display_name="Offline Customer")
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    tab = await open_tab()
    page = tab.page
    await sign_in(page, customer)
    chat_id = await start_chat(page, customer, agent, topic="Connection", first="First from the customer")
    await agent_says(agent, chat_id, "First from the agent")
    messages = page.get_by_role("list", name="Messages").get_by_role("listitem")
    await expect(messages).to_have_count(2)

    await tab.context.set_offline(True)
    status = page.get_by_role("status", name="Chat status")
    await expect(status).to_contain_text("Reconnecting")
    await agent_says(agent, chat_id, "Sent while you were away 1")
    await agent_says(agent, chat_id, "Sent while you were away 2")
    composer = page.get_by_role("textbox", name="Message")
    await composer.fill("Typed while offline")
    await composer.press("Enter")
    await expect(messages).to_have_count(3)  # the customer's own, waiting to be sent

    await tab.context.set_offline(False)
    await expect(status).to_contain_text("You are chatting with Alex Agent.", timeout=30_000)
    await expect(messages).to_have_count(5, timeout=30_000)
    await expect(messages.filter(has_text="Typed while offline")).to_contain_text("Sent", timeout=30_000)
    texts = await messages.all_inner_texts()
    for expected in ("Sent while you were away 1", "Sent while you were away 2", "Typed while offline"):
        assert sum(expected in text for text in texts) == 1, texts

    history = await agent.client.chat.ListChatMessages(
        chat_service_pb2.ListChatMessagesRequest(chat_id=chat_id, page_size=50)
    )
    assert [m.body for m in history.messages] == [
        "First from the customer",
        "First from the agent",
        "Sent while you were away 1",
        "Sent while you were away 2",
        "Typed while offline",
    ]
