"""Downloading one's own data from the settings page, through the real stack, in English and Portuguese."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import expect

from helpdesk.v1 import ticket_pb2, ticket_service_pb2
from tests.web.conftest import Account, OpenTab, sign_in

pytestmark = pytest.mark.slow


async def test_a_customer_downloads_their_data_as_one_json_file(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    customer = await accounts(display_name="Maria Silva")
    await customer.client.tickets.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(subject="Refund for order 7731", description="Charged twice."),
            request_id=str(uuid.uuid4()),
        )
    )
    tab = await open_tab()
    page = tab.page
    await sign_in(page, customer, then="/settings")
    await expect(page.get_by_role("heading", name="Your data")).to_be_visible()

    async with page.expect_download() as pending:
        await page.get_by_role("button", name="Download my data").click()
    download = await pending.value
    document = json.loads((await download.path()).read_text())

    assert download.suggested_filename.startswith("helpdesk-my-data-")
    assert download.suggested_filename.endswith(".json")
    assert document["profile"]["email"] == customer.email
    assert document["profile"]["displayName"] == "Maria Silva"
    assert [ticket["ticket"]["subject"] for ticket in document["tickets"]] == ["Refund for order 7731"]
    assert document["sessions"]


async def test_the_download_button_speaks_portuguese(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    customer = await accounts()
    tab = await open_tab(locale="pt-BR")
    page = tab.page
    await page.goto("/sign-in")
    await page.get_by_label("E-mail").fill(customer.email)
    await page.get_by_label("Senha").fill(customer.password)
    await page.get_by_role("button", name="Entrar").click()
    await expect(page.get_by_role("button", name=customer.display_name)).to_be_visible()
    await page.goto("/settings")

    async with page.expect_download() as pending:
        await page.get_by_role("button", name="Baixar meus dados").click()

    assert json.loads((await (await pending.value).path()).read_text())["profile"]["email"] == customer.email
