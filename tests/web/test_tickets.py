"""A customer's tickets in the browser: create (once, however often the button is hit), reply, read answers.

The agent works through the Python client (native gRPC through the same gateway). Internal notes
must never reach the customer's browser: not on the page, not in any gRPC-Web response body.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import Route, expect

from helpdesk.v1 import ticket_pb2, ticket_service_pb2
from server.core.context import Role
from tests.web.conftest import Account, OpenTab, sign_in
from tests.web.test_workspace import open_ticket

pytestmark = pytest.mark.slow

XSS = "<img src=x onerror=alert(1)>"


async def test_create_once_reply_and_see_the_agents_answer_but_never_the_internal_note(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    customer = await accounts(display_name="Ticket Customer")
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    tab = await open_tab()
    page = tab.page
    await sign_in(page, customer)
    # Every unary API answer passes through here on its way to the page, complete (a streamed
    # answer, which would never complete, is left alone).
    api_bodies: list[bytes] = []

    async def keep_api_body(route: Route) -> None:
        response = await route.fetch()
        api_bodies.append(await response.body())
        await route.fulfill(response=response)

    await page.route(re.compile(r"/helpdesk\.v1\.\w+/(?!Stream|Watch)\w+$"), keep_api_body)

    subject = f"{XSS} #{uuid.uuid4().hex[:6]}"
    await page.goto("/tickets/new")
    await page.get_by_label("Subject").fill(subject)
    await page.get_by_label("Description").fill(f"It broke.\n{XSS}")
    await page.get_by_label("Priority").select_option(label="High")
    # Two quick clicks, as an impatient user would: one ticket.
    await page.get_by_role("button", name="Submit ticket").dblclick()

    await expect(page.get_by_role("heading", level=1)).to_have_text(subject)
    conversation = page.get_by_role("region", name="Conversation")
    await expect(conversation.get_by_role("listitem")).to_have_count(1)
    await expect(conversation).to_contain_text(f"It broke.\n{XSS}")
    assert await page.locator("img[src='x']").count() == 0
    listed = await customer.client.tickets.ListTickets(ticket_service_pb2.ListTicketsRequest(page_size=50))
    mine = [ticket for ticket in listed.tickets if ticket.subject == subject]
    assert len(mine) == 1, [t.subject for t in listed.tickets]
    ticket_id = mine[0].id
    assert page.url.endswith(f"/tickets/{ticket_id}")

    reply = f"My reply {XSS}"
    await page.get_by_label("Your reply").fill(reply)
    await page.get_by_role("button", name="Send reply").click()
    await expect(conversation.get_by_role("listitem")).to_have_count(2)
    await expect(conversation.get_by_role("listitem").nth(1)).to_contain_text(reply)

    answer = f"Public answer {uuid.uuid4().hex}"
    note = f"Internal note {uuid.uuid4().hex}"
    for body, internal in ((note, True), (answer, False)):
        await agent.client.tickets.AddTicketMessage(
            ticket_service_pb2.AddTicketMessageRequest(
                ticket_id=ticket_id, body=body, internal=internal, request_id=str(uuid.uuid4())
            )
        )
    await page.reload()
    await expect(conversation.get_by_role("listitem")).to_have_count(3)
    await expect(conversation.get_by_role("listitem").nth(2)).to_contain_text(answer)
    await expect(conversation.get_by_role("listitem").nth(2)).to_contain_text("Alex Agent")
    assert note not in await page.content()

    # The browser received the answer over gRPC-Web, and never the note, in any response.
    assert any(answer.encode() in body for body in api_bodies)
    assert not any(note.encode() in body for body in api_bodies)
    # The server kept both messages and exactly the customer's one reply.
    thread = await agent.client.tickets.ListTicketMessages(
        ticket_service_pb2.ListTicketMessagesRequest(ticket_id=ticket_id, page_size=50)
    )
    assert [m.body for m in thread.messages] == [reply, note, answer]


async def test_my_tickets_lists_them_and_filters_live_in_the_url(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    customer = await accounts()
    for subject in ("Printer on fire", "Invoice missing"):
        await customer.client.tickets.CreateTicket(
            ticket_service_pb2.CreateTicketRequest(
                ticket=ticket_pb2.Ticket(subject=subject, description="details"), request_id=str(uuid.uuid4())
            )
        )
    tab = await open_tab()
    page = tab.page
    await sign_in(page, customer, then="/tickets")
    await expect(page.get_by_role("link", name="Printer on fire")).to_be_visible()
    await expect(page.get_by_role("link", name="Invoice missing")).to_be_visible()

    await page.get_by_label("Search tickets").fill("invoice")
    await page.get_by_label("Search tickets").press("Enter")
    await expect(page.get_by_role("link", name="Printer on fire")).to_have_count(0)
    await expect(page.get_by_role("link", name="Invoice missing")).to_be_visible()
    assert "invoice" in page.url
    # The filtered view is bookmarkable: a fresh load of the URL shows the same.
    await page.reload()
    await expect(page.get_by_role("link", name="Invoice missing")).to_be_visible()
    await expect(page.get_by_role("link", name="Printer on fire")).to_have_count(0)


async def test_a_missing_ticket_or_another_customers_opens_as_not_found_with_a_way_back(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    owner = await accounts(display_name="Owner Customer")
    stranger = await accounts(display_name="Other Customer")
    agent = await accounts(Role.AGENT, display_name="Kim Agent")
    theirs = await open_ticket(owner, "My router is broken")

    # Someone else's ticket reads exactly like one that does not exist.
    page = (await open_tab()).page
    await sign_in(page, stranger)
    for ticket_id in (theirs.id, str(uuid.uuid4())):
        await page.goto(f"/tickets/{ticket_id}")
        await expect(page.get_by_role("heading", name="Ticket not found")).to_be_visible()
        await expect(page.get_by_text("It may not exist, or it belongs to another account.")).to_be_visible()
        await expect(page.get_by_text(theirs.subject)).to_have_count(0)
    await page.get_by_role("link", name="All tickets", exact=True).click()
    await expect(page.get_by_role("heading", name="My tickets", exact=True)).to_be_visible()
    assert page.url.endswith("/tickets")

    desk = (await open_tab()).page
    await sign_in(desk, agent, then=f"/agent/tickets/{uuid.uuid4()}")
    await expect(desk.get_by_role("heading", name="Ticket not found")).to_be_visible()
    await expect(desk.get_by_text("It may have been deleted.")).to_be_visible()
    await desk.get_by_role("link", name="Back to tickets", exact=True).click()
    await expect(desk).to_have_url(re.compile(r"/agent/tickets$"))
