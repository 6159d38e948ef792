"""The admin settings pages through the real stack: SLA policies (business hours, holidays, field errors
from the API at their fields in Portuguese, a stale etag kept as a choice) and automatic assignment
(settings and an agent's limits, with the API's field errors at their fields), canned responses (team
and personal, placeholders) and data retention (off by default)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import pytest
from google.protobuf import duration_pb2
from playwright.async_api import Page, expect

from helpdesk.v1 import (
    assignment_service_pb2,
    canned_response_pb2,
    canned_response_service_pb2,
    privacy_service_pb2,
    sla_policy_pb2,
    sla_service_pb2,
    ticket_pb2,
)
from server.core.context import Role
from tests.web.conftest import Account, OpenTab, sign_in

pytestmark = pytest.mark.slow


async def sign_in_pt(page: Page, account: Account, *, then: str) -> None:
    """Signs `account` in through the app's form in Brazilian Portuguese, then opens `then`."""
    await page.goto("/sign-in")
    await page.get_by_label("E-mail").fill(account.email)
    await page.get_by_label("Senha").fill(account.password)
    await page.get_by_role("button", name="Entrar").click()
    await expect(page.get_by_role("button", name=account.display_name)).to_be_visible()
    await page.goto(then)


async def _policies(admin: Account) -> list[sla_policy_pb2.SlaPolicy]:
    listed = await admin.client.sla.ListSlaPolicies(sla_service_pb2.ListSlaPoliciesRequest(page_size=200))
    return list(listed.sla_policies)


async def test_an_admin_creates_a_business_hours_policy_with_a_holiday_edits_its_target_and_deletes_it(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    category = f"billing-{uuid.uuid4().hex[:6]}"
    page = (await open_tab()).page
    await sign_in(page, admin, then="/admin/users")
    await page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Service levels").click()
    await expect(page.get_by_role("heading", name="Service levels", exact=True)).to_be_visible()
    await page.get_by_role("link", name="New policy").click()
    await expect(page.get_by_role("heading", name="New SLA policy")).to_be_visible()

    await page.get_by_label("Name").fill("Urgent billing")
    await page.get_by_label("Priority").select_option(label="Urgent")
    await page.get_by_label("Category").fill(category)
    await page.get_by_label("First response", exact=True).fill("30")
    await page.get_by_label("Unit of First response").select_option(label="minutes")
    await page.get_by_label("Resolution", exact=True).fill("8")
    await page.get_by_label("Unit of Resolution").select_option(label="hours")
    await page.get_by_label("Business hours only").check()
    await page.get_by_label("Time zone").fill("America/Sao_Paulo")
    # Monday to Friday 09:00-18:00 are offered; Friday ends early, and Saturday morning is added.
    await page.get_by_label("End of span 5").fill("16:00")
    await page.get_by_role("button", name="Add hours").click()
    await expect(page.get_by_label("Day of span 6")).to_have_value(str(sla_policy_pb2.WEEKDAY_SATURDAY))
    await page.get_by_label("Holiday date").fill("2026-12-25")
    await page.get_by_role("button", name="Add holiday").click()
    await expect(page.get_by_role("button", name="Remove holiday 2026-12-25")).to_be_visible()
    await page.get_by_role("button", name="Create policy").click()

    policies = page.get_by_role("list", name="SLA policies")
    row = policies.get_by_role("listitem").filter(has_text="Urgent billing")
    await expect(row).to_contain_text("First reply within 30 min, resolved within 8 h")
    await expect(row).to_contain_text("Business hours (America/Sao_Paulo)")
    [stored] = [policy for policy in await _policies(admin) if policy.category == category]
    assert stored.priority == ticket_pb2.TICKET_PRIORITY_URGENT
    assert stored.first_response_target.seconds == 30 * 60
    assert stored.resolution_target.seconds == 8 * 3600
    assert stored.business_hours.time_zone == "America/Sao_Paulo"
    assert [(span.day, span.start_time, span.end_time) for span in stored.business_hours.working_hours][4:] == [
        (sla_policy_pb2.WEEKDAY_FRIDAY, "09:00", "16:00"),
        (sla_policy_pb2.WEEKDAY_SATURDAY, "09:00", "13:00"),
    ]
    assert list(stored.business_hours.holidays) == ["2026-12-25"]

    await row.get_by_role("link", name="Edit Urgent billing").click()
    await expect(page.get_by_role("heading", name="Edit SLA policy")).to_be_visible()
    await expect(page.get_by_label("Resolution", exact=True)).to_have_value("8")
    await page.get_by_label("Resolution", exact=True).fill("2")
    await page.get_by_label("Unit of Resolution").select_option(label="days")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    [edited] = [policy for policy in await _policies(admin) if policy.category == category]
    assert edited.resolution_target.seconds == 2 * 86400
    assert edited.etag != stored.etag
    assert list(edited.business_hours.holidays) == ["2026-12-25"]

    # Deleted from the list once confirmed: gone from the list and from the API.
    await page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Service levels").click()
    await row.get_by_role("button", name="Delete Urgent billing").click()
    confirm = page.get_by_role("dialog", name="Delete the policy Urgent billing?")
    await confirm.get_by_role("button", name="Delete").click()
    await expect(page.get_by_role("status").filter(has_text="The policy Urgent billing was deleted.")).to_be_visible()
    await expect(row).to_have_count(0)
    assert [policy for policy in await _policies(admin) if policy.category == category] == []


async def test_the_apis_field_errors_show_at_their_fields_in_portuguese_and_a_stale_edit_is_kept_by_choice(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    other = await accounts(Role.ADMIN, display_name="Otto Admin")
    category = f"returns-{uuid.uuid4().hex[:6]}"
    policy = await other.client.sla.CreateSlaPolicy(
        sla_service_pb2.CreateSlaPolicyRequest(
            sla_policy=sla_policy_pb2.SlaPolicy(
                display_name="Returns",
                priority=ticket_pb2.TICKET_PRIORITY_LOW,
                category=category,
                first_response_target=duration_pb2.Duration(seconds=4 * 3600),
                resolution_target=duration_pb2.Duration(seconds=3 * 86400),
                business_hours=sla_policy_pb2.BusinessHours(
                    time_zone="America/Sao_Paulo",
                    working_hours=[
                        sla_policy_pb2.WorkingHours(
                            day=sla_policy_pb2.WEEKDAY_MONDAY, start_time="09:00", end_time="18:00"
                        ),
                        sla_policy_pb2.WorkingHours(
                            day=sla_policy_pb2.WEEKDAY_TUESDAY, start_time="09:00", end_time="18:00"
                        ),
                    ],
                ),
            ),
            request_id=str(uuid.uuid4()),
        )
    )
    page = (await open_tab(locale="pt-BR")).page
    await sign_in_pt(page, admin, then=f"/admin/sla/{policy.id}")
    await expect(page.get_by_role("heading", name="Editar política de SLA")).to_be_visible()

    # Refused by the server alone: a span ending before it starts, a misspelt zone, a resolution shorter
    # than the first response. Each message sits at its field, in Portuguese.
    await page.get_by_label("Fim do intervalo 2").fill("08:00")
    await page.get_by_label("Fuso horário").fill("America/Sao_Paolo")
    await page.get_by_label("Resolução", exact=True).fill("1")
    await page.get_by_label("Unidade de Resolução").select_option(label="horas")
    await page.get_by_role("button", name="Salvar alterações").click()
    zone = page.get_by_label("Fuso horário")
    await expect(zone).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_text("Fuso horário desconhecido (por exemplo America/Sao_Paulo).")).to_be_visible()
    end = page.get_by_label("Fim do intervalo 2")
    await expect(end).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_text("O fim deve ser depois do início.")).to_be_visible()
    # The first field in error on the page has the focus.
    await expect(page.get_by_label("Resolução", exact=True)).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("Resolução", exact=True)).to_be_focused()
    await expect(page.get_by_text("Deve ser no mínimo a meta de primeira resposta.")).to_be_visible()
    await expect(page.get_by_label("Fim do intervalo 1")).not_to_have_attribute("aria-invalid", "true")

    await zone.fill("America/Sao_Paulo")
    await end.fill("17:00")
    await page.get_by_label("Resolução", exact=True).fill("5")
    await page.get_by_label("Unidade de Resolução").select_option(label="dias")
    # Meanwhile another admin renames the policy: this editor's etag is stale.
    await other.client.sla.UpdateSlaPolicy(
        sla_service_pb2.UpdateSlaPolicyRequest(
            sla_policy=sla_policy_pb2.SlaPolicy(id=policy.id, display_name="Returns (EU)", etag=policy.etag)
        )
    )
    await page.get_by_role("button", name="Salvar alterações").click()
    conflict = page.get_by_role("alert").filter(has_text="Outra pessoa alterou esta política")
    await expect(conflict).to_be_visible()
    await expect(page.get_by_label("Resolução", exact=True)).to_have_value("5")
    await conflict.get_by_role("button", name="Manter minhas alterações").click()
    await expect(conflict).to_have_count(0)
    await page.get_by_role("button", name="Salvar alterações").click()
    await expect(page.get_by_role("status").filter(has_text="Salvo.")).to_be_visible()
    stored = await admin.client.sla.GetSlaPolicy(sla_service_pb2.GetSlaPolicyRequest(id=policy.id))
    assert stored.resolution_target.seconds == 5 * 86400
    assert stored.business_hours.working_hours[1].end_time == "17:00"
    # Kept mine: the form's name (as loaded) wins over their rename.
    assert stored.display_name == "Returns"


async def test_an_admin_turns_automatic_assignment_on_for_some_categories_and_sets_an_agents_limits(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    agent = await accounts(Role.AGENT, display_name="Otto Agent")
    assert agent.client.user is not None
    page = (await open_tab()).page
    await sign_in(page, admin, then="/admin/users")
    await page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Assignment").click()
    await expect(page.get_by_role("heading", name="Automatic assignment")).to_be_visible()

    await page.get_by_label("Give waiting chats to available agents automatically").check()
    await page.get_by_label("Categories assigned automatically").fill("returns, billing, returns")
    # Plausible to the browser, refused by the server: the field says why, and has the focus.
    capacity = page.get_by_label("Default ticket capacity")
    await capacity.fill("0")
    await page.get_by_role("button", name="Save settings").click()
    await expect(capacity).to_have_attribute("aria-invalid", "true")
    await expect(capacity).to_be_focused()
    await expect(page.get_by_text("Use a number from 1 to 1000.")).to_be_visible()
    await capacity.fill("4")
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    await expect(page.get_by_label("Categories assigned automatically")).to_have_value("billing, returns")
    stored = await admin.client.assignment.GetAssignmentSettings(assignment_service_pb2.GetAssignmentSettingsRequest())
    assert (stored.tickets_enabled, list(stored.ticket_categories), stored.chats_enabled) == (
        False,
        ["billing", "returns"],
        True,
    )
    assert stored.default_ticket_capacity == 4

    # Otto's own limits: 2 open tickets, and no chats handed to him automatically.
    agents = page.get_by_role("list", name="Agents")
    otto = agents.get_by_role("listitem").filter(has_text="Otto Agent")
    await expect(otto.get_by_label("Ticket capacity of Otto Agent")).to_have_value("4")
    await otto.get_by_label("Ticket capacity of Otto Agent").fill("2000")
    await otto.get_by_role("button", name="Save the limits of Otto Agent").click()
    await expect(otto.get_by_text("Use a number from 0 to 1000.")).to_be_visible()
    await otto.get_by_label("Ticket capacity of Otto Agent").fill("2")
    await otto.get_by_label("Chat limit of Otto Agent").fill("0")
    await otto.get_by_role("button", name="Save the limits of Otto Agent").click()
    await expect(page.get_by_role("status").filter(has_text="The limits of Otto Agent were saved.")).to_be_visible()
    await expect(otto.get_by_label("Chat limit of Otto Agent")).to_have_value("0")
    listed = await admin.client.assignment.ListAgentCapacities(
        assignment_service_pb2.ListAgentCapacitiesRequest(page_size=200)
    )
    [mine] = [capacity for capacity in listed.capacities if capacity.agent_id == agent.client.user.id]
    assert (mine.ticket_capacity, mine.chat_limit) == (2, 0)


async def test_an_admin_writes_a_team_response_with_a_placeholder_and_an_agent_keeps_personal_ones(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    agent = await accounts(Role.AGENT, display_name="Otto Agent")
    word = f"refund{uuid.uuid4().hex[:6]}"
    page = (await open_tab()).page
    await sign_in(page, admin, then="/admin/users")
    await page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Canned responses").click()
    await expect(page.get_by_role("heading", name="Canned responses", exact=True)).to_be_visible()
    await page.get_by_role("button", name="New canned response").click()
    dialog = page.get_by_role("dialog", name="New canned response")
    await expect(dialog.get_by_label("Who can use it")).to_have_value(
        str(canned_response_pb2.CANNED_RESPONSE_SCOPE_SHARED)
    )
    await dialog.get_by_label("Title").fill(f"Refund on its way {word}")
    body = dialog.get_by_label("Text", exact=True)
    await body.fill("Hi , your refund is on its way.")
    # The placeholder goes where the cursor is: after "Hi ".
    await body.evaluate("(area) => area.setSelectionRange(3, 3)")
    await dialog.get_by_role("button", name="Insert {{customer.first_name}}").click()
    await expect(body).to_have_value("Hi {{customer.first_name}}, your refund is on its way.")
    await dialog.get_by_role("button", name="Create").click()
    await expect(page.get_by_role("status").filter(has_text=f"“Refund on its way {word}” was created.")).to_be_visible()
    row = page.get_by_role("list", name="Canned responses").get_by_role("listitem").filter(has_text=word)
    await expect(row.get_by_text("Team", exact=True)).to_be_visible()
    listed = await admin.client.canned_responses.ListCannedResponses(
        canned_response_service_pb2.ListCannedResponsesRequest(query=word)
    )
    assert [(r.body, r.scope) for r in listed.canned_responses] == [
        ("Hi {{customer.first_name}}, your refund is on its way.", canned_response_pb2.CANNED_RESPONSE_SCOPE_SHARED)
    ]

    # The agent, in Portuguese, sees the team's response but cannot change it, and writes a personal one.
    agent_page = (await open_tab(locale="pt-BR")).page
    await sign_in_pt(agent_page, agent, then="/agent/tickets")
    await agent_page.get_by_role("navigation", name="Principal").get_by_role("link", name="Respostas").click()
    await expect(agent_page.get_by_role("heading", name="Respostas prontas", exact=True)).to_be_visible()
    team = agent_page.get_by_role("list", name="Respostas prontas").get_by_role("listitem").filter(has_text=word)
    await expect(team.get_by_text("Equipe", exact=True)).to_be_visible()
    await expect(team.get_by_role("button")).to_have_count(0)
    await agent_page.get_by_role("button", name="Nova resposta pronta").click()
    dialog = agent_page.get_by_role("dialog", name="Nova resposta pronta")
    await expect(dialog.get_by_label("Quem pode usar")).to_have_count(0)
    await dialog.get_by_label("Título").fill(f"Meu atalho {word}")
    await dialog.get_by_label("Texto", exact=True).fill("Olá {{cliente.nome}}, tudo certo?")
    await dialog.get_by_role("button", name="Criar").click()
    text = dialog.get_by_label("Texto", exact=True)
    await expect(text).to_have_attribute("aria-invalid", "true")
    await expect(text).to_be_focused()
    await expect(
        dialog.get_by_text("Marcador desconhecido {{cliente.nome}}. Use um dos listados abaixo.")
    ).to_be_visible()
    await text.fill("Olá {{customer.first_name}}, tudo certo?")
    await dialog.get_by_role("button", name="Criar").click()
    mine = (
        agent_page.get_by_role("list", name="Respostas prontas").get_by_role("listitem").filter(has_text="Meu atalho")
    )
    await expect(mine.get_by_text("Pessoal", exact=True)).to_be_visible()
    await mine.get_by_role("button", name=f"Excluir Meu atalho {word}").click()
    await (
        agent_page.get_by_role("dialog", name=f"Excluir “Meu atalho {word}”?")
        .get_by_role("button", name="Excluir")
        .click()
    )
    await expect(agent_page.get_by_role("status").filter(has_text="foi excluída")).to_be_visible()
    await expect(mine).to_have_count(0)
    left = await agent.client.canned_responses.ListCannedResponses(
        canned_response_service_pb2.ListCannedResponsesRequest(query=word)
    )
    assert [r.title for r in left.canned_responses] == [f"Refund on its way {word}"]


async def test_retention_is_off_until_an_admin_sets_a_period_and_the_apis_limit_shows_at_its_field(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    page = (await open_tab()).page
    await sign_in(page, admin, then="/admin/users")
    await page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Retention").click()
    await expect(page.get_by_role("heading", name="Data retention")).to_be_visible()
    # Off by default: both kept forever.
    await expect(page.get_by_label("Delete closed tickets")).not_to_be_checked()
    await expect(page.get_by_label("Delete ended chats")).not_to_be_checked()
    await expect(page.get_by_text("Kept forever.")).to_have_count(2)
    await expect(page.get_by_text("The retention job has not run yet.")).to_be_visible()

    await page.get_by_label("Delete closed tickets").check()
    days = page.get_by_label("Days after a ticket is closed")
    await days.fill("40000")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(days).to_have_attribute("aria-invalid", "true")
    await expect(days).to_be_focused()
    await expect(page.get_by_text("Use 1 to 36,500 days.")).to_be_visible()
    stored = await admin.client.privacy.GetRetentionPolicy(privacy_service_pb2.GetRetentionPolicyRequest())
    assert (stored.closed_ticket_days, stored.ended_chat_days) == (0, 0)

    await days.fill("730")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    await expect(page.get_by_text("Kept forever.")).to_have_count(1)
    stored = await admin.client.privacy.GetRetentionPolicy(privacy_service_pb2.GetRetentionPolicyRequest())
    assert (stored.closed_ticket_days, stored.ended_chat_days) == (730, 0)

    # Turned off again, closed tickets are kept forever.
    await page.get_by_label("Delete closed tickets").uncheck()
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    stored = await admin.client.privacy.GetRetentionPolicy(privacy_service_pb2.GetRetentionPolicyRequest())
    assert stored.closed_ticket_days == 0
