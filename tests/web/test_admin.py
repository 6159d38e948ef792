"""The admin console: adding staff with the API's field errors at their fields, and deactivating an
agent who is signed in elsewhere (their next action signs them out)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import Page, expect

from helpdesk.v1 import user_pb2, user_service_pb2
from server.core.context import Role
from tests.web.conftest import PASSWORD, Account, OpenTab, sign_in

pytestmark = pytest.mark.slow


async def sign_in_pt(page: Page, account: Account, *, then: str) -> None:
    """Signs `account` in through the app's form in Brazilian Portuguese, then opens `then`."""
    await page.goto("/sign-in")
    await page.get_by_label("E-mail").fill(account.email)
    await page.get_by_label("Senha").fill(account.password)
    await page.get_by_role("button", name="Entrar").click()
    await expect(page.get_by_role("button", name=account.display_name)).to_be_visible()
    await page.goto(then)


async def test_admin_adds_an_agent_fixing_the_field_the_server_refused_in_portuguese(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    page = (await open_tab(locale="pt-BR")).page
    await sign_in_pt(page, admin, then="/admin/users")
    await expect(page.get_by_role("heading", name="Usuários", exact=True)).to_be_visible()

    await page.get_by_role("button", name="Adicionar usuário").click()
    dialog = page.get_by_role("dialog", name="Adicionar usuário")
    await dialog.get_by_label("Nome").fill("Nina Nova")
    # Plausible to the browser, refused by the server (no dotted domain): its BadRequest names user.email.
    await dialog.get_by_label("E-mail").fill("nina@localhost")
    await dialog.get_by_label("Senha inicial").fill(PASSWORD)
    await dialog.get_by_role("button", name="Adicionar usuário").click()
    email = dialog.get_by_label("E-mail")
    await expect(email).to_have_attribute("aria-invalid", "true")
    await expect(email).to_be_focused()
    await expect(dialog.get_by_text("Informe um e-mail válido.")).to_be_visible()

    address = f"nina-{admin.email.split('@')[0]}@example.com"
    await email.fill(address)
    await expect(dialog.get_by_text("Informe um e-mail válido.")).to_have_count(0)
    await dialog.get_by_role("button", name="Adicionar usuário").click()
    await expect(page.get_by_role("status").filter(has_text="Nina Nova foi adicionado")).to_be_visible()
    row = page.get_by_role("list", name="Usuários").get_by_role("listitem").filter(has_text=address)
    await expect(row.get_by_role("combobox", name="Papel de Nina Nova")).to_have_value("2")  # ROLE_AGENT

    listed = await admin.client.users.ListUsers(user_service_pb2.ListUsersRequest(query=address))
    assert [(u.email, u.role, u.active) for u in listed.users] == [(address, user_pb2.ROLE_AGENT, True)]


async def test_deactivating_an_agent_signs_them_out_at_their_next_action(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    agent = await accounts(Role.AGENT, display_name="Otto Agent")
    agent_page = (await open_tab()).page
    await sign_in(agent_page, agent, then="/help")
    await expect(agent_page.get_by_role("heading", name="Help center")).to_be_visible()

    page = (await open_tab()).page
    await sign_in(page, admin, then="/admin/users")
    await page.get_by_role("searchbox", name="Search users").fill(agent.email)
    await page.get_by_role("button", name="Deactivate Otto Agent").click()
    confirm = page.get_by_role("dialog", name="Deactivate Otto Agent?")
    await confirm.get_by_role("button", name="Deactivate").click()
    await expect(page.get_by_role("status").filter(has_text="Otto Agent was deactivated")).to_be_visible()
    await expect(page.get_by_role("button", name="Deactivate Otto Agent")).to_have_count(0)

    # The agent's tab still looks signed in; the first call it makes is refused and ends the session.
    await agent_page.get_by_role("searchbox", name="Search the help center").fill("password")
    await expect(agent_page.get_by_role("status").filter(has_text="Your session has ended")).to_be_visible()
    await expect(agent_page.get_by_role("button", name="Otto Agent")).to_have_count(0)
    await expect(agent_page.get_by_role("link", name="Sign in")).to_be_visible()

    # Reactivated, the agent signs in again.
    await page.get_by_role("checkbox", name="Show deactivated users").check()
    await page.get_by_role("button", name="Reactivate Otto Agent").click()
    await expect(page.get_by_role("status").filter(has_text="Otto Agent can sign in again")).to_be_visible()
    await sign_in(agent_page, agent)
