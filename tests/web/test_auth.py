"""Registering, signing in and staying signed in, in Brazilian Portuguese, through the real stack."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable

import grpc
import pytest
from playwright.async_api import expect

from helpdesk.client import HelpdeskError
from helpdesk.v1 import auth_service_pb2
from tests.web.conftest import PASSWORD, Account, OpenTab

pytestmark = pytest.mark.slow

XSS = "<img src=x onerror=alert(1)>"


async def test_register_then_sign_out_and_in_again_in_portuguese(open_tab: OpenTab) -> None:
    tab = await open_tab(locale="pt-BR")
    page = tab.page
    email = f"novo-{uuid.uuid4().hex[:10]}@example.com"
    await page.goto("/register")
    await expect(page.get_by_role("heading", name="Crie sua conta")).to_be_visible()
    # A display name that is markup shows as the text it is (and no dialog fires: see conftest).
    await page.get_by_label("Seu nome").fill(XSS)
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Senha").fill(PASSWORD)
    await page.get_by_role("button", name="Criar conta").click()

    await expect(page.get_by_role("heading", name="Meus chamados")).to_be_visible()
    account_menu = page.get_by_role("button", name=XSS)
    await expect(account_menu).to_be_visible()
    assert await page.locator("img[src='x']").count() == 0

    await account_menu.click()
    await page.get_by_role("button", name="Sair").click()
    await expect(page.get_by_role("heading", name="Entrar no Helpdesk")).to_be_visible()

    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Senha").fill(PASSWORD)
    await page.get_by_role("button", name="Entrar").click()
    await expect(page.get_by_role("heading", name="Meus chamados")).to_be_visible()


async def test_an_api_field_error_is_shown_at_its_field_in_the_users_language(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    existing = await accounts()
    tab = await open_tab(locale="pt-BR")
    page = tab.page
    await page.goto("/register")
    await page.get_by_label("Seu nome").fill("Outra Pessoa")
    await page.get_by_label("E-mail").fill(existing.email)
    await page.get_by_label("Senha").fill(PASSWORD)
    await page.get_by_role("button", name="Criar conta").click()

    # The server refuses the taken email; the message sits under the email field, tied to it.
    email = page.get_by_label("E-mail")
    await expect(email).to_have_attribute("aria-invalid", "true")
    await expect(email).to_have_accessible_description("Já existe uma conta com este e-mail.")
    await expect(email).to_be_focused()
    await expect(page.get_by_label("Senha")).not_to_have_attribute("aria-invalid", "true")


async def test_wrong_password_says_so_without_naming_which_part(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    existing = await accounts()
    tab = await open_tab()
    page = tab.page
    await page.goto("/sign-in")
    await page.get_by_label("Email").fill(existing.email)
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("The email or password is incorrect.")


async def test_a_reload_keeps_the_session_and_signing_out_ends_it_on_the_server(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    customer = await accounts(display_name="Reload Tester")
    tab = await open_tab()
    page = tab.page
    await page.goto("/sign-in")
    await page.get_by_label("Email").fill(customer.email)
    await page.get_by_label("Password").fill(customer.password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="My tickets")).to_be_visible()

    await page.reload()
    await expect(page.get_by_role("heading", name="My tickets")).to_be_visible()
    await expect(page.get_by_role("button", name="Reload Tester")).to_be_visible()
    # Only the refresh token is kept (in sessionStorage, tagged with the tab that owns it).
    kept = json.loads(await page.evaluate("window.sessionStorage.getItem('helpdesk.refreshToken')"))
    stored = kept["token"]
    assert len(stored) >= 20
    # The access token lives in memory only.
    assert "eyJ" not in await page.evaluate("JSON.stringify({...window.sessionStorage, ...window.localStorage})")

    await page.get_by_role("button", name="Reload Tester").click()
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in to Helpdesk")).to_be_visible()
    assert await page.evaluate("window.sessionStorage.getItem('helpdesk.refreshToken')") is None
    # Signed out on the server too: the browser's last refresh token is revoked.
    with pytest.raises(HelpdeskError) as refused:
        await customer.client.auth.RefreshToken(auth_service_pb2.RefreshTokenRequest(refresh_token=stored))
    assert refused.value.status_code == grpc.StatusCode.UNAUTHENTICATED
