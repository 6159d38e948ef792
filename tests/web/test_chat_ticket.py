"""A chat turned into a ticket from the console: the button makes it once and links to it, and the
ticket page opens with the chat's transcript."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import expect

from helpdesk.v1 import chat_service_pb2, ticket_service_pb2
from server.core.context import Role
from tests.web.conftest import Account, OpenTab
from tests.web.test_agent_chat import customer_says, customer_starts_chat, messages_in, open_console, pane

pytestmark = pytest.mark.slow


async def test_an_agent_turns_a_chat_into_a_ticket_once_and_opens_it(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    customer = await accounts(display_name="Tina Customer")
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    chat_id = await customer_starts_chat(customer, topic="Broken invoice", first="My invoice shows the wrong address.")
    await agent.client.chat.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat_id))
    await customer_says(customer, chat_id, "It should say Rua Augusta 500.")

    page = (await open_tab()).page
    await open_console(page, agent)
    chat = pane(page, customer)
    await expect(messages_in(chat)).to_have_count(2)
    await chat.get_by_role("button", name="Create ticket").click()
    link = chat.get_by_role("link", name="Open ticket")
    await expect(link).to_be_visible()
    stored = await agent.client.chat.GetChat(chat_service_pb2.GetChatRequest(id=chat_id))
    assert stored.ticket_id
    await expect(link).to_have_attribute("href", f"/agent/tickets/{stored.ticket_id}")
    tickets = await customer.client.tickets.ListTickets(ticket_service_pb2.ListTicketsRequest(page_size=10))
    assert [ticket.id for ticket in tickets.tickets] == [stored.ticket_id]

    await link.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Chat: Broken invoice")
    await expect(page.get_by_role("list", name="Conversation")).to_contain_text("It should say Rua Augusta 500.")
