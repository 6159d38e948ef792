"""Personal data through the real stack, in English and Portuguese: downloading one's own data from the
settings page; an admin downloading a customer's data and erasing them (typed confirmation, the etag
as seen, the erased row, the customer's open session ending), and a stale view refused."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable

import pytest
from google.protobuf import field_mask_pb2
from playwright.async_api import Locator, expect

from helpdesk.v1 import ticket_pb2, ticket_service_pb2, user_pb2, user_service_pb2
from server.core.context import Role
from tests.web.conftest import Account, OpenTab, sign_in

pytestmark = pytest.mark.slow


async def lines_taken_by(element: Locator, text: str) -> int:
    """How many lines `text` takes where it is written inside `element` (0 if it is not there)."""
    return int(
        await element.evaluate(
            """(element, text) => {
                const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                    const at = node.data.indexOf(text);
                    if (at < 0) continue;
                    const range = document.createRange();
                    range.setStart(node, at);
                    range.setEnd(node, at + text.length);
                    return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
                }
                return 0;
            }""",
            text,
        )
    )


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


async def test_an_admin_downloads_a_customers_data_then_erases_them_and_their_open_session_ends(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    customer = await accounts(display_name="Maria Silva")
    await customer.client.tickets.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(subject="Refund for order 7731", description="Charged twice."),
            request_id=str(uuid.uuid4()),
        )
    )
    customer_page = (await open_tab()).page
    await sign_in(customer_page, customer, then="/help")
    await expect(customer_page.get_by_role("heading", name="Help center")).to_be_visible()

    page = (await open_tab()).page
    await sign_in(page, admin, then=f"/admin/users?q={customer.email}")
    await page.get_by_role("button", name="Details of Maria Silva").click()
    details = page.get_by_role("dialog", name="Maria Silva")
    await expect(details).to_contain_text(customer.email)
    async with page.expect_download() as pending:
        await details.get_by_role("button", name="Download data").click()
    download = await pending.value
    document = json.loads((await download.path()).read_text())
    assert download.suggested_filename.endswith(".json")
    assert document["profile"]["email"] == customer.email
    assert [ticket["ticket"]["subject"] for ticket in document["tickets"]] == ["Refund for order 7731"]

    await details.get_by_role("button", name="Erase customer…").click()
    confirm = page.get_by_role("dialog", name="Erase Maria Silva for good?")
    await expect(confirm.get_by_text("This cannot be undone.")).to_be_visible()
    erase = confirm.get_by_role("button", name="Erase customer")
    await expect(erase).to_be_disabled()
    typed = confirm.get_by_label(f"To confirm, type their email: {customer.email}")
    # On a phone the address moves to a line of its own rather than break at its hyphen.
    await page.set_viewport_size({"width": 390, "height": 844})
    label = confirm.locator("label", has_text="To confirm, type their email:")
    assert await lines_taken_by(label, customer.email) == 1
    await page.set_viewport_size({"width": 1440, "height": 900})
    await typed.fill("someone-else@example.com")
    await expect(erase).to_be_disabled()
    await typed.fill(customer.email.upper())
    await expect(erase).to_be_enabled()
    await erase.click()

    await expect(page.get_by_role("status").filter(has_text="Maria Silva was erased")).to_be_visible()
    row = page.get_by_role("list", name="Users").get_by_role("listitem")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Erased customer")
    await expect(row.get_by_text("Erased", exact=True)).to_be_visible()
    await expect(row.get_by_role("button", name="Reactivate Erased customer")).to_have_count(0)
    await expect(page.get_by_text(customer.email)).to_have_count(0)
    assert customer.client.user is not None
    stored = await admin.client.users.GetUser(user_service_pb2.GetUserRequest(id=customer.client.user.id))
    assert stored.HasField("erase_time")
    assert not stored.active

    # The customer's tab still looks signed in; its next call is refused and ends the session.
    await customer_page.get_by_role("searchbox", name="Search the help center").fill("refund")
    await expect(customer_page.get_by_role("status").filter(has_text="Your session has ended")).to_be_visible()
    await expect(customer_page.get_by_role("button", name="Maria Silva")).to_have_count(0)
    await expect(customer_page.get_by_role("link", name="Sign in")).to_be_visible()


async def test_erasing_with_a_stale_view_of_the_customer_is_refused_in_portuguese_and_erases_nothing(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    customer = await accounts(display_name="João Souza")
    assert customer.client.user is not None
    page = (await open_tab(locale="pt-BR")).page
    await page.goto("/sign-in")
    await page.get_by_label("E-mail").fill(admin.email)
    await page.get_by_label("Senha").fill(admin.password)
    await page.get_by_role("button", name="Entrar").click()
    await expect(page.get_by_role("button", name=admin.display_name)).to_be_visible()
    await page.goto(f"/admin/users?q={customer.email}")
    await page.get_by_role("button", name="Detalhes de João Souza").click()
    await page.get_by_role("dialog", name="João Souza").get_by_role("button", name="Apagar cliente…").click()
    confirm = page.get_by_role("dialog", name="Apagar João Souza de vez?")
    await expect(confirm.get_by_text("Esta ação não pode ser desfeita.")).to_be_visible()
    await confirm.get_by_label(f"Para confirmar, digite o e-mail: {customer.email}").fill(customer.email)

    # Meanwhile another admin renames the customer: what this admin looked at is no longer the account.
    await admin.client.users.UpdateUser(
        user_service_pb2.UpdateUserRequest(
            user=user_pb2.User(id=customer.client.user.id, display_name="João P. Souza"),
            update_mask=field_mask_pb2.FieldMask(paths=["display_name"]),
        )
    )
    await confirm.get_by_role("button", name="Apagar cliente").click()

    await expect(confirm.get_by_role("alert")).to_contain_text("João Souza foi alterado por outra pessoa")
    stored = await admin.client.users.GetUser(user_service_pb2.GetUserRequest(id=customer.client.user.id))
    assert not stored.HasField("erase_time")
    assert stored.active
    await confirm.get_by_role("button", name="Cancelar").click()
    await expect(page.get_by_role("list", name="Usuários")).to_contain_text("João P. Souza")
