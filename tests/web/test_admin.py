"""The admin console and the knowledge-base editor: adding staff with the API's field errors at their
fields, deactivating an agent who is signed in elsewhere (their next action signs them out), writing
and publishing an article with a live preview, and a stale etag on publish keeping the edit."""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from google.protobuf import field_mask_pb2
from playwright.async_api import Page, expect

from helpdesk.v1 import article_pb2, knowledge_service_pb2, user_pb2, user_service_pb2
from server.core.context import Role
from tests.web.conftest import ARTIFACTS, PASSWORD, Account, OpenTab, sign_in
from tests.web.test_help_center import publish
from tests.web.test_pages import DOCS_SCREENSHOTS, check_page

pytestmark = pytest.mark.slow


async def sign_in_pt(page: Page, account: Account) -> None:
    """Signs `account` in through the app's form in Brazilian Portuguese."""
    await page.goto("/sign-in")
    await page.get_by_label("E-mail").fill(account.email)
    await page.get_by_label("Senha").fill(account.password)
    await page.get_by_role("button", name="Entrar").click()
    await expect(page.get_by_role("button", name=account.display_name)).to_be_visible()


async def test_admin_adds_an_agent_fixing_the_field_the_server_refused_in_portuguese(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    page = (await open_tab(locale="pt-BR")).page
    await sign_in_pt(page, admin)
    # An admin's home is the admin console, also in the navigation.
    await expect(page.get_by_role("heading", name="Usuários", exact=True)).to_be_visible()
    assert page.url.endswith("/admin/users")
    await expect(page.get_by_role("navigation", name="Principal").get_by_role("link", name="Admin")).to_be_visible()

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


async def test_an_agent_writes_previews_and_publishes_an_article_a_customer_then_finds(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    customer = await accounts(display_name="Maria Silva")
    word = f"quokka{uuid.uuid4().hex[:6]}"
    vat = await publish(agent, f"VAT on {word} invoices", "Prices include VAT.")
    page = (await open_tab()).page
    await sign_in(page, agent, then="/agent/articles")
    await page.get_by_role("link", name="New article").click()
    await expect(page.get_by_role("heading", name="New article")).to_be_visible()
    await page.get_by_label("Title").fill(f"Export your {word} invoices")
    await page.get_by_label("Category").fill("billing")
    await page.get_by_label("Tags").fill("invoice, Export")
    await page.get_by_label("Body", exact=True).fill(
        f"## Where\n\nOpen **Billing**, then *Invoices* ({word}).\n\n"
        "- Pick a month\n- Press Export\n\n<img src=x onerror=alert(1)>"
    )
    # The shared picker finds a published article and puts a Markdown link to it at the cursor.
    await page.get_by_role("button", name="Insert article link").click()
    picker = page.get_by_role("dialog", name="Insert a help article link")
    await picker.get_by_role("searchbox", name="Search published articles").fill(f"{word} vat")
    matches = picker.get_by_role("list", name="Matching articles")
    await matches.get_by_role("button", name=f"VAT on {word} invoices").click()
    await expect(picker).to_be_hidden()
    await expect(page.get_by_label("Body", exact=True)).to_have_value(
        re.compile(re.escape(f"[VAT on {word} invoices](/help/{vat.slug})") + "$")
    )
    # The live preview renders Markdown as elements and any markup as plain text.
    preview = page.get_by_role("region", name="Preview")
    await expect(preview.get_by_role("heading", name="Where")).to_be_visible()
    await expect(preview.locator("strong")).to_have_text("Billing")
    await expect(preview.get_by_role("listitem")).to_have_count(2)
    link = preview.get_by_role("link", name=f"VAT on {word} invoices")
    await expect(link).to_have_attribute("href", f"/help/{vat.slug}")
    await expect(preview).to_contain_text("<img src=x onerror=alert(1)>")
    assert await preview.locator("img").count() == 0

    await page.get_by_role("button", name="Save and publish").click()
    await expect(page.get_by_role("status").filter(has_text="Published")).to_be_visible()
    await expect(page.get_by_text("Published", exact=True)).to_be_visible()  # the state badge

    reader = (await open_tab()).page
    await sign_in(reader, customer, then="/help")
    await reader.get_by_role("searchbox", name="Search the help center").fill(word)
    await reader.get_by_role("link", name=f"Export your {word} invoices").click()
    await expect(reader.get_by_role("heading", level=1)).to_have_text(f"Export your {word} invoices")
    await expect(reader.get_by_role("article").locator("strong")).to_have_text("Billing")

    # Unpublished, it is a draft again: gone from the help center.
    await page.get_by_role("button", name="Unpublish").click()
    await expect(page.get_by_role("status").filter(has_text="Unpublished")).to_be_visible()
    await expect(page.get_by_text("Draft", exact=True)).to_be_visible()
    await reader.reload()
    await expect(reader.get_by_role("heading", name="Article not found")).to_be_visible()


async def test_a_stale_etag_on_publish_shows_their_version_and_keeps_the_edit(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    other = await accounts(Role.AGENT, display_name="Bea Agent")
    draft = await agent.client.knowledge.CreateArticle(
        knowledge_service_pb2.CreateArticleRequest(
            article=article_pb2.Article(title="Refund policy", body="Refunds take 5 days."),
            request_id=str(uuid.uuid4()),
        )
    )
    page = (await open_tab()).page
    await sign_in(page, agent, then=f"/agent/articles/{draft.id}")
    body = page.get_by_label("Body", exact=True)
    await expect(body).to_have_value("Refunds take 5 days.")
    await body.fill("Refunds take 3 working days.")

    # Meanwhile another agent edits the same draft: the version the editor holds is now stale.
    await other.client.knowledge.UpdateArticle(
        knowledge_service_pb2.UpdateArticleRequest(
            article=article_pb2.Article(id=draft.id, title="Refund policy (2026)", etag=draft.etag)
        )
    )
    await page.get_by_role("button", name="Save and publish").click()
    conflict = page.get_by_role("alert").filter(has_text="Someone else changed this article meanwhile")
    await expect(conflict).to_be_visible()
    await expect(conflict.get_by_text("Refund policy (2026)")).to_be_visible()
    await expect(body).to_have_value("Refunds take 3 working days.")
    stored = await agent.client.knowledge.GetArticle(knowledge_service_pb2.GetArticleRequest(id=draft.id))
    assert (stored.state, stored.body) == (article_pb2.ARTICLE_STATE_DRAFT, "Refunds take 5 days.")

    await conflict.get_by_role("button", name="Keep my edit").click()
    await page.get_by_role("button", name="Save and publish").click()
    await expect(page.get_by_role("status").filter(has_text="Published")).to_be_visible()
    stored = await agent.client.knowledge.GetArticle(knowledge_service_pb2.GetArticleRequest(id=draft.id))
    assert (stored.state, stored.body) == (article_pb2.ARTICLE_STATE_PUBLISHED, "Refunds take 3 working days.")


# The README shows these (docs/screenshots/), refreshed by `make screenshots`.
README_SHOTS = ("admin-users-1440x900-light", "article-editor-1440x900-dark")


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_staff_pages_pass_axe_fit_every_size_and_screenshot(
    scheme: str, open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]], axe_script: Path
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    await accounts(Role.AGENT, display_name="Bea Agent")
    customer = await accounts(display_name="Maria Silva")
    assert agent.client.user is not None
    await admin.client.users.UpdateUser(  # a deactivated user in the list too
        user_service_pb2.UpdateUserRequest(
            user=user_pb2.User(id=agent.client.user.id, active=False),
            update_mask=field_mask_pb2.FieldMask(paths=["active"]),
        )
    )
    await publish(admin, "Change the card you pay with", "Open **Billing**, then *Payment method*.")
    draft = await admin.client.knowledge.CreateArticle(
        knowledge_service_pb2.CreateArticleRequest(
            article=article_pb2.Article(
                title="Export your invoices",
                body="## Where\n\nOpen **Billing**, then *Invoices*.\n\n- Pick a month\n- Press **Export**",
                category="billing",
                tags=["invoice", "export"],
            ),
            request_id=str(uuid.uuid4()),
        )
    )
    page = (await open_tab(color_scheme=scheme, bypass_csp=True)).page
    await sign_in(page, admin)
    problems: dict[str, list[str]] = {}
    for name, path, heading in (
        ("admin-users", "/admin/users?inactive=1", "Users"),
        ("articles", "/agent/articles", "Articles"),
        ("article-editor", f"/agent/articles/{draft.id}", "Edit article"),
        ("article-new", "/agent/articles/new", "New article"),
        ("admin-status", "/admin/status", "System status"),
    ):
        await page.set_viewport_size({"width": 1440, "height": 900})
        await page.goto(path)
        if name == "admin-status":
            # grpc.health.v1 through the gateway: the server and each API service report SERVING.
            await expect(page.get_by_role("status").filter(has_text="All services are operational")).to_be_visible()
            services = page.get_by_role("list", name="Services").get_by_role("listitem")
            await expect(services).to_have_count(6)
            await expect(services.filter(has_text="Tickets")).to_contain_text("Serving")
        await check_page(page, name=name, heading=heading, scheme=scheme, axe_script=axe_script, problems=problems)
        # The admin sections are linked once, by the tabs: the page's header adds no second way to one.
        if name == "admin-users":
            await expect(page.get_by_role("link", name="System status")).to_have_count(1)
            # The role pickers line up from row to row, a deactivated user's (Reactivate) as any other's.
            rows = page.get_by_role("list", name="Users").get_by_role("listitem")
            await expect(rows.get_by_role("button", name="Reactivate Alex Agent").first).to_be_visible()
            lefts = await rows.locator("select").evaluate_all("(all) => all.map((s) => s.getBoundingClientRect().left)")
            assert len(lefts) >= 4
            assert len(set(lefts)) == 1, lefts
        if name == "admin-status":
            await expect(page.get_by_role("link", name="Users")).to_have_count(1)
    # A customer's details, and the erasure's confirmation with the email typed.
    await page.set_viewport_size({"width": 1440, "height": 900})
    await page.goto(f"/admin/users?q={customer.email}")
    await page.get_by_role("button", name="Details of Maria Silva").click()
    await check_page(
        page, name="admin-user-details", heading="Maria Silva", scheme=scheme, axe_script=axe_script, problems=problems
    )
    await page.get_by_role("button", name="Erase customer…").click()
    await page.get_by_label(f"To confirm, type their email: {customer.email}").fill(customer.email)
    await check_page(
        page,
        name="admin-erase",
        heading="Erase Maria Silva for good?",
        scheme=scheme,
        axe_script=axe_script,
        problems=problems,
    )
    if os.environ.get("HELPDESK_SCREENSHOTS_TO_DOCS"):
        for shot in README_SHOTS:
            if shot.endswith(scheme):
                shutil.copy(ARTIFACTS / "screenshots" / f"{shot}.png", DOCS_SCREENSHOTS / f"{shot}.png")
    assert not problems, json.dumps(problems, indent=2)
