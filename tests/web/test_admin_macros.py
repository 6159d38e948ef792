"""The macros admin page through the real stack: an admin builds a macro of six steps (with the keyboard
where it matters) and an agent applies it from the ticket page and sees every step's effect; the API's
field errors at their steps' fields in Portuguese; a stale edit kept or dropped by choice; search, delete
with confirmation, and agents kept out. Screenshots of the list, the editor, an error and the phone menu.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import grpc
import pytest
from google.protobuf import duration_pb2, field_mask_pb2
from playwright.async_api import Page, expect

from helpdesk.client import HelpdeskError
from helpdesk.v1 import (
    canned_response_pb2,
    canned_response_service_pb2,
    macro_pb2,
    macro_service_pb2,
    sla_policy_pb2,
    sla_service_pb2,
    ticket_pb2,
    ticket_service_pb2,
)
from server.core.context import Role
from tests.web.conftest import ARTIFACTS, Account, OpenTab, sign_in
from tests.web.test_admin_settings import sign_in_pt
from tests.web.test_pages import DOCS_SCREENSHOTS, check_page
from tests.web.test_workspace import open_ticket, user_id

pytestmark = pytest.mark.slow

MakeAccount = Callable[..., Awaitable[Account]]
# The README shows this one (docs/screenshots/), refreshed by `make screenshots`.
README_SHOT = "admin-macro-edit-1440x900-light"


async def create_macro(
    admin: Account, name: str, actions: list[macro_pb2.MacroAction], description: str = ""
) -> macro_pb2.Macro:
    """A macro written through the API by `admin`."""
    return await admin.client.macros.CreateMacro(
        macro_service_pb2.CreateMacroRequest(
            macro=macro_pb2.Macro(name=name, description=description, actions=actions), request_id=str(uuid.uuid4())
        )
    )


def reply(body: str, *, internal: bool = False) -> macro_pb2.MacroAction:
    return macro_pb2.MacroAction(add_message=macro_pb2.MacroMessage(body=body, internal=internal))


def add_tags(*tags: str) -> macro_pb2.MacroAction:
    return macro_pb2.MacroAction(add_tags=macro_pb2.MacroTags(tags=list(tags)))


async def add_step(page: Page, kind: str) -> None:
    """Adds a step of `kind` (its label in the "Kind of step to add" list)."""
    await page.get_by_label("Kind of step to add").select_option(label=kind)
    await page.get_by_role("button", name="Add step").click()


async def test_an_admin_builds_a_macro_and_an_agent_applying_it_sees_every_step(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    agent = await accounts(Role.AGENT, display_name="Kim Agent")
    customer = await accounts(display_name="Rita Customer")
    name = f"Refund issued {uuid.uuid4().hex[:6]}"
    page = (await open_tab()).page
    await sign_in(page, admin, then="/admin/users")
    await page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Macros").click()
    await expect(page.get_by_role("heading", name="Macros", exact=True)).to_be_visible()
    await page.get_by_role("link", name="New macro").click()
    await expect(page.get_by_role("heading", name="New macro")).to_be_visible()

    await page.get_by_label("Name", exact=True).fill(name)
    description = page.get_by_role("textbox", name=re.compile("^Description"))
    await description.fill("Tell the customer, note it, tag, escalate and resolve.")
    # Step 1 is a reply to start with; the placeholder goes where the cursor is.
    body = page.get_by_label("Reply, step 1")
    await body.fill("Hi , your refund for #{{ticket.number}} is on its way.")
    await body.evaluate("(area) => area.setSelectionRange(3, 3)")
    await page.get_by_role("button", name="Insert {{customer.first_name}} into step 1").click()
    await expect(body).to_have_value("Hi {{customer.first_name}}, your refund for #{{ticket.number}} is on its way.")
    await add_step(page, "Internal note")
    # A new step's first field has the focus.
    await expect(page.get_by_label("Note, step 2")).to_be_focused()
    await page.keyboard.type("Refund sent by {{agent.first_name}}.")
    await add_step(page, "Add tags")
    await page.get_by_label("Tags, step 3").fill("refund, billing")
    await add_step(page, "Set the priority")
    await page.get_by_label("Priority, step 4").select_option(label="Urgent")
    await add_step(page, "Set the status")
    await page.get_by_label("Status, step 5").select_option(label="Resolved")
    await add_step(page, "Set the assignee")
    await expect(page.get_by_label("Assignee, step 6")).to_have_value("me")

    # The note goes first, moved with the keyboard; the focus stays on the moved step.
    await page.get_by_role("button", name="Move step 2 up").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name="Move step 1 down")).to_be_focused()
    await expect(page.get_by_label("Note, step 1")).to_have_value("Refund sent by {{agent.first_name}}.")

    preview = page.get_by_role("complementary", name="What it does").get_by_role("listitem")
    await expect(preview).to_have_text(
        [
            "Adds an internal note, seen by agents only:Refund sent by you.",
            "Replies to the customer:Hi Maria, your refund for #1042 is on its way.",
            "Adds the tags refund, billing.",
            "Sets the priority to Urgent.",
            "Sets the status to Resolved.",
            "Assigns the ticket to whoever applies the macro.",
        ]
    )
    await page.get_by_role("button", name="Create macro").click()

    row = page.get_by_role("list", name="Macros").get_by_role("listitem").filter(has_text=name)
    await expect(row).to_contain_text("6 steps")
    await expect(row).to_contain_text(
        "Internal note · Reply · Add tags: billing, refund · Priority: Urgent · Status: Resolved"
        " · Assign to whoever applies it"
    )
    listed = await admin.client.macros.ListMacros(macro_service_pb2.ListMacrosRequest(page_size=200))
    [stored] = [macro for macro in listed.macros if macro.name == name]
    assert [action.WhichOneof("action") for action in stored.actions] == [
        "add_message",
        "add_message",
        "add_tags",
        "set_priority",
        "set_status",
        "set_assignee",
    ]
    assert (stored.actions[0].add_message.internal, stored.actions[1].add_message.internal) == (True, False)
    assert list(stored.actions[2].add_tags.tags) == ["billing", "refund"]
    assert stored.actions[3].set_priority == ticket_pb2.TICKET_PRIORITY_URGENT
    assert stored.actions[4].set_status == ticket_pb2.TICKET_STATUS_RESOLVED
    assert stored.actions[5].set_assignee.assignee_id == "me"

    # The agent applies it from the ticket page: every step shows at once.
    ticket = await open_ticket(customer, "Charged twice")
    agent_page = (await open_tab()).page
    await sign_in(agent_page, agent, then=f"/agent/tickets/{ticket.id}")
    await expect(agent_page.get_by_label("Status")).to_have_value("open")
    await agent_page.get_by_role("button", name="Macros").click()
    menu = agent_page.get_by_role("dialog", name="Apply a macro")
    await menu.get_by_role("list", name="Macros").get_by_role("button", name=name).click()
    await expect(menu).to_be_hidden()
    await expect(agent_page.get_by_label("Status")).to_have_value("resolved")
    await expect(agent_page.get_by_label("Priority")).to_have_value("urgent")
    await expect(agent_page.get_by_label("Tags")).to_have_value("billing, refund")
    await expect(agent_page.get_by_label("Assignee")).to_have_value(user_id(agent))
    conversation = agent_page.get_by_role("list", name="Conversation").get_by_role("listitem")
    await expect(conversation).to_have_count(3)
    await expect(conversation.nth(1)).to_contain_text("Refund sent by Kim.")
    await expect(conversation.nth(1)).to_contain_text("Internal note")
    await expect(conversation.nth(2)).to_contain_text(f"Hi Rita, your refund for #{ticket.number} is on its way.")

    after = await agent.client.tickets.GetTicket(ticket_service_pb2.GetTicketRequest(id=ticket.id))
    assert (after.status, after.priority, list(after.tags), after.assignee_id) == (
        ticket_pb2.TICKET_STATUS_RESOLVED,
        ticket_pb2.TICKET_PRIORITY_URGENT,
        ["billing", "refund"],
        user_id(agent),
    )


async def test_the_apis_field_errors_sit_at_their_steps_in_portuguese_and_a_stale_edit_is_a_choice(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    other = await accounts(Role.ADMIN, display_name="Otto Admin")
    macro = await create_macro(
        other, f"Pedir dados {uuid.uuid4().hex[:6]}", [reply("Olá {{customer.first_name}}!"), add_tags("dados")]
    )
    page = (await open_tab(locale="pt-BR")).page
    await sign_in_pt(page, admin, then=f"/admin/macros/{macro.id}")
    await expect(page.get_by_role("heading", name="Editar macro")).to_be_visible()
    await expect(page.get_by_label("Resposta, passo 1")).to_have_value("Olá {{customer.first_name}}!")

    # Refused by the server alone: a placeholder it does not know, and a tag with a space in it.
    body = page.get_by_label("Resposta, passo 1")
    await body.fill("Olá {{cliente.nome}}, pode enviar o comprovante?")
    tags = page.get_by_label("Etiquetas, passo 2")
    await tags.fill("dados, comprovante!")
    await page.get_by_role("button", name="Salvar alterações").click()
    await expect(body).to_have_attribute("aria-invalid", "true")
    await expect(body).to_be_focused()
    await expect(
        page.get_by_text("Marcador desconhecido {{cliente.nome}}. Use um dos listados abaixo do texto.")
    ).to_be_visible()
    await expect(tags).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_text("As tags usam de 1 a 32 letras, dígitos, “-” ou “_”.")).to_be_visible()
    await expect(page.get_by_label("Nome", exact=True)).not_to_have_attribute("aria-invalid", "true")

    await body.fill("Olá {{customer.first_name}}, pode enviar o comprovante?")
    await expect(body).not_to_have_attribute("aria-invalid", "true")
    await tags.fill("dados, comprovante")
    # Meanwhile the other admin renames it: this editor's etag is stale.
    await other.client.macros.UpdateMacro(
        macro_service_pb2.UpdateMacroRequest(
            macro=macro_pb2.Macro(id=macro.id, name="Pedir comprovante", etag=macro.etag),
            update_mask=field_mask_pb2.FieldMask(paths=["name"]),
        )
    )
    await page.get_by_role("button", name="Salvar alterações").click()
    conflict = page.get_by_role("alert").filter(has_text="Outra pessoa alterou esta macro")
    await expect(conflict).to_be_visible()
    await expect(body).to_have_value("Olá {{customer.first_name}}, pode enviar o comprovante?")
    await conflict.get_by_role("button", name="Manter minhas alterações").click()
    await expect(conflict).to_have_count(0)
    # Saved from the keyboard, while typing.
    await body.focus()
    await page.keyboard.press("Control+s")
    await expect(page.get_by_role("status").filter(has_text="Salvo.")).to_be_visible()
    stored = await admin.client.macros.GetMacro(macro_service_pb2.GetMacroRequest(id=macro.id))
    assert stored.actions[0].add_message.body == "Olá {{customer.first_name}}, pode enviar o comprovante?"
    assert list(stored.actions[1].add_tags.tags) == ["comprovante", "dados"]
    # Kept mine: the form's name (as loaded) wins over their rename.
    assert stored.name == macro.name

    # Again, and this time their version is taken into the form.
    await other.client.macros.UpdateMacro(
        macro_service_pb2.UpdateMacroRequest(
            macro=macro_pb2.Macro(id=macro.id, name="Pedir comprovante", etag=stored.etag),
            update_mask=field_mask_pb2.FieldMask(paths=["name"]),
        )
    )
    await page.get_by_role("textbox", name=re.compile("^Descrição")).fill("Quando falta o comprovante.")
    await page.get_by_role("button", name="Salvar alterações").click()
    await conflict.get_by_role("button", name="Ver a versão atual").click()
    await expect(page.get_by_label("Nome", exact=True)).to_have_value("Pedir comprovante")
    await expect(page.get_by_role("textbox", name=re.compile("^Descrição"))).to_have_value("")
    theirs = await admin.client.macros.GetMacro(macro_service_pb2.GetMacroRequest(id=macro.id))
    assert (theirs.name, theirs.description) == ("Pedir comprovante", "")


async def test_an_admin_finds_and_deletes_a_macro_after_confirming_and_agents_are_kept_out(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    agent = await accounts(Role.AGENT, display_name="Kim Agent")
    word = uuid.uuid4().hex[:6]
    doomed = await create_macro(admin, f"Close as spam {word}", [add_tags("spam")], "For junk mail.")
    kept = await create_macro(admin, f"Escalate {word}", [add_tags("escalated")])
    page = (await open_tab()).page
    await sign_in(page, admin, then="/admin/macros")
    search = page.get_by_role("searchbox", name="Search macros")
    await search.fill(f"spam {word}")
    await expect(page).to_have_url(re.compile(rf"q=spam(\+|%20){word}"))
    rows = page.get_by_role("list", name="Macros").get_by_role("listitem")
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("For junk mail.")

    # Cancelled, nothing happens; confirmed, it is gone for everyone.
    await rows.get_by_role("button", name=f"Delete Close as spam {word}").click()
    confirm = page.get_by_role("dialog", name=f"Delete the macro “Close as spam {word}”?")
    await confirm.get_by_role("button", name="Cancel").click()
    await expect(confirm).to_be_hidden()
    await expect(rows).to_have_count(1)
    await rows.get_by_role("button", name=f"Delete Close as spam {word}").click()
    await confirm.get_by_role("button", name="Delete").click()
    await expect(
        page.get_by_role("status").filter(has_text=f"The macro “Close as spam {word}” was deleted.")
    ).to_be_visible()
    await expect(page.get_by_text("No macro matches.")).to_be_visible()
    with pytest.raises(HelpdeskError) as missing:
        await admin.client.macros.GetMacro(macro_service_pb2.GetMacroRequest(id=doomed.id))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    await search.fill(word)
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text(kept.name)

    # Agents apply macros but do not manage them: no section, and the address leads home.
    agent_page = (await open_tab()).page
    await sign_in(agent_page, agent, then="/admin/macros")
    await expect(agent_page).to_have_url(re.compile(r"/agent/tickets$"))
    await expect(agent_page.get_by_role("navigation", name="Admin sections")).to_have_count(0)


async def test_a_missing_macro_or_policy_opens_as_not_found_with_a_way_back_to_its_list(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    page = (await open_tab()).page
    await sign_in(page, admin)
    for address, gone, back in [
        ("/admin/macros", "This macro does not exist or was deleted.", "Macros"),
        ("/admin/sla", "This policy does not exist or was deleted.", "Service levels"),
    ]:
        await page.goto(f"{address}/{uuid.uuid4()}")
        await expect(page.get_by_role("heading", name=gone)).to_be_visible()
        await page.get_by_role("link", name=back, exact=True).click()
        await expect(page.get_by_role("heading", name=back, exact=True)).to_be_visible()
        assert page.url.endswith(address)


async def test_a_name_of_one_long_word_wraps_on_a_phone_in_the_admin_lists(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    word = f"Pneumonoultramicroscopicsilicovolcanoconiosis{uuid.uuid4().hex}"
    await create_macro(admin, word, [add_tags("long")])
    await admin.client.sla.CreateSlaPolicy(
        sla_service_pb2.CreateSlaPolicyRequest(
            sla_policy=sla_policy_pb2.SlaPolicy(
                display_name=word,
                priority=ticket_pb2.TICKET_PRIORITY_LOW,
                category=f"long-{uuid.uuid4().hex[:8]}",
                first_response_target=duration_pb2.Duration(seconds=3600),
                resolution_target=duration_pb2.Duration(seconds=86400),
            ),
            request_id=str(uuid.uuid4()),
        )
    )
    await admin.client.canned_responses.CreateCannedResponse(
        canned_response_service_pb2.CreateCannedResponseRequest(
            canned_response=canned_response_pb2.CannedResponse(
                title=word, body="Hello.", scope=canned_response_pb2.CANNED_RESPONSE_SCOPE_SHARED
            ),
            request_id=str(uuid.uuid4()),
        )
    )
    page = (await open_tab()).page
    await page.set_viewport_size({"width": 390, "height": 844})
    await sign_in(page, admin)
    for path, label in (
        ("/admin/macros", "Macros"),
        ("/admin/sla", "SLA policies"),
        ("/agent/canned-responses", "Canned responses"),
    ):
        await page.goto(path)
        row = page.get_by_role("list", name=label).get_by_role("listitem").filter(has_text=word)
        await expect(row).to_be_visible()
        # The whole name is on the screen, and nothing scrolls sideways.
        name = row.get_by_text(word, exact=True)
        box = await name.bounding_box()
        assert box is not None
        assert box["x"] >= 0, (path, box)
        assert box["x"] + box["width"] <= 390, (path, box)
        overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow == 0, (path, overflow)


# Two pages and their states at three sizes each, with axe: longer than the default limit on a busy machine.
@pytest.mark.timeout(300)
@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_the_macro_pages_pass_axe_fit_every_size_and_screenshots(
    scheme: str, open_tab: OpenTab, accounts: MakeAccount, axe_script: Path
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    await accounts(Role.AGENT, display_name="Alex Agent")
    listed = await admin.client.macros.ListMacros(macro_service_pb2.ListMacrosRequest(page_size=200))
    macro = next((m for m in listed.macros if m.name == "Refund issued"), None) or await create_macro(
        admin,
        "Refund issued",
        [
            reply("Hi {{customer.first_name}},\n\nyour refund for ticket #{{ticket.number}} is on its way."),
            reply("Refund approved by {{agent.name}}.", internal=True),
            add_tags("refund", "billing"),
            macro_pb2.MacroAction(set_status=ticket_pb2.TICKET_STATUS_RESOLVED),
            macro_pb2.MacroAction(set_assignee=macro_pb2.MacroAssignee(assignee_id="me")),
        ],
        "Tell the customer, tag it and resolve.",
    )
    if not any(m.name == "Ask for the order number" for m in listed.macros):
        await create_macro(
            admin,
            "Ask for the order number",
            [
                reply("Could you send us the order number, {{customer.first_name}}?"),
                macro_pb2.MacroAction(set_status=ticket_pb2.TICKET_STATUS_WAITING_ON_CUSTOMER),
            ],
        )
    page = (await open_tab(color_scheme=scheme, bypass_csp=True)).page
    await sign_in(page, admin)
    problems: dict[str, list[str]] = {}
    await page.set_viewport_size({"width": 1440, "height": 900})
    await page.goto("/admin/macros")
    await expect(page.get_by_role("list", name="Macros").get_by_role("listitem").first).to_be_visible()
    await check_page(
        page, name="admin-macros", heading="Macros", scheme=scheme, axe_script=axe_script, problems=problems
    )
    await page.set_viewport_size({"width": 1440, "height": 900})
    await page.goto(f"/admin/macros/{macro.id}")
    await expect(page.get_by_label("Reply, step 1")).to_be_visible()
    await check_page(
        page, name="admin-macro-edit", heading="Edit macro", scheme=scheme, axe_script=axe_script, problems=problems
    )
    # A field error from the server, shown at its step.
    await page.set_viewport_size({"width": 1440, "height": 900})
    await page.get_by_label("Reply, step 1").fill("Hi {{customer.first_name}}, about order {{order.id}}:")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_label("Reply, step 1")).to_have_attribute("aria-invalid", "true")
    await check_page(
        page, name="admin-macro-error", heading="Edit macro", scheme=scheme, axe_script=axe_script, problems=problems
    )
    # The header marks "Admin" on every admin section, not only on the users page.
    admin_link = page.get_by_role("banner").get_by_role("link", name="Admin", exact=True)
    await expect(admin_link).to_have_attribute("aria-current", "page")
    # The admin sections on a phone (and a tablet): one button naming the section, opening the list of them.
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto("/admin/sla")
    sections = page.get_by_role("navigation", name="Admin sections")
    menu = sections.get_by_role("button", name="Admin sections: Service levels")
    await expect(menu).to_have_attribute("aria-expanded", "false")
    await menu.click()
    await expect(sections.get_by_role("link")).to_have_count(7)
    await expect(sections.get_by_role("link", name="Service levels")).to_have_attribute("aria-current", "page")
    await page.screenshot(path=str(ARTIFACTS / "screenshots" / f"admin-sections-menu-390x844-{scheme}.png"))
    await sections.get_by_role("link", name="Macros").click()
    await expect(page.get_by_role("heading", name="Macros", exact=True)).to_be_visible()
    await expect(sections.get_by_role("button", name="Admin sections: Macros")).to_have_attribute(
        "aria-expanded", "false"
    )
    if os.environ.get("HELPDESK_SCREENSHOTS_TO_DOCS") and README_SHOT.endswith(scheme):
        shutil.copy(ARTIFACTS / "screenshots" / f"{README_SHOT}.png", DOCS_SCREENSHOTS / f"{README_SHOT}.png")
    assert not problems, json.dumps(problems, indent=2)
