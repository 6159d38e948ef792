"""Time from a ticket change committed to its appearance in another agent's list, in a real browser.

Run against a running stack with the demo accounts (`make run`, or `helpdesk dev --gateway-port 8081`):

    .venv/bin/python -m bench.web_live_list --base http://127.0.0.1:8080 --changes 50

The demo customer opens a ticket with a fresh tag; agent 1 signs in through the app in Debian's
chromium and shows the workspace's "All open" view filtered by that tag; agent 2 (the Python
client, native gRPC through the same gateway) renames the ticket `--changes` times, one change
at a time. For each change the page records, with a MutationObserver, the wall-clock moment the
new subject is on screen; the script reports that moment minus the moment the writer's call
returned (the change was committed before the server answered, so this is at most the
commit-to-screen time plus one answer's way back) and minus the moment the call was sent (an
upper bound). Both clocks are this machine's.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

from playwright.async_api import Page, async_playwright

from helpdesk.client import HelpdeskClient
from helpdesk.v1 import ticket_pb2, ticket_service_pb2

AGENT = ("agent1@example.com", "demo-agent-pass")
WRITER = ("agent2@example.com", "demo-agent-pass")
CUSTOMER = ("customer1@example.com", "demo-customer-pass")
# Records, for the subject wanted next, the wall-clock time (ms) it first shows in the list.
_OBSERVE = """() => {
  window.__seen = {};
  window.__want = "";
  const check = () => {
    const want = window.__want;
    if (want && window.__seen[want] === undefined) {
      const rows = document.querySelectorAll("[data-ticket-row]");
      for (const row of rows) {
        if (row.textContent.includes(want)) { window.__seen[want] = performance.timeOrigin + performance.now(); break; }
      }
    }
  };
  new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true });
}"""


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


async def open_workspace(page: Page, base: str, tag: str) -> None:
    """Signs agent 1 in through the app and shows the tagged "All open" view, live."""
    await page.goto(base + "/sign-in")
    await page.get_by_label("Email").fill(AGENT[0])
    await page.get_by_label("Password").fill(AGENT[1])
    await page.get_by_role("button", name="Sign in").last.click()
    await page.wait_for_url(base + "/agent/tickets")
    await page.goto(f"{base}/agent/tickets?view=open&tag={tag}")
    await page.locator("[data-ticket-row]").first.wait_for()
    await page.get_by_text("Live", exact=True).wait_for()
    await page.evaluate(_OBSERVE)


async def measure(base: str, changes: int, pause: float) -> tuple[list[float], list[float]]:
    """(ms after the writer's answer, ms after the writer's request) per change."""
    address = base.removeprefix("http://").removeprefix("https://")
    customer, writer = HelpdeskClient(address), HelpdeskClient(address)
    await customer.sign_in(*CUSTOMER)
    await writer.sign_in(*WRITER)
    tag = f"bench{uuid.uuid4().hex[:8]}"
    ticket = await customer.tickets.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(subject=f"Live list bench {tag}", description="bench.web_live_list", tags=[tag]),
            request_id=str(uuid.uuid4()),
        )
    )
    after_answer: list[float] = []
    after_request: list[float] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = await (await browser.new_context(viewport={"width": 1440, "height": 900}, locale="en")).new_page()
        await open_workspace(page, base, tag)
        for number in range(changes):
            subject = f"Bench change {number} {tag}"
            await page.evaluate("(want) => { window.__want = want; }", subject)
            sent = time.time() * 1000
            await writer.tickets.UpdateTicket(
                ticket_service_pb2.UpdateTicketRequest(ticket=ticket_pb2.Ticket(id=ticket.id, subject=subject))
            )
            answered = time.time() * 1000
            await page.wait_for_function("(want) => window.__seen[want] !== undefined", arg=subject, timeout=30_000)
            seen = float(await page.evaluate("(want) => window.__seen[want]", subject))
            after_answer.append(seen - answered)
            after_request.append(seen - sent)
            await asyncio.sleep(pause)  # stay under the per-IP rate limit of the gateway
        await browser.close()
    await customer.close()
    await writer.close()
    return after_answer, after_request


def main() -> None:
    """Measures and prints p50 / p99 / worst."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base", default="http://127.0.0.1:8080", help="the app's address (Envoy)")
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between changes")
    options = parser.parse_args()
    after_answer, after_request = asyncio.run(measure(options.base, options.changes, options.pause))
    results = (("commit acknowledged → on screen", after_answer), ("request sent → on screen", after_request))
    for name, values in results:
        print(
            f"{name}, {len(values)} changes: p50 {statistics.median(values):.0f} ms, "
            f"p99 {percentile(values, 0.99):.0f} ms, worst {max(values):.0f} ms"
        )


if __name__ == "__main__":
    main()
