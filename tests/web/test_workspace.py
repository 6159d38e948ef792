"""The agent workspace in the browser: live lists and ticket pages across agents, the stale-etag
path, internal notes kept from customers, and a keyboard-only run through the queue.

Live means without a reload: each page gets a marker in `window` at the start, which a reload
would wipe, and the test checks it is still there at the end.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import Locator, Page, expect

from helpdesk.v1 import ticket_pb2, ticket_service_pb2
from server.core.context import Role
from tests.web.conftest import Account, OpenTab, sign_in

pytestmark = pytest.mark.slow

MakeAccount = Callable[..., Awaitable[Account]]
WATCH = re.compile(r"/helpdesk\.v1\.TicketService/WatchTickets$")
# Every response body the page's fetch reads, streamed ones included, kept as text (gRPC-Web
# frames carry message text as plain UTF-8 bytes).
RECORD_BODIES = """
(() => {
  const original = window.fetch.bind(window);
  window.__bodies = [];
  window.fetch = async (...args) => {
    const response = await original(...args);
    if (!response.body) return response;
    const [mine, theirs] = response.body.tee();
    (async () => {
      const reader = mine.getReader();
      const decoder = new TextDecoder("latin1");
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        window.__bodies.push(decoder.decode(value));
      }
    })();
    const init = { status: response.status, statusText: response.statusText, headers: response.headers };
    return new Response(theirs, init);
  };
})();
"""


async def open_ticket(customer: Account, subject: str, *, tags: tuple[str, ...] = ()) -> ticket_pb2.Ticket:
    """A ticket of `customer`, opened through the API."""
    return await customer.client.tickets.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(subject=subject, description="It stopped working.", tags=list(tags)),
            request_id=str(uuid.uuid4()),
        )
    )


async def drafting(page: Page, agent: Account, ticket: ticket_pb2.Ticket, draft: str) -> Locator:
    """`agent` signed in on `ticket`'s page with `draft` in its reply box; the box.

    The page's clock is installed before the page loads, so that the test can hold its frames and
    timers later (`page.clock.pause_at`); until then it runs as usual.
    """
    await page.clock.install()
    await sign_in(page, agent, then=f"/agent/tickets/{ticket.id}")
    box = page.get_by_label("Reply to")
    await box.fill(draft)
    return box


async def mark(page: Page) -> None:
    """Puts a marker in the page that only a reload would remove."""
    await page.evaluate("window.__notReloaded = true")


async def assert_not_reloaded(page: Page) -> None:
    """The page is still the one marked (nothing reloaded it)."""
    assert await page.evaluate("window.__notReloaded === true")


def user_id(account: Account) -> str:
    """The signed-in account's user id."""
    user = account.client.user
    assert user is not None
    return user.id


async def test_one_agents_changes_reach_the_others_list_and_ticket_page_live(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    customer = await accounts(display_name="Live Customer")
    alice = await accounts(Role.AGENT, display_name="Alice Agent")
    bob = await accounts(Role.AGENT, display_name="Bob Agent")
    tag = f"live{uuid.uuid4().hex[:8]}"
    ticket = await open_ticket(customer, f"Router keeps rebooting {tag}", tags=(tag,))

    bob_list = (await open_tab()).page
    await sign_in(bob_list, bob, then=f"/agent/tickets?view=open&tag={tag}")
    rows = bob_list.get_by_role("list", name="Tickets").get_by_role("listitem")
    await expect(rows).to_have_count(1)
    await expect(bob_list.get_by_text("Live", exact=True)).to_be_visible()
    await mark(bob_list)
    bob_ticket = (await open_tab()).page
    await sign_in(bob_ticket, bob, then=f"/agent/tickets/{ticket.id}")
    await expect(bob_ticket.get_by_role("heading", level=1)).to_have_text(ticket.subject)
    await expect(bob_ticket.get_by_text("Live", exact=True)).to_be_visible()
    await mark(bob_ticket)

    alice_page = (await open_tab()).page
    await sign_in(alice_page, alice, then=f"/agent/tickets/{ticket.id}")
    await alice_page.get_by_role("button", name="Assign to me").click()
    await expect(alice_page.get_by_label("Assignee")).to_have_value(user_id(alice))
    await alice_page.get_by_label("Status").select_option(label="Waiting on customer")
    await expect(alice_page.get_by_label("Status")).to_have_value("waiting")

    # Bob's list row and ticket page follow, without a reload.
    await expect(rows.first).to_contain_text("Alice Agent")
    await expect(rows.first).to_contain_text("Waiting on customer")
    await expect(bob_ticket.get_by_label("Assignee")).to_have_value(user_id(alice))
    await expect(bob_ticket.get_by_label("Status")).to_have_value("waiting")
    await expect(bob_ticket.get_by_role("complementary").get_by_text("Alice Agent changed status")).to_be_visible()
    # A ticket that leaves the view leaves the list; a new one joins it.
    await alice_page.get_by_label("Status").select_option(label="Resolved")
    await expect(rows).to_have_count(0)
    second = await open_ticket(customer, f"Second problem {tag}", tags=(tag,))
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(second.subject)
    await assert_not_reloaded(bob_list)
    await assert_not_reloaded(bob_ticket)


async def test_a_stale_etag_shows_the_fresh_ticket_and_keeps_the_draft(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    customer = await accounts()
    alice = await accounts(Role.AGENT, display_name="Alice Agent")
    bob = await accounts(Role.AGENT, display_name="Bob Agent")
    ticket = await open_ticket(customer, "Cannot export reports")
    page = (await open_tab()).page
    # No live updates on this page: it keeps the version it loaded, as a page would while its
    # stream is down, so that its next change carries a stale etag.
    await page.route(WATCH, lambda route: route.abort())
    draft = "Hi! Could you send me a screenshot of the export dialog?"
    box = await drafting(page, alice, ticket, draft)
    await expect(page.get_by_label("Status")).to_have_value("open")

    await bob.client.tickets.ChangeTicketStatus(
        ticket_service_pb2.ChangeTicketStatusRequest(
            id=ticket.id, status=ticket_pb2.TICKET_STATUS_IN_PROGRESS, etag=ticket.etag
        )
    )
    await page.get_by_label("Priority").select_option(label="Urgent")
    await expect(page.get_by_role("status").filter(has_text="Someone else changed this ticket")).to_be_visible()
    await expect(page.get_by_label("Status")).to_have_value("in_progress")
    await expect(page.get_by_label("Priority")).to_have_value("medium")
    await expect(box).to_have_value(draft)
    # Made again on the fresh version, the change goes through.
    await page.get_by_label("Priority").select_option(label="Urgent")
    await expect(page.get_by_label("Priority")).to_have_value("urgent")
    stored = await bob.client.tickets.GetTicket(ticket_service_pb2.GetTicketRequest(id=ticket.id))
    assert (stored.status, stored.priority) == (ticket_pb2.TICKET_STATUS_IN_PROGRESS, ticket_pb2.TICKET_PRIORITY_URGENT)


async def test_keyboard_only_queue_ticket_reply_note_assign_and_the_note_never_reaches_the_customer(
    open_tab: OpenTab, accounts: MakeAccount
) -> None:
    customer = await accounts(display_name="Keyboard Customer")
    agent = await accounts(Role.AGENT, display_name="Kim Agent")
    tag = f"keys{uuid.uuid4().hex[:8]}"
    ticket = await open_ticket(customer, f"Password reset mail never arrives {tag}", tags=(tag,))

    customer_tab = await open_tab()
    await customer_tab.context.add_init_script(RECORD_BODIES)
    shopper = customer_tab.page
    await sign_in(shopper, customer, then=f"/tickets/{ticket.id}")
    customer_conversation = shopper.get_by_role("region", name="Conversation")
    await expect(customer_conversation.get_by_role("listitem")).to_have_count(1)
    await mark(shopper)

    page = (await open_tab()).page
    await sign_in(page, agent, then=f"/agent/tickets?view=unassigned&tag={tag}")
    await expect(page.get_by_role("list", name="Tickets").get_by_role("listitem")).to_have_count(1)
    await page.keyboard.press("?")
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    await expect(shortcuts).to_contain_text("Next ticket")
    await page.keyboard.press("Escape")
    await expect(shortcuts).to_be_hidden()

    await page.keyboard.press("j")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text(ticket.subject)
    reply = "Please check your spam folder; I have sent it again."
    note = f"Customer on legacy mail relay {uuid.uuid4().hex}"
    await page.keyboard.press("r")
    await expect(page.get_by_label("Reply to")).to_be_focused()
    await page.keyboard.type(reply)
    await page.keyboard.press("Control+Enter")
    conversation = page.get_by_role("list", name="Conversation")
    await expect(conversation.get_by_role("listitem")).to_have_count(2)
    await page.keyboard.press("Escape")
    await page.keyboard.press("n")
    await expect(page.get_by_label("Internal note (agents only)")).to_be_focused()
    await page.keyboard.type(note)
    await page.keyboard.press("Control+Enter")
    await expect(conversation.get_by_role("listitem")).to_have_count(3)
    await expect(conversation.get_by_role("listitem").nth(2)).to_contain_text("Internal note")
    await page.keyboard.press("Escape")
    await page.keyboard.press("a")
    await expect(page.get_by_label("Assignee")).to_have_value(user_id(agent))

    # Ctrl+K jumps back to the ticket by its number from anywhere.
    await page.goto("/agent/tickets?view=resolved")
    await expect(page.get_by_role("heading", name="Resolved")).to_be_visible()
    await page.keyboard.press("Control+k")
    await expect(page.get_by_label("Ticket number or words to search for")).to_be_focused()
    await page.keyboard.type(f"#{ticket.number}")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text(ticket.subject)

    # The customer saw the reply arrive live, and never the note: not on the page, not on the wire.
    await expect(customer_conversation.get_by_role("listitem")).to_have_count(2)
    await expect(customer_conversation).to_contain_text(reply)
    await assert_not_reloaded(shopper)
    assert note not in await shopper.content()
    received = "".join(await shopper.evaluate("window.__bodies"))
    assert reply in received
    assert note not in received
