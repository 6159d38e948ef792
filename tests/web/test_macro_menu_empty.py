"""Before anything is written (this module's database has no macro and no canned response): the
ticket page's macro menu leads an administrator to the macros page to create one and tells an agent
there are none, in English and Portuguese; the canned responses page offers no search until there
is a response to search.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import expect

from server.core.context import Role
from tests.web.conftest import Account, OpenTab, sign_in
from tests.web.test_admin_settings import sign_in_pt
from tests.web.test_workspace import open_ticket

pytestmark = pytest.mark.slow

MakeAccount = Callable[..., Awaitable[Account]]


async def test_with_no_macros_an_admin_is_led_to_create_one_and_an_agent_reads_there_are_none(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    agent = await accounts(Role.AGENT, display_name="Kim Agent")
    customer = await accounts(display_name="Rita Customer")
    ticket = await open_ticket(customer, "Where are the macros")

    page = (await open_tab()).page
    await sign_in(page, admin, then=f"/agent/tickets/{ticket.id}")
    await page.get_by_role("button", name="Macros").click()
    menu = page.get_by_role("dialog", name="Apply a macro")
    await expect(menu).to_contain_text("No macros yet.")
    create = menu.get_by_role("link", name="Create a macro")
    await expect(create).to_have_attribute("href", "/admin/macros")
    await create.click()
    await expect(page.get_by_role("heading", name="Macros", exact=True)).to_be_visible()
    assert page.url.endswith("/admin/macros")

    agent_page = (await open_tab(locale="pt-BR")).page
    await sign_in_pt(agent_page, agent, then=f"/agent/tickets/{ticket.id}")
    await agent_page.get_by_role("button", name="Macros").click()
    agent_menu = agent_page.get_by_role("dialog", name="Aplicar uma macro")
    await expect(agent_menu).to_contain_text("Ainda não há macros. Um administrador pode criá-las.")
    await expect(agent_menu.get_by_role("link")).to_have_count(0)

    english = (await open_tab()).page
    await sign_in(english, agent, then=f"/agent/tickets/{ticket.id}")
    await english.get_by_role("button", name="Macros").click()
    await expect(english.get_by_role("dialog", name="Apply a macro")).to_contain_text(
        "No macros yet. An administrator can create them."
    )


async def test_with_no_canned_responses_there_is_nothing_to_search_until_the_first_is_written(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    agent = await accounts(Role.AGENT, display_name="Kim Agent")
    page = (await open_tab()).page
    await sign_in(page, agent, then="/agent/canned-responses")
    await expect(page.get_by_text("No canned responses yet")).to_be_visible()
    search = page.get_by_role("searchbox", name="Search canned responses")
    await expect(search).to_have_count(0)

    await page.get_by_role("button", name="New canned response").click()
    dialog = page.get_by_role("dialog", name="New canned response")
    await dialog.get_by_label("Title").fill("Refund on its way")
    await dialog.get_by_label("Text", exact=True).fill("Your refund is on its way.")
    await dialog.get_by_role("button", name="Create").click()
    await expect(page.get_by_role("list", name="Canned responses").get_by_role("listitem")).to_have_count(1)
    await expect(search).to_be_visible()
    # A search matching nothing keeps its box, to change or clear it.
    await search.fill("chargeback")
    await expect(page.get_by_text("No canned response matches.")).to_be_visible()
    await expect(search).to_be_visible()
    await search.fill("")
    await expect(page.get_by_role("list", name="Canned responses").get_by_role("listitem")).to_have_count(1)
