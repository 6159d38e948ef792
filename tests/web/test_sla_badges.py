"""SLA due times in the agent workspace: the pending target shows on the ticket's row and page,
moves from first reply to resolution once an agent replies, and is never shown to the customer.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable

import pytest
from google.protobuf import duration_pb2, field_mask_pb2
from playwright.async_api import expect

from helpdesk.v1 import sla_policy_pb2, sla_service_pb2, ticket_pb2, ticket_service_pb2
from server.core.context import Role
from tests.web.conftest import Account, OpenTab, sign_in
from tests.web.test_workspace import open_ticket

pytestmark = pytest.mark.slow

MakeAccount = Callable[..., Awaitable[Account]]
HOUR = 3600


async def test_the_pending_target_shows_on_the_row_and_the_page_and_moves_on_after_the_first_reply(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    admin = await accounts(Role.ADMIN)
    customer = await accounts(display_name="Nina Customer")
    agent = await accounts(Role.AGENT, display_name="Omar Agent")
    category = f"sla{uuid.uuid4().hex[:8]}"
    await admin.client.sla.CreateSlaPolicy(
        sla_service_pb2.CreateSlaPolicyRequest(
            sla_policy=sla_policy_pb2.SlaPolicy(
                display_name="Urgent within the day",
                priority=ticket_pb2.TICKET_PRIORITY_URGENT,
                category=category,
                first_response_target=duration_pb2.Duration(seconds=2 * HOUR),
                resolution_target=duration_pb2.Duration(seconds=5 * HOUR),
            )
        )
    )
    ticket = await open_ticket(customer, f"Checkout is down {category}", tags=(category,))
    ticket = await agent.client.tickets.UpdateTicket(
        ticket_service_pb2.UpdateTicketRequest(
            ticket=ticket_pb2.Ticket(
                id=ticket.id, etag=ticket.etag, priority=ticket_pb2.TICKET_PRIORITY_URGENT, category=category
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["priority", "category"]),
        )
    )
    assert ticket.HasField("first_response_due_time")

    page = (await open_tab()).page
    await sign_in(page, agent, then=f"/agent/tickets?view=open&tag={category}")
    row = page.get_by_role("link").filter(has_text=f"Checkout is down {category}")
    await expect(row).to_contain_text(re.compile(r"First reply due in (2 hours|1\d\d minutes)"))

    await row.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Checkout is down {category}")
    await expect(page.get_by_text(re.compile(r"^First reply due in"))).to_be_visible()

    await page.get_by_label("Reply to").fill("We are on it.")
    await page.get_by_role("button", name="Send reply").click()
    # The first reply is in: the resolution is what is due now (live, without a reload).
    await expect(page.get_by_text(re.compile(r"^Resolution due in (5|4) hours"))).to_be_visible()
    await expect(page.get_by_text(re.compile(r"^First reply due"))).to_have_count(0)

    # The customer's page never shows service levels.
    reader = (await open_tab()).page
    await sign_in(reader, customer, then=f"/tickets/{ticket.id}")
    await expect(reader.get_by_role("heading", level=1)).to_have_text(f"Checkout is down {category}")
    await expect(reader.get_by_text(re.compile(r"(First reply|Resolution) (due|overdue)|SLA paused"))).to_have_count(0)
