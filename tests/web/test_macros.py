"""The ticket page's macro menu: a macro applied from the browser changes status, tags and the
conversation at once; applied on a ticket someone else changed meanwhile, it is refused with the
"changed by someone else" notice and the fresh ticket, and applies on the fresh version; its
assignee steps read whom they assign to, in English and Portuguese.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import Page, expect

from helpdesk.v1 import macro_pb2, macro_service_pb2, ticket_pb2, ticket_service_pb2
from server.core.context import Role
from tests.web.conftest import Account, OpenTab, sign_in
from tests.web.test_admin_settings import sign_in_pt
from tests.web.test_workspace import WATCH, open_ticket, user_id

pytestmark = pytest.mark.slow

MakeAccount = Callable[..., Awaitable[Account]]
SignIn = Callable[..., Awaitable[None]]


async def refund_macro(admin: Account) -> macro_pb2.Macro:
    """A macro that replies, tags `refund` and resolves, written by `admin`."""
    name = f"Refund issued {uuid.uuid4().hex[:6]}"
    return await admin.client.macros.CreateMacro(
        macro_service_pb2.CreateMacroRequest(
            macro=macro_pb2.Macro(
                name=name,
                description="Tell the customer, tag it and resolve.",
                actions=[
                    macro_pb2.MacroAction(
                        add_message=macro_pb2.MacroMessage(
                            body="Hi {{customer.first_name}}, your refund is on its way."
                        )
                    ),
                    macro_pb2.MacroAction(add_tags=macro_pb2.MacroTags(tags=["refund"])),
                    macro_pb2.MacroAction(set_status=ticket_pb2.TICKET_STATUS_RESOLVED),
                ],
            ),
            request_id=str(uuid.uuid4()),
        )
    )


async def apply(page: Page, macro: macro_pb2.Macro) -> None:
    """Opens the macro menu and applies `macro`."""
    await page.get_by_role("button", name="Macros").click()
    menu = page.get_by_role("dialog", name="Apply a macro")
    choice = menu.get_by_role("list", name="Macros").get_by_role("button", name=macro.name)
    await expect(choice).to_contain_text("Reply · Add tags: refund · Status: Resolved")
    await choice.click()
    await expect(menu).to_be_hidden()


async def test_a_macro_changes_status_tags_and_conversation_at_once(open_tab: OpenTab, accounts: MakeAccount) -> None:
    admin = await accounts(Role.ADMIN)
    customer = await accounts(display_name="Rita Customer")
    agent = await accounts(Role.AGENT, display_name="Kim Agent")
    macro = await refund_macro(admin)
    ticket = await open_ticket(customer, "Charged twice for one order")

    page = (await open_tab()).page
    await sign_in(page, agent, then=f"/agent/tickets/{ticket.id}")
    await expect(page.get_by_label("Status")).to_have_value("open")
    await apply(page, macro)
    await expect(page.get_by_label("Status")).to_have_value("resolved")
    await expect(page.get_by_label("Tags")).to_have_value("refund")
    conversation = page.get_by_role("list", name="Conversation")
    await expect(conversation.get_by_role("listitem")).to_have_count(2)
    await expect(conversation.get_by_role("listitem").nth(1)).to_contain_text("Hi Rita, your refund is on its way.")

    stored = await agent.client.tickets.GetTicket(ticket_service_pb2.GetTicketRequest(id=ticket.id))
    assert stored.status == ticket_pb2.TICKET_STATUS_RESOLVED
    assert list(stored.tags) == ["refund"]


async def test_a_macro_on_a_ticket_changed_meanwhile_shows_the_fresh_ticket(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    admin = await accounts(Role.ADMIN)
    customer = await accounts(display_name="Rita Customer")
    alice = await accounts(Role.AGENT, display_name="Alice Agent")
    bob = await accounts(Role.AGENT, display_name="Bob Agent")
    macro = await refund_macro(admin)
    ticket = await open_ticket(customer, "Refund not received")

    page = (await open_tab()).page
    # No live updates: the page keeps the version it loaded, so its macro carries a stale etag.
    await page.route(WATCH, lambda route: route.abort())
    await sign_in(page, alice, then=f"/agent/tickets/{ticket.id}")
    await expect(page.get_by_label("Priority")).to_have_value("medium")
    await bob.client.tickets.UpdateTicket(
        ticket_service_pb2.UpdateTicketRequest(
            ticket=ticket_pb2.Ticket(id=ticket.id, etag=ticket.etag, priority=ticket_pb2.TICKET_PRIORITY_HIGH),
        )
    )
    await apply(page, macro)
    await expect(page.get_by_role("status").filter(has_text="Someone else changed this ticket")).to_be_visible()
    await expect(page.get_by_label("Priority")).to_have_value("high")
    await expect(page.get_by_label("Status")).to_have_value("open")
    conversation = page.get_by_role("list", name="Conversation")
    await expect(conversation.get_by_role("listitem")).to_have_count(1)

    # On the fresh version it applies.
    await apply(page, macro)
    await expect(page.get_by_label("Status")).to_have_value("resolved")
    await expect(conversation.get_by_role("listitem")).to_have_count(2)
    stored = await bob.client.tickets.GetTicket(ticket_service_pb2.GetTicketRequest(id=ticket.id))
    assert (stored.status, stored.priority) == (ticket_pb2.TICKET_STATUS_RESOLVED, ticket_pb2.TICKET_PRIORITY_HIGH)


async def test_the_menu_names_whom_a_macro_assigns_to(open_tab: OpenTab, accounts: MakeAccount) -> None:
    admin = await accounts(Role.ADMIN)
    customer = await accounts(display_name="Rita Customer")
    agent = await accounts(Role.AGENT, display_name="Kim Agent")
    nina = await accounts(Role.AGENT, display_name="Nina Nova")
    steps = {
        f"To Nina {uuid.uuid4().hex[:6]}": user_id(nina),
        f"To me {uuid.uuid4().hex[:6]}": "me",
        f"To nobody {uuid.uuid4().hex[:6]}": "",
    }
    for name, assignee in steps.items():
        await admin.client.macros.CreateMacro(
            macro_service_pb2.CreateMacroRequest(
                macro=macro_pb2.Macro(
                    name=name,
                    actions=[macro_pb2.MacroAction(set_assignee=macro_pb2.MacroAssignee(assignee_id=assignee))],
                ),
                request_id=str(uuid.uuid4()),
            )
        )
    ticket = await open_ticket(customer, "Who takes this one")

    read: dict[str, tuple[SignIn, str, list[str]]] = {
        "en-US": (sign_in, "Apply a macro", ["Assign to Nina Nova", "Assign to me", "Unassign"]),
        "pt-BR": (sign_in_pt, "Aplicar uma macro", ["Atribuir a Nina Nova", "Atribuir a mim", "Remover responsável"]),
    }
    for locale, (sign, title, described) in read.items():
        page = (await open_tab(locale=locale)).page
        await sign(page, agent, then=f"/agent/tickets/{ticket.id}")
        await page.get_by_role("button", name="Macros").click()
        macros = page.get_by_role("dialog", name=title).get_by_role("list", name="Macros")
        for name, words in zip(steps, described, strict=True):
            await expect(macros.get_by_role("button", name=name)).to_contain_text(words)
