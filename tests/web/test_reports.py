"""The reports page against the real stack: tickets and chats seeded through the API, every chart and
its table view rendered, the tables' numbers equal to what ReportService answers, the range kept in
the URL, the CSV downloaded through the streaming export, an agent seeing only their own figures (in
Portuguese), a bad range refused by the server at the field it names, and a browser in India (+05:30) reading
its own local hours."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

import grpc
import pytest
from google.protobuf import timestamp_pb2
from playwright.async_api import Browser, Locator, Page, expect

from helpdesk.v1 import (
    chat_service_pb2,
    report_pb2,
    report_service_pb2,
    report_service_pb2_grpc,
    ticket_pb2,
    ticket_service_pb2,
)
from server.core.context import Role
from tests.web.conftest import Account, OpenTab, sign_in

pytestmark = pytest.mark.slow

# Every chart of the page (data-chart), with the report figures its table shows, one list per row.
COUNT_CHARTS = (
    "ticket-volume",
    "ticket-backlog",
    "ticket-sla",
    "chat-volume",
    "satisfaction-distribution",
    "agent-load-now",
)
TIME_CHARTS = ("ticket-times", "chat-wait", "satisfaction-average", "agent-load-over-time")


async def browser_day_and_zone(page: Page) -> tuple[dt.date, str]:
    """The browser's today and IANA time zone: the page's buckets follow them."""
    day, zone = await page.evaluate(
        """() => {
            const now = new Date();
            const pad = (n) => String(n).padStart(2, "0");
            return [`${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`,
                    Intl.DateTimeFormat().resolvedOptions().timeZone];
        }"""
    )
    return dt.date.fromisoformat(day), zone


def report_query(first: dt.date, last: dt.date, zone: str) -> report_pb2.ReportQuery:
    """The query the page sends for ?from=first&to=last (whole local days, `last` included), by day."""
    tz = ZoneInfo(zone)
    start, end = timestamp_pb2.Timestamp(), timestamp_pb2.Timestamp()
    start.FromDatetime(dt.datetime.combine(first, dt.time(), tz).astimezone(dt.UTC).replace(tzinfo=None))
    end.FromDatetime(
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC).replace(tzinfo=None)
    )
    return report_pb2.ReportQuery(start_time=start, end_time=end, time_zone=zone, bucket=report_pb2.REPORT_BUCKET_DAY)


def reports(account: Account) -> report_service_pb2_grpc.ReportServiceAsyncStub:
    """ReportService over the account's signed-in channel."""
    channel: grpc.aio.Channel = account.client.channel
    return report_service_pb2_grpc.ReportServiceStub(channel)


async def seed(customer: Account, agent: Account) -> None:
    """Three tickets (one answered and resolved, then rated), one chat taken, ended and rated."""
    created = []
    for subject, priority in (
        ("I was charged twice", ticket_pb2.TICKET_PRIORITY_URGENT),
        ("Export cuts long names", ticket_pb2.TICKET_PRIORITY_MEDIUM),
        ("Cannot log in", ticket_pb2.TICKET_PRIORITY_HIGH),
    ):
        created.append(
            await customer.client.tickets.CreateTicket(
                ticket_service_pb2.CreateTicketRequest(
                    ticket=ticket_pb2.Ticket(
                        subject=subject, description="Details.", priority=priority, category="billing"
                    ),
                    request_id=str(uuid.uuid4()),
                )
            )
        )
    for ticket in created[:2]:
        await agent.client.tickets.AssignTicket(ticket_service_pb2.AssignTicketRequest(id=ticket.id, assignee_id="me"))
    first = created[0]
    await agent.client.tickets.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=first.id, body="Refunded.", request_id=str(uuid.uuid4()))
    )
    await agent.client.tickets.ChangeTicketStatus(
        ticket_service_pb2.ChangeTicketStatusRequest(id=first.id, status=ticket_pb2.TICKET_STATUS_RESOLVED)
    )
    await customer.client.tickets.RateTicket(ticket_service_pb2.RateTicketRequest(id=first.id, rating=5))
    started = await customer.client.chat.StartChat(
        chat_service_pb2.StartChatRequest(topic="Billing", message="Hello?", request_id=str(uuid.uuid4()))
    )
    await agent.client.chat.AcceptChat(chat_service_pb2.AcceptChatRequest(id=started.chat.id))
    await agent.client.chat.EndChat(chat_service_pb2.EndChatRequest(id=started.chat.id))
    await customer.client.chat.RateChat(chat_service_pb2.RateChatRequest(id=started.chat.id, rating=4))


async def ticket_totals(account: Account, query: report_pb2.ReportQuery) -> tuple[int, int]:
    """Tickets created and resolved in the range, as the caller may see them."""
    report = await reports(account).GetTicketReport(report_service_pb2.GetTicketReportRequest(query=query))
    total = report.series[0].total
    return total.created, total.resolved


async def settled(
    account: Account, query: report_pb2.ReportQuery, *, resolved: int, created: int | None = None
) -> None:
    """Waits until the rollup job has counted the seeded changes (it trails them by seconds)."""
    for _ in range(60):
        now_created, now_resolved = await ticket_totals(account, query)
        if now_resolved == resolved and created in (None, now_created):
            return
        await asyncio.sleep(0.5)
    raise AssertionError(
        f"the ticket figures stayed at {await ticket_totals(account, query)}, not {(created, resolved)}"
    )


async def expected_rows(account: Account, query: report_pb2.ReportQuery) -> dict[str, list[list[int]]]:
    """Each count chart's rows as the API answers them, in the page's order."""
    service = reports(account)
    tickets = await service.GetTicketReport(report_service_pb2.GetTicketReportRequest(query=query))
    chats = await service.GetChatReport(report_service_pb2.GetChatReportRequest(query=query))
    satisfaction = await service.GetSatisfactionReport(report_service_pb2.GetSatisfactionReportRequest(query=query))
    load = await service.GetAgentLoadReport(report_service_pb2.GetAgentLoadReportRequest(query=query))
    points = tickets.series[0].points
    chat_points = chats.series[0].points
    total = satisfaction.series[0].total
    return {
        "ticket-volume": [[p.created, p.resolved, p.reopened] for p in points],
        "ticket-backlog": [[p.backlog] for p in points],
        "ticket-sla": [[p.sla_met, p.sla_breached] for p in points],
        "chat-volume": [[p.started, p.accepted, p.missed] for p in chat_points],
        "satisfaction-distribution": [
            [
                total.tickets.distribution[star] if total.tickets.distribution else 0,
                total.chats.distribution[star] if total.chats.distribution else 0,
            ]
            for star in range(5)
        ],
        "agent-load-now": [[a.current.open_tickets, a.current.active_chats] for a in load.agents],
    }


def chart(page: Page, name: str) -> Locator:
    return page.locator(f'section[data-chart="{name}"]')


async def table_rows(section: Locator, table: str = "Table") -> list[list[int]]:
    """Switches the chart to its table view (from the keyboard) and reads every row's numbers."""
    button = section.get_by_role("button", name=table, exact=True)
    await button.focus()
    await button.press("Enter")
    await expect(button).to_have_attribute("aria-pressed", "true")
    rows = section.locator('table[data-view="table"] tbody tr')
    values = []
    for cells in await rows.evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('td')].map(c => c.textContent))"
    ):
        values.append([int(re.sub(r"[^\d]", "", text)) for text in cells])
    return values


async def test_an_admin_reads_every_chart_and_its_table_keeps_the_range_in_the_url_and_downloads_csv(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    customer = await accounts(display_name="Maria Silva")
    page = (await open_tab()).page
    await sign_in(page, admin)
    today, zone = await browser_day_and_zone(page)
    first = today - dt.timedelta(days=6)
    query = report_query(first, today, zone)
    # Other tests of the module share the server: count from what is there already.
    created, resolved = await ticket_totals(admin, query)
    await seed(customer, agent)
    await settled(admin, query, created=created + 3, resolved=resolved + 1)

    # From the navigation, then a range of its own: the URL carries it.
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    await expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    await page.get_by_label("From", exact=True).fill(first.isoformat())
    await page.get_by_label("To", exact=True).fill(today.isoformat())
    await page.get_by_role("button", name="Apply").click()
    await expect(page).to_have_url(re.compile(rf"from={first.isoformat()}.*to={today.isoformat()}"))
    await page.reload()
    await expect(page.get_by_label("From", exact=True)).to_have_value(first.isoformat())
    await expect(page.get_by_label("To", exact=True)).to_have_value(today.isoformat())

    # Every chart renders as a chart, and its table holds exactly the API's figures.
    expected = await expected_rows(admin, query)
    for name in (*COUNT_CHARTS, *TIME_CHARTS):
        await expect(chart(page, name).locator('table[data-view="chart"]')).to_be_visible()
    for name in COUNT_CHARTS:
        assert await table_rows(chart(page, name)) == expected[name], name
    for name in TIME_CHARTS:
        section = chart(page, name)
        await section.get_by_role("button", name="Table", exact=True).click()
        await expect(section.locator('table[data-view="table"] tbody tr')).not_to_have_count(0)
    assert sum(row[0] for row in expected["ticket-volume"]) == created + 3

    # The bucket is in the URL with the range; a reload keeps both.
    await page.get_by_label("Points per", exact=True).select_option("week")
    await expect(page).to_have_url(re.compile(r"bucket=week"))
    assert f"from={first.isoformat()}" in page.url
    await page.reload()
    await expect(page.get_by_label("Points per", exact=True)).to_have_value("week")

    # CSV through the streaming export: the file is the API's CSV for the same query.
    await page.get_by_label("Points per", exact=True).select_option("day")
    await expect(page).to_have_url(re.compile(r"bucket=day"))
    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="Download CSV: Tickets").click()
    download = await download_info.value
    assert download.suggested_filename == f"helpdesk-tickets-{first.isoformat()}-to-{today.isoformat()}.csv"
    saved = await download.path()
    assert saved is not None
    content = saved.read_bytes().decode("utf-8")
    exported = b"".join(
        [
            body.data
            async for body in reports(admin).ExportReport(
                report_service_pb2.ExportReportRequest(kind=report_pb2.REPORT_KIND_TICKETS, query=query)
            )
        ]
    ).decode("utf-8")
    assert content == exported
    assert len(content.strip().splitlines()) == 1 + 7  # the header and one row per day


async def test_an_agent_sees_only_their_own_figures_in_portuguese_and_a_bad_range_at_its_field(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    customer = await accounts(display_name="Maria Silva")
    await seed(customer, agent)  # a new agent: their own figures are the seeded ones only
    page = (await open_tab(locale="pt-BR")).page
    await page.goto("/sign-in")
    await page.get_by_label("E-mail").fill(agent.email)
    await page.get_by_label("Senha").fill(agent.password)
    await page.get_by_role("button", name="Entrar").click()
    await expect(page.get_by_role("button", name=agent.display_name)).to_be_visible()
    today, zone = await browser_day_and_zone(page)
    query = report_query(today, today, zone)
    await settled(agent, query, resolved=1)

    # The admin console's path leads to the same page, range and all.
    await page.goto(f"/admin/reports?from={today.isoformat()}&to={today.isoformat()}")
    await expect(page.get_by_role("heading", name="Relatórios", exact=True)).to_be_visible()
    await expect(page).to_have_url(
        re.compile(rf"^http://[^/]+/reports\?from={today.isoformat()}&to={today.isoformat()}$")
    )
    await expect(page.get_by_text("Os seus números")).to_be_visible()
    # No agent filter: an agent only ever sees their own figures.
    await expect(page.get_by_label("Agente", exact=True)).to_have_count(0)
    expected = await expected_rows(agent, query)
    assert expected["ticket-volume"][0][1] == 1  # the ticket they resolved
    assert await table_rows(chart(page, "ticket-volume"), "Tabela") == expected["ticket-volume"]

    # 40 days by hour is more than the server allows: its BadRequest lands on the "Até" field.
    start = today - dt.timedelta(days=40)
    await page.goto(f"/reports?from={start.isoformat()}&to={today.isoformat()}&bucket=hour")
    to_field = page.get_by_label("Até", exact=True)
    await expect(to_field).to_have_attribute("aria-invalid", "true")


async def test_a_browser_in_kolkata_reads_its_own_local_hours(
    browser: Browser, base_url: str, accounts: Callable[..., Awaitable[Account]]
) -> None:
    # India is at +05:30: the page asks for the browser's zone as it is, and its hours start at :30 UTC.
    admin = await accounts(Role.ADMIN, display_name="Ada Admin")
    agent = await accounts(Role.AGENT, display_name="Alex Agent")
    customer = await accounts(display_name="Maria Silva")
    context = await browser.new_context(base_url=base_url, locale="en-US", timezone_id="Asia/Kolkata")
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await sign_in(page, admin)
        today, zone = await browser_day_and_zone(page)
        # Chromium names it by the older link, which the server's time zone database knows too.
        assert zone in ("Asia/Kolkata", "Asia/Calcutta")
        query = report_query(today, today, zone)
        query.bucket = report_pb2.REPORT_BUCKET_HOUR
        created, resolved = await ticket_totals(admin, query)
        await seed(customer, agent)
        await settled(admin, query, created=created + 3, resolved=resolved + 1)
        report = await reports(admin).GetTicketReport(report_service_pb2.GetTicketReportRequest(query=query))
        starts = [point.start_time.ToDatetime() for point in report.series[0].points]
        assert len(starts) == 24
        assert {start.minute for start in starts} == {30}

        await page.goto(f"/reports?from={today.isoformat()}&to={today.isoformat()}&bucket=hour")
        await expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
        expected = await expected_rows(admin, query)
        assert sum(row[0] for row in expected["ticket-volume"]) >= 3
        assert await table_rows(chart(page, "ticket-volume")) == expected["ticket-volume"]
        assert await table_rows(chart(page, "ticket-backlog")) == expected["ticket-backlog"]
        assert not errors
    finally:
        await context.close()


async def test_customers_are_sent_home_from_reports(
    open_tab: OpenTab, accounts: Callable[..., Awaitable[Account]]
) -> None:
    customer = await accounts(display_name="Maria Silva")
    page = (await open_tab()).page
    await sign_in(page, customer, then="/reports")
    await expect(page.get_by_role("heading", name="My tickets")).to_be_visible()
    await expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports")).to_have_count(0)
