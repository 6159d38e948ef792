"""Time from navigation to the web app's ticket list shown with 50 tickets, in a real browser.

Run against a running stack (`make run`, or `helpdesk dev --gateway-port 8081`):

    .venv/bin/python -m bench.web_ticket_list --base http://127.0.0.1:8080 --runs 10

It registers a fresh customer through the gateway's JSON API, opens 50 tickets for them (paced
under the per-IP rate limit), signs in through the app in Debian's chromium, then reloads
`/tickets` again and again and reports how long each took until 50 ticket rows were on screen,
measured in the page (`performance.now()` from navigation start). Each reload restores the
session from the kept refresh token and fetches the list: what a returning customer waits for.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import urllib.request
import uuid
from collections.abc import Mapping

from playwright.async_api import async_playwright

TICKETS = 50
# Resolves with performance.now() once the list shows TICKETS rows (links to /tickets/<uuid>).
_WAIT_FOR_ROWS = """(count) => new Promise((resolve) => {
  const check = () => {
    const rows = document.querySelectorAll('main a[href^="/tickets/"][href*="-"]').length;
    if (rows >= count) resolve(performance.now()); else requestAnimationFrame(check);
  };
  check();
})"""


def _post(base: str, path: str, body: Mapping[str, object], token: str | None = None) -> dict[str, object]:
    """POSTs JSON to the gateway and returns the decoded answer."""
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST")  # noqa: S310
    request.add_header("content-type", "application/json")
    if token is not None:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (the URL is the operator's)
        decoded: dict[str, object] = json.loads(answer.read())
        return decoded


def seed_customer(base: str) -> tuple[str, str]:
    """A new customer with TICKETS tickets; returns (email, password)."""
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    password = "bench-password-1"  # noqa: S105 (a throwaway account on a local stack)
    answer = _post(base, "/v1/auth:register", {"email": email, "password": password, "displayName": "Bench Customer"})
    token = str(answer["accessToken"])
    for number in range(TICKETS):
        body = {"subject": f"Benchmark ticket {number + 1}", "description": "Opened by bench.web_ticket_list."}
        _post(base, "/v1/tickets", body, token)
        time.sleep(0.15)  # stay under the default 10 requests/s per IP
    return email, password


async def measure(base: str, email: str, password: str, runs: int) -> list[float]:
    """Milliseconds from navigation start to TICKETS rows shown, once per reload."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = await (await browser.new_context(viewport={"width": 1440, "height": 900}, locale="en")).new_page()
        await page.goto(base + "/sign-in")
        await page.get_by_label("Email").fill(email)
        await page.get_by_label("Password").fill(password)
        await page.get_by_role("button", name="Sign in").last.click()
        await page.wait_for_url(base + "/tickets")
        timings: list[float] = []
        for _ in range(runs):
            await page.goto(base + "/tickets", wait_until="commit")
            timings.append(float(await page.evaluate(_WAIT_FOR_ROWS, TICKETS)))
        await browser.close()
        return timings


def main() -> None:
    """Seeds, measures and prints the timings with their median and worst."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base", default="http://127.0.0.1:8080", help="the app's address (Envoy)")
    parser.add_argument("--runs", type=int, default=10)
    options = parser.parse_args()
    email, password = seed_customer(options.base)
    timings = asyncio.run(measure(options.base, email, password, options.runs))
    print(f"navigation → {TICKETS} tickets shown, {len(timings)} reloads (ms): {[round(t) for t in timings]}")
    print(f"median {statistics.median(timings):.0f} ms, worst {max(timings):.0f} ms")


if __name__ == "__main__":
    main()
