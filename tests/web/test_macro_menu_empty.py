"""The ticket page's macro menu before any macro exists (this module's database has none): an
administrator is led to the macros page to create one, an agent reads that there are none, in
English and Portuguese.
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
