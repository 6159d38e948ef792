"""The customer rates a resolved ticket from its page: stars and a comment, once; checked in light and dark.

The agent resolves the ticket through the Python client. The form says what is missing at the
field, the comment is shown as text, and the server keeps exactly the one rating.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import expect

from helpdesk.v1 import ticket_pb2, ticket_service_pb2
from server.core.context import Role
from tests.web.conftest import ARTIFACTS, Account, OpenTab, sign_in
from tests.web.test_pages import SIZES, run_axe

pytestmark = pytest.mark.slow

XSS = "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_the_customer_rates_a_resolved_ticket_once(
    scheme: str, open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]], axe_script: Path
) -> None:
    customer = await accounts(display_name="Maria Silva")
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    ticket = await customer.client.tickets.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(subject="Refund not received", description="Still waiting for it."),
            request_id=str(uuid.uuid4()),
        )
    )
    await agent.client.tickets.ChangeTicketStatus(
        ticket_service_pb2.ChangeTicketStatusRequest(id=ticket.id, status=ticket_pb2.TICKET_STATUS_RESOLVED)
    )
    tab = await open_tab(color_scheme=scheme, bypass_csp=True)
    page = tab.page
    await sign_in(page, customer, then=f"/tickets/{ticket.id}")
    await expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()

    # Nothing chosen: the form says so at the stars, and sends nothing.
    await page.get_by_role("button", name="Send rating").click()
    await expect(page.get_by_text("Choose from 1 to 5 stars.")).to_be_visible()
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for width, height in SIZES:
        await page.set_viewport_size({"width": width, "height": height})
        await expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
        await page.screenshot(path=str(shots / f"ticket-rating-{width}x{height}-{scheme}.png"), full_page=True)
        overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            problems.append(f"{width}x{height} scrolls sideways by {overflow}px")
    problems += await run_axe(page, axe_script)

    await page.set_viewport_size({"width": 1440, "height": 900})
    await page.get_by_label("4 stars").check()
    await page.get_by_label("Comment").fill(f"Quick and kind {XSS}")
    await page.get_by_role("button", name="Send rating").click()
    summary = page.get_by_role("status").filter(has_text="You rated this ticket 4 out of 5.")
    await expect(summary).to_be_visible()
    await expect(summary).to_contain_text(f"Quick and kind {XSS}")
    assert await page.locator("img[src='x']").count() == 0
    await page.screenshot(path=str(shots / f"ticket-rated-1440x900-{scheme}.png"), full_page=True)
    problems += await run_axe(page, axe_script)
    assert not problems, problems

    # The rating stays after a reload, and the server holds exactly it.
    await page.reload()
    await expect(page.get_by_text("You rated this ticket 4 out of 5.")).to_be_visible()
    await expect(page.get_by_role("button", name="Send rating")).to_have_count(0)
    stored = await agent.client.tickets.GetTicket(ticket_service_pb2.GetTicketRequest(id=ticket.id))
    assert (stored.rating, stored.rating_comment) == (4, f"Quick and kind {XSS}")
