"""The agent workspace's "SLA breached" view: a ticket that breaches while an agent looks at the view
joins it live (no reload), due soonest first, and leaves it when resolved; screenshots light and dark.

The module's server runs the SLA on a clock the test moves, and the test runs the breach job
itself, as a replica's timer would. The clock starts hours in the past so that every due time it
produces is in the browser's past too, as on a real desk.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from google.protobuf import duration_pb2
from playwright.async_api import expect

from helpdesk.v1 import sla_policy_pb2, sla_service_pb2, ticket_pb2, ticket_service_pb2
from server.app import HelpdeskApp
from server.core.context import Role
from server.settings import Settings
from tests.server.sla.sla_support import FakeClock
from tests.web.conftest import Account, OpenTab, sign_in
from tests.web.test_pages import check_page
from tests.web.test_workspace import assert_not_reloaded, mark

pytestmark = pytest.mark.slow

MakeAccount = Callable[..., Awaitable[Account]]
HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    """The server's SLA clock: six hours ago, moved by the test."""
    clock = FakeClock()
    clock.set(datetime.now(UTC) - 6 * HOUR)
    return clock


@pytest.fixture(scope="module")
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[HelpdeskApp]:
    """The module's server on `clock`, its own breach job practically off (the test runs it)."""
    server = await HelpdeskApp.create(settings.replace(sla_check_interval_seconds=3600.0), clock=clock)
    await server.start()
    yield server
    await server.stop(grace=1.0)


async def breach_job(app: HelpdeskApp) -> None:
    """One run of the breach job, as a replica's timer would start it."""
    assert app.sla is not None
    await app.sla.breaches.run_once()


async def open_ticket(customer: Account, subject: str) -> ticket_pb2.Ticket:
    """A medium-priority ticket of `customer` (the module's policy applies to it)."""
    return await customer.client.tickets.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(subject=subject, description="Nothing works since this morning."),
            request_id=str(uuid.uuid4()),
        )
    )


async def test_a_ticket_that_breaches_joins_the_view_live_due_soonest_first_and_leaves_when_resolved(
    app: HelpdeskApp, clock: FakeClock, open_tab: OpenTab, accounts: MakeAccount, axe_script: Path
) -> None:
    admin = await accounts(Role.ADMIN)
    customer = await accounts(display_name="Rita Customer")
    agent = await accounts(Role.AGENT, display_name="Sam Agent")
    await admin.client.sla.CreateSlaPolicy(
        sla_service_pb2.CreateSlaPolicyRequest(
            sla_policy=sla_policy_pb2.SlaPolicy(
                display_name="Medium: within the hour",
                priority=ticket_pb2.TICKET_PRIORITY_MEDIUM,
                first_response_target=duration_pb2.Duration(seconds=3600),
                resolution_target=duration_pb2.Duration(seconds=8 * 3600),
                warning_window=duration_pb2.Duration(seconds=900),
            )
        )
    )
    oldest = await open_ticket(customer, "Invoices show the wrong VAT")  # first reply due at 1 h
    clock.advance(2 * HOUR)
    await breach_job(app)
    sooner = await open_ticket(customer, "Card declined at checkout")  # due at 3 h
    clock.advance(HOUR / 6)
    later = await open_ticket(customer, "Refund never arrived")  # due at 3 h 10
    answered = await open_ticket(customer, "Password reset email is late")  # answered in time
    await agent.client.tickets.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(
            ticket_id=answered.id, body="Resent it just now.", request_id=str(uuid.uuid4())
        )
    )
    clock.advance(HOUR / 2)
    at_risk = await open_ticket(customer, "Question about the annual plan")  # due at 3 h 40, warned at 3 h 25

    page = (await open_tab()).page
    await sign_in(page, agent, then="/agent/tickets?view=breached")
    await expect(page.get_by_role("heading", level=1)).to_have_text("SLA breached")
    rows = page.get_by_role("list", name="Tickets").get_by_role("listitem")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(oldest.subject)
    await expect(rows.first).to_contain_text("First reply overdue")
    await expect(page.get_by_text("Live", exact=True)).to_be_visible()
    view_link = page.get_by_role("navigation", name="Views").get_by_role("link", name="SLA breached")
    await expect(view_link).to_contain_text("1")
    await mark(page)

    # The clock passes two more due times while the agent looks: both join, due soonest first.
    clock.advance(HOUR - HOUR / 6)  # 3 h 30
    await breach_job(app)
    await expect(rows).to_have_count(3)
    await expect(rows.nth(0)).to_contain_text(oldest.subject)
    await expect(rows.nth(1)).to_contain_text(sooner.subject)
    await expect(rows.nth(2)).to_contain_text(later.subject)
    await expect(rows.nth(1)).to_contain_text("First reply overdue")
    await expect(view_link).to_contain_text("3")
    # Neither the ticket answered in time nor the one only at risk.
    listed = await page.get_by_role("list", name="Tickets").inner_text()
    assert answered.subject not in listed
    assert at_risk.subject not in listed

    # Resolved elsewhere, the oldest leaves the view.
    await agent.client.tickets.ChangeTicketStatus(
        ticket_service_pb2.ChangeTicketStatusRequest(id=oldest.id, status=ticket_pb2.TICKET_STATUS_RESOLVED)
    )
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text(sooner.subject)
    await assert_not_reloaded(page)

    # On a phone the views are a scrolling row: the current one is scrolled into sight.
    phone = (await open_tab(viewport=(390, 844))).page
    await sign_in(phone, agent, then="/agent/tickets?view=breached")
    current = phone.get_by_role("navigation", name="Views").get_by_role("link", name="SLA breached")
    await expect(current).to_have_attribute("aria-current", "page")
    await expect(current).to_be_in_viewport(ratio=1)

    # The view as agents see it, light and dark, at every size (axe and no sideways scrolling).
    problems: dict[str, list[str]] = {}
    for scheme in ("light", "dark"):
        shot = (await open_tab(color_scheme=scheme, bypass_csp=True)).page
        await sign_in(shot, agent, then="/agent/tickets?view=breached")
        await expect(shot.get_by_role("list", name="Tickets").get_by_role("listitem")).to_have_count(2)
        await check_page(
            shot,
            name="workspace-breached",
            heading="SLA breached",
            scheme=scheme,
            axe_script=axe_script,
            problems=problems,
        )
    assert problems == {}
