"""Every page, light and dark: axe-core finds no serious or critical WCAG 2.2 AA violation, nothing
scrolls sideways at phone, tablet or desktop width, and a screenshot of each is written.

Screenshots go to .artifacts/screenshots/ (gitignored), named PAGE-WIDTHxHEIGHT-SCHEME.png;
`make screenshots` (HELPDESK_SCREENSHOTS_TO_DOCS=1) also copies the README's few into docs/screenshots/.
axe is injected as a script, which the app's CSP rightly refuses: this pass alone runs in a
context that bypasses CSP (every other test runs under it and fails on any CSP violation).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from google.protobuf import duration_pb2
from playwright.async_api import Page, expect

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
from tests.web.test_chat import agent_says, start_chat
from tests.web.test_help_center import publish
from tests.web.test_reports import browser_day_and_zone, report_query, seed, settled, ticket_totals

pytestmark = pytest.mark.slow

SIZES = ((390, 844), (768, 1024), (1440, 900))
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# The README shows these (docs/screenshots/), refreshed by `make screenshots`.
README_SHOTS = (
    "tickets-1440x900-light",
    "ticket-1440x900-dark",
    "help-390x844-light",
    "workspace-1440x900-light",
    "agent-ticket-1440x900-dark",
    "agent-ticket-390x844-light",
    "reports-1440x900-light",
)
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass(frozen=True)
class Screen:
    """A page of the app and the heading that says it has rendered."""

    name: str
    path: str
    heading: str
    signed_in: bool = False


async def run_axe(page: Page, axe_script: Path) -> list[str]:
    """The serious and critical WCAG 2.x A/AA violations on the page, one line each."""
    await page.add_script_tag(path=str(axe_script))
    violations = await page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
        }""",
        WCAG_TAGS,
    )
    return [str(v) for v in violations]


async def check_page(
    page: Page, *, name: str, heading: str, scheme: str, axe_script: Path, problems: dict[str, list[str]]
) -> None:
    """Screenshots at every size (nothing scrolling sideways), then axe, on the page as it is."""
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        await page.set_viewport_size({"width": width, "height": height})
        await expect(page.get_by_role("heading", name=heading).first).to_be_visible()
        label = f"{name}-{width}x{height}-{scheme}"
        overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            problems.setdefault(label, []).append(f"scrolls sideways by {overflow}px")
        await page.screenshot(path=str(shots / f"{label}.png"))
    violations = await run_axe(page, axe_script)
    if violations:
        problems.setdefault(f"{name}-{scheme}", []).extend(violations)


def copy_readme_shots(scheme: str) -> None:
    """With HELPDESK_SCREENSHOTS_TO_DOCS set, copies the README's screenshots of `scheme` into docs/."""
    if os.environ.get("HELPDESK_SCREENSHOTS_TO_DOCS"):
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for name in README_SHOTS:
            if name.endswith(scheme) and (ARTIFACTS / "screenshots" / f"{name}.png").exists():
                shutil.copy(ARTIFACTS / "screenshots" / f"{name}.png", DOCS_SCREENSHOTS / f"{name}.png")


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_every_page_passes_axe_fits_every_size_and_screenshots(
    scheme: str, open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]], axe_script: Path
) -> None:
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    customer = await accounts(display_name="Maria Silva")
    article = await publish(agent, "Change the card you pay with", "Open **Billing**, then *Payment method*.")
    ticket = await customer.client.tickets.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(
                subject="I was charged twice", description="Two charges on the 3rd.\nCard ending 4242."
            ),
            request_id=str(uuid.uuid4()),
        )
    )
    await agent.client.tickets.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(
            ticket_id=ticket.id, body="Sorry about that! The second charge is refunded.", request_id=str(uuid.uuid4())
        )
    )
    screens = [
        Screen("home", "/", "How can we help?"),
        Screen("sign-in", "/sign-in", "Sign in to Helpdesk"),
        Screen("register", "/register", "Create your account"),
        Screen("help", "/help", "Help center"),
        Screen("article", f"/help/{article.slug}", article.title),
        Screen("not-found", "/no-such-page", "Page not found"),
        Screen("tickets", "/tickets", "My tickets", signed_in=True),
        Screen("new-ticket", "/tickets/new", "New ticket", signed_in=True),
        Screen("ticket", f"/tickets/{ticket.id}", ticket.subject, signed_in=True),
        Screen("chat", "/chat", "Live chat", signed_in=True),
        Screen("settings", "/settings", "Settings", signed_in=True),
    ]
    tab = await open_tab(color_scheme=scheme, bypass_csp=True)
    page = tab.page
    problems: dict[str, list[str]] = {}

    async def check(name: str, heading: str) -> None:
        await check_page(page, name=name, heading=heading, scheme=scheme, axe_script=axe_script, problems=problems)

    signed_in = False
    for screen in screens:
        if screen.signed_in and not signed_in:
            await page.set_viewport_size({"width": 1440, "height": 900})
            await sign_in(page, customer)
            signed_in = True
        await page.goto(screen.path)
        await check(screen.name, screen.heading)
    # The chat once an agent has answered: the conversation, the composer, read receipts.
    await page.set_viewport_size({"width": 1440, "height": 900})
    chat_id = await start_chat(page, customer, agent, topic="Billing", first="Hello, I was charged twice.")
    await agent_says(agent, chat_id, "Hi Maria! Let me check that for you.")
    await expect(page.get_by_role("list", name="Messages").get_by_role("listitem")).to_have_count(2)
    await check("chat-active", agent.display_name)
    copy_readme_shots(scheme)
    assert not problems, json.dumps(problems, indent=2)


async def seed_macro_and_canned_response(agent: Account, admin: Account) -> None:
    """A shared macro (once per module: the light and dark runs share the database) and a canned response of `agent`."""
    listed = await admin.client.macros.ListMacros(macro_service_pb2.ListMacrosRequest(page_size=200))
    if not any(macro.name == "Refund issued" for macro in listed.macros):
        await admin.client.macros.CreateMacro(
            macro_service_pb2.CreateMacroRequest(
                macro=macro_pb2.Macro(
                    name="Refund issued",
                    description="Tell the customer the refund is on its way, tag it and resolve.",
                    actions=[
                        macro_pb2.MacroAction(add_message=macro_pb2.MacroMessage(body="Your refund is on its way.")),
                        macro_pb2.MacroAction(add_tags=macro_pb2.MacroTags(tags=["refund"])),
                        macro_pb2.MacroAction(set_status=ticket_pb2.TICKET_STATUS_RESOLVED),
                    ],
                ),
                request_id=str(uuid.uuid4()),
            )
        )
    await agent.client.canned_responses.CreateCannedResponse(
        canned_response_service_pb2.CreateCannedResponseRequest(
            canned_response=canned_response_pb2.CannedResponse(
                title="Charge explained",
                body="Hi {{customer.first_name}}, the second charge is a pre-authorisation and disappears in 3 days.",
                scope=canned_response_pb2.CANNED_RESPONSE_SCOPE_PERSONAL,
            ),
            request_id=str(uuid.uuid4()),
        )
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_agent_pages_pass_axe_fit_every_size_and_screenshot(
    scheme: str, open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]], axe_script: Path
) -> None:
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    other = await accounts(Role.AGENT, display_name="Bea Santos")
    customers = [await accounts(display_name=name) for name in ("Maria Silva", "John Carter", "Ana Souza")]
    subjects = ("I was charged twice", "Export to CSV cuts off long names", "Cannot log in after password reset")
    created = []
    for index, (customer, subject) in enumerate(zip(customers, subjects, strict=True)):
        created.append(
            await customer.client.tickets.CreateTicket(
                ticket_service_pb2.CreateTicketRequest(
                    ticket=ticket_pb2.Ticket(
                        subject=subject,
                        description="Two charges on the 3rd.\nCard ending 4242.",
                        priority=(
                            ticket_pb2.TICKET_PRIORITY_URGENT,
                            ticket_pb2.TICKET_PRIORITY_MEDIUM,
                            ticket_pb2.TICKET_PRIORITY_HIGH,
                        )[index],
                        category="billing",
                        tags=["refund"] if index == 0 else [],
                    ),
                    request_id=str(uuid.uuid4()),
                )
            )
        )
    ticket = created[0]
    await agent.client.tickets.AssignTicket(ticket_service_pb2.AssignTicketRequest(id=ticket.id, assignee_id="me"))
    await other.client.tickets.AssignTicket(ticket_service_pb2.AssignTicketRequest(id=created[1].id, assignee_id="me"))
    for body, internal in (
        ("Sorry about that! I am checking with billing now.", False),
        ("Card processor shows a duplicate capture; refund queued.", True),
    ):
        await agent.client.tickets.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(
                ticket_id=ticket.id, body=body, internal=internal, request_id=str(uuid.uuid4())
            )
        )
    tab = await open_tab(color_scheme=scheme, bypass_csp=True)
    page = tab.page
    problems: dict[str, list[str]] = {}
    await sign_in(page, agent)
    for name, path, heading in (
        ("workspace", "/agent/tickets?view=open", "All open"),
        ("agent-ticket", f"/agent/tickets/{ticket.id}", ticket.subject),
    ):
        await page.set_viewport_size({"width": 1440, "height": 900})
        await page.goto(path)
        await expect(page.get_by_text("Live", exact=True)).to_be_visible()
        await check_page(page, name=name, heading=heading, scheme=scheme, axe_script=axe_script, problems=problems)
    await page.set_viewport_size({"width": 1440, "height": 900})
    await page.keyboard.press("?")
    await check_page(
        page, name="shortcuts", heading="Keyboard shortcuts", scheme=scheme, axe_script=axe_script, problems=problems
    )
    await page.keyboard.press("Escape")
    # The ticket page's dialogs: the macro menu and the reply box's canned responses.
    await seed_macro_and_canned_response(agent, await accounts(Role.ADMIN))
    for button, heading, ready in (
        ("Macros", "Apply a macro", "Refund issued"),
        ("Canned response", "Insert a canned response", "Charge explained"),
    ):
        await page.set_viewport_size({"width": 1440, "height": 900})
        await page.get_by_role("button", name=button, exact=True).click()
        await expect(page.get_by_role("dialog", name=heading).get_by_text(ready).first).to_be_visible()
        name = "macro-menu" if button == "Macros" else "canned-responses"
        await check_page(page, name=name, heading=heading, scheme=scheme, axe_script=axe_script, problems=problems)
        await page.keyboard.press("Escape")
    copy_readme_shots(scheme)
    assert not problems, json.dumps(problems, indent=2)


# Many pages at three sizes each, with axe: longer than the default limit on a busy machine.
@pytest.mark.timeout(300)
@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_admin_settings_pages_pass_axe_fit_every_size_and_screenshot(
    scheme: str, open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]], axe_script: Path
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    await accounts(Role.AGENT, display_name="Alex Agent")
    hours = sla_policy_pb2.BusinessHours(
        time_zone="America/Sao_Paulo",
        working_hours=[
            sla_policy_pb2.WorkingHours(day=day, start_time="09:00", end_time="18:00")
            for day in (
                sla_policy_pb2.WEEKDAY_MONDAY,
                sla_policy_pb2.WEEKDAY_TUESDAY,
                sla_policy_pb2.WEEKDAY_WEDNESDAY,
                sla_policy_pb2.WEEKDAY_THURSDAY,
                sla_policy_pb2.WEEKDAY_FRIDAY,
            )
        ],
        holidays=["2026-12-25", "2027-01-01"],
    )
    # The light and dark runs share the module's database: each policy is made once.
    listed = await admin.client.sla.ListSlaPolicies(sla_service_pb2.ListSlaPoliciesRequest(page_size=200))
    policies = list(listed.sla_policies)
    for name, priority, category, first, resolution in (
        ("Urgent", ticket_pb2.TICKET_PRIORITY_URGENT, "", 30 * 60, 8 * 3600),
        ("High billing", ticket_pb2.TICKET_PRIORITY_HIGH, "billing", 2 * 3600, 86400),
    ):
        if any(policy.display_name == name for policy in policies):
            continue
        policies.append(
            await admin.client.sla.CreateSlaPolicy(
                sla_service_pb2.CreateSlaPolicyRequest(
                    sla_policy=sla_policy_pb2.SlaPolicy(
                        display_name=name,
                        priority=priority,
                        category=category,
                        first_response_target=duration_pb2.Duration(seconds=first),
                        resolution_target=duration_pb2.Duration(seconds=resolution),
                        business_hours=hours if category else None,
                    ),
                    request_id=str(uuid.uuid4()),
                )
            )
        )
    responses = await admin.client.canned_responses.ListCannedResponses(
        canned_response_service_pb2.ListCannedResponsesRequest()
    )
    if not responses.canned_responses:
        await admin.client.canned_responses.CreateCannedResponse(
            canned_response_service_pb2.CreateCannedResponseRequest(
                canned_response=canned_response_pb2.CannedResponse(
                    title="Refund on its way",
                    body="Hi {{customer.first_name}},\n\nyour refund for ticket #{{ticket.number}} is on its way.",
                    scope=canned_response_pb2.CANNED_RESPONSE_SCOPE_SHARED,
                ),
                request_id=str(uuid.uuid4()),
            )
        )
    edit_path = f"/admin/sla/{next(p.id for p in policies if p.category)}"
    page = (await open_tab(color_scheme=scheme, bypass_csp=True)).page
    await sign_in(page, admin)
    problems: dict[str, list[str]] = {}
    for name, path, heading in (
        ("admin-sla", "/admin/sla", "Service levels"),
        ("admin-sla-edit", edit_path, "Edit SLA policy"),
        ("admin-assignment", "/admin/assignment", "Automatic assignment"),
        ("canned-responses", "/agent/canned-responses", "Canned responses"),
        ("admin-retention", "/admin/retention", "Data retention"),
    ):
        await page.set_viewport_size({"width": 1440, "height": 900})
        await page.goto(path)
        if name == "admin-sla":
            await expect(page.get_by_role("list", name="SLA policies").get_by_role("listitem")).to_have_count(2)
        if name == "admin-retention":
            await expect(page.get_by_label("Delete closed tickets")).to_be_visible()
        if name == "canned-responses":
            await expect(page.get_by_role("list", name="Canned responses").get_by_role("listitem")).to_have_count(1)
        if name == "admin-assignment":
            await expect(page.get_by_role("list", name="Agents").get_by_text("Alex Agent").first).to_be_visible()
            await expect(page.get_by_label("Default ticket capacity")).to_have_value("10")
        await check_page(page, name=name, heading=heading, scheme=scheme, axe_script=axe_script, problems=problems)
    # A field error from the server, shown at its field.
    await page.set_viewport_size({"width": 1440, "height": 900})
    await page.goto(edit_path)
    # The weekly hours are a table on a wide screen, its columns named once; on a phone each span is
    # a card with labels of its own (the rows' labels otherwise serve screen readers only).
    starts = page.get_by_text("Starts", exact=True)
    shown = "(all) => all.filter((label) => label.getBoundingClientRect().width > 1).length"
    await expect(page.get_by_label("Start of span 5")).to_be_visible()
    assert await starts.evaluate_all(shown) == 1
    await page.set_viewport_size({"width": 390, "height": 844})
    assert await starts.evaluate_all(shown) == 5
    await page.set_viewport_size({"width": 1440, "height": 900})
    await page.get_by_label("End of span 2").fill("08:00")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_text("Must end after it starts.")).to_be_visible()
    await check_page(
        page, name="admin-sla-error", heading="Edit SLA policy", scheme=scheme, axe_script=axe_script, problems=problems
    )
    await page.set_viewport_size({"width": 1440, "height": 900})
    await page.goto("/agent/canned-responses")
    await page.get_by_role("button", name="New canned response").click()
    await check_page(
        page,
        name="canned-response-new",
        heading="New canned response",
        scheme=scheme,
        axe_script=axe_script,
        problems=problems,
    )
    assert not problems, json.dumps(problems, indent=2)


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_reports_page_passes_axe_fits_every_size_and_screenshots(
    scheme: str, open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]], axe_script: Path
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    page = (await open_tab(color_scheme=scheme, bypass_csp=True)).page
    await sign_in(page, admin)
    today, zone = await browser_day_and_zone(page)
    query = report_query(today, today, zone)
    created, resolved = await ticket_totals(admin, query)
    await seed(await accounts(display_name="Maria Silva"), agent)
    await settled(admin, query, created=created + 3, resolved=resolved + 1)
    problems: dict[str, list[str]] = {}
    await page.goto("/reports?by=priority")
    await expect(page.locator('section[data-chart="ticket-breakdown"]')).to_be_visible()
    await check_page(page, name="reports", heading="Reports", scheme=scheme, axe_script=axe_script, problems=problems)
    # Every chart as its table.
    await page.set_viewport_size({"width": 1440, "height": 900})
    for button in await page.get_by_role("button", name="Table", exact=True).all():
        await button.click()
    await check_page(
        page, name="reports-tables", heading="Reports", scheme=scheme, axe_script=axe_script, problems=problems
    )
    copy_readme_shots(scheme)
    assert not problems, json.dumps(problems, indent=2)
