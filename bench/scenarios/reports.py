"""ReportService scenarios: GetTicketReport over 90 days of a desk with 1M tickets and 5M ticket changes.

Seeding goes straight into PostgreSQL (INSERT ... SELECT generate_series), not through the API:
`HELPDESK_BENCH_REPORT_TICKETS` tickets (default 1,000,000) created over the last 180 days, 50
agents, 8 categories, 4 priorities, one staff reply each, and five change-log rows per ticket
(`ticket_changes`: created, assigned, replied, then resolved and closed for 85% of them, or moved
to in progress and waiting for the rest): 5,000,000 changes. The server's own rollup job then
folds the change log as it would live changes; the setup waits for it and notes how long it took.
Seeding and folding run once per database, under an advisory lock. Times go to
`bench/results/report-seed-<N>.txt`, the served statements' EXPLAIN (ANALYZE, BUFFERS)
(PostgreSQL's auto_explain, `bench/auto_explain.py`) to `bench/results/report-explain-<N>.txt`.

- `TicketReport`: an administrator's ticket report over the last 90 days in day buckets of
  America/Sao_Paulo, no breakdown (90 points).
- `TicketReportByAgent`: the same broken down by agent (50 series of 90 points).
- `TicketReportWeek`, `TicketReportByAgentWeek`: both in week buckets.
- `TicketReportKolkata`: the whole desk's report by day in Asia/Kolkata (+5:30): its days start at
  18:30 UTC, read from the day rows of that offset, filled from the quarter-hour rows.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import bcrypt
import grpc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from bench.auto_explain import served_plans
from bench.profile import LoadProfile
from bench.results_dir import write_note
from bench.scenarios.auth import BENCH_PASSWORD
from bench.scenarios.base import CallFn, Target
from bench.stack import DATABASE_URL_ENV, POSTGRES_LOG_ENV
from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc, report_pb2, report_service_pb2, report_service_pb2_grpc

_log = logging.getLogger(__name__)

TICKETS_ENV = "HELPDESK_BENCH_REPORT_TICKETS"
DEFAULT_TICKETS = 1_000_000
CHANGES_PER_TICKET = 5
AGENTS = 50
_SEED_LOCK = 4_212_018
_ADMIN_EMAIL = "bench-report-admin@bench.example.com"
# How long the setup waits for the server's rollup job to fold the seeded changes.
_FOLD_TIMEOUT_S = 3600.0

# A dashboard, not a crowd: a few administrators refreshing reports at once.
REPORT_PROFILE = LoadProfile(concurrency=4, channels=2, warmup_s=2.0, duration_s=10.0, call_timeout_s=30.0)

_USERS = text(
    """
    INSERT INTO users (email, display_name, role, password_hash)
    SELECT 'bench-report-agent-' || i || '@bench.example.com', 'Report agent ' || i, 'agent', :hash
    FROM generate_series(1, :agents) AS i
    UNION ALL SELECT 'bench-report-customer@bench.example.com', 'Report customer', 'customer', :hash
    UNION ALL SELECT :admin, 'Report admin', 'admin', :hash
    ON CONFLICT DO NOTHING
    """
)
# One row per ticket: its times, group and fate. Resolution only if it happened by now.
_ROWS = text(
    """
    CREATE TEMP TABLE bench_report_rows ON COMMIT DROP AS
    WITH agents AS (
        SELECT array_agg(id ORDER BY email) AS ids FROM users WHERE email LIKE 'bench-report-agent-%'),
    base AS (
        SELECT CAST(i AS bigint) AS i,
               md5('bench-report-ticket-' || i)::uuid AS ticket_id,
               md5('bench-report-message-' || i)::uuid AS message_id,
               now() - interval '180 days' + (i - 1) * (interval '180 days' / :n) AS created,
               a.ids[1 + (i * 7) % cardinality(a.ids)] AS agent,
               (ARRAY['billing', 'shipping', 'account', 'hardware', 'mobile', 'api', 'security', ''])[1 + i % 8]
                   AS category,
               1 + (i * 3) % 4 AS priority
        FROM generate_series(1, :n) AS i, agents a)
    SELECT base.*,
           created + ((i * 37) % 3600) * interval '1 second' AS assigned,
           created + ((i * 37) % 3600 + 60 + (i * 7919) % 14400) * interval '1 second' AS replied,
           created + (3600 + (i * 104729) % 172800) * interval '1 second' AS resolved,
           created + (90000 + (i * 104729) % 172800) * interval '1 second' AS closed,
           i % 20 < 17 AND created + (90000 + (i * 104729) % 172800) * interval '1 second' < now() AS done
    FROM base
    """
)
_TICKETS = text(
    """
    INSERT INTO tickets (id, subject, description, priority, status, category, customer_id, assignee_id,
                         create_time, update_time, resolve_time, close_time, resolution_due_time, resolution_sla,
                         public_message_count, message_count)
    SELECT r.ticket_id, 'Report bench ticket ' || r.i, 'Seeded for the report benchmark.', r.priority,
           CASE WHEN r.done THEN 'closed' ELSE 'waiting_on_customer' END, r.category, c.id, r.agent,
           r.created, r.created, CASE WHEN r.done THEN r.resolved END, CASE WHEN r.done THEN r.closed END,
           CASE WHEN r.i % 2 = 0 THEN r.created + interval '1 day' END, CASE WHEN r.i % 10 = 0 THEN 2 ELSE 0 END,
           1, 1
    FROM bench_report_rows r, (SELECT id FROM users WHERE email = 'bench-report-customer@bench.example.com') c
    """
)
_MESSAGES = text(
    """
    INSERT INTO ticket_messages (id, ticket_id, author_id, author_role, body, create_time)
    SELECT message_id, ticket_id, agent, 'agent', 'Thanks, we are looking into it.', replied FROM bench_report_rows
    """
)
# Five changes per ticket, positions after the log's last one, each with the ticket before and after.
_CHANGES = text(
    """
    INSERT INTO ticket_changes (position, ticket_id, kind, customer_id, message_id, internal,
                                old_status, new_status, old_priority, new_priority, old_assignee_id,
                                new_assignee_id, old_category, new_category, old_tags, new_tags, commit_time)
    SELECT :first + (r.i - 1) * 5 + k, r.ticket_id,
           CASE k WHEN 1 THEN 'created' WHEN 3 THEN 'message_added' ELSE 'updated' END,
           c.id, CASE WHEN k = 3 THEN r.message_id END, false,
           CASE k WHEN 1 THEN NULL WHEN 2 THEN 'open' WHEN 3 THEN 'open' WHEN 4 THEN 'open'
                  ELSE CASE WHEN r.done THEN 'resolved' ELSE 'in_progress' END END,
           CASE k WHEN 1 THEN 'open' WHEN 2 THEN 'open' WHEN 3 THEN 'open'
                  WHEN 4 THEN CASE WHEN r.done THEN 'resolved' ELSE 'in_progress' END
                  ELSE CASE WHEN r.done THEN 'closed' ELSE 'waiting_on_customer' END END,
           CASE WHEN k > 1 THEN r.priority END, r.priority,
           CASE WHEN k > 2 THEN r.agent END, CASE WHEN k > 1 THEN r.agent END,
           CASE WHEN k > 1 THEN r.category END, r.category,
           CASE WHEN k > 1 THEN '{}'::text[] END, '{}'::text[],
           CASE k WHEN 1 THEN r.created WHEN 2 THEN r.assigned WHEN 3 THEN r.replied
                  WHEN 4 THEN CASE WHEN r.done THEN r.resolved ELSE r.replied + interval '1 minute' END
                  ELSE CASE WHEN r.done THEN r.closed ELSE r.replied + interval '2 minutes' END END
    FROM bench_report_rows r, generate_series(1, 5) AS k,
         (SELECT id FROM users WHERE email = 'bench-report-customer@bench.example.com') c
    """
)


async def _seed(connection: AsyncConnection, *, tickets: int) -> int:
    """Seeds the tickets and their changes; returns the log's last position."""
    password_hash = bcrypt.hashpw(BENCH_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    await connection.execute(_USERS, {"agents": AGENTS, "hash": password_hash, "admin": _ADMIN_EMAIL})
    await connection.execute(_ROWS, {"n": tickets})
    await connection.execute(_TICKETS)
    await connection.execute(_MESSAGES)
    # Under the log's row lock, as every writer appends: positions stay gap-free and commit-ordered.
    first = (
        await connection.execute(text("SELECT last_position FROM ticket_change_log WHERE id = 1 FOR UPDATE"))
    ).scalar_one()
    await connection.execute(_CHANGES, {"first": first})
    last = first + tickets * CHANGES_PER_TICKET
    await connection.execute(text("UPDATE ticket_change_log SET last_position = :last WHERE id = 1"), {"last": last})
    return int(last)


async def _fold_wait(connection: AsyncConnection, *, position: int) -> float:
    """Seconds until the server's rollup job has folded the log up to `position`."""
    began = time.monotonic()
    while True:
        folded = (
            await connection.execute(text("SELECT position FROM report_cursors WHERE name = 'tickets'"))
        ).scalar_one()
        await connection.commit()
        if folded >= position:
            return time.monotonic() - began
        if time.monotonic() - began > _FOLD_TIMEOUT_S:
            raise TimeoutError(f"the rollup folded {folded} of {position} changes in {_FOLD_TIMEOUT_S:.0f} s")
        await asyncio.sleep(2.0)


async def _days_wait(database_url: str, *, tickets: int) -> None:
    """Waits until the rollup keeps the local days of every UTC offset reports asked for; notes how long it took."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    began = time.monotonic()
    try:
        async with engine.connect() as connection:
            while True:
                pending = (
                    await connection.execute(text("SELECT count(*) FROM report_day_offsets WHERE NOT ready"))
                ).scalar_one()
                await connection.commit()
                if not pending:
                    break
                if time.monotonic() - began > _FOLD_TIMEOUT_S:
                    raise TimeoutError(f"the rollup did not fill the local days in {_FOLD_TIMEOUT_S:.0f} s")
                await asyncio.sleep(1.0)
            waited = time.monotonic() - began
            if waited > 2.0:
                for table in ("report_ticket_days", "report_ticket_day_durations"):
                    raw = await connection.get_raw_connection()
                    driver: Any = raw.driver_connection
                    await driver.execute(f"VACUUM ANALYZE {table}")
                write_note(
                    f"report-days-{tickets}.txt",
                    f"the rollup job filled the local days of UTC offsets asked for in {waited:.1f} s"
                    f" (load average {os.getloadavg()[0]:.1f})\n",
                )
    finally:
        await engine.dispose()


async def seed_report_desk(database_url: str, *, tickets: int) -> None:
    """Seeds (once per database) and waits until the server has folded every change of the log."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        seed_s: float | None = None
        async with engine.begin() as connection:
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SEED_LOCK})
            seeded = (
                await connection.execute(
                    text("SELECT count(*) FROM tickets WHERE subject LIKE 'Report bench ticket %'")
                )
            ).scalar_one()
            if seeded < tickets:
                began = time.monotonic()
                await _seed(connection, tickets=tickets)
                seed_s = time.monotonic() - began
        async with engine.connect() as connection:
            if seed_s is not None:
                for table in ("tickets", "ticket_messages", "ticket_changes"):
                    await connection.execute(text(f"ANALYZE {table}"))
                await connection.commit()
            last = (
                await connection.execute(text("SELECT last_position FROM ticket_change_log WHERE id = 1"))
            ).scalar_one()
            await connection.commit()
            fold_s = await _fold_wait(connection, position=int(last))
            # As autovacuum would by then: statistics, and the visibility map index-only scans need.
            await connection.commit()
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection
            for table in ("report_ticket_hours", "report_ticket_durations", "report_ticket_backlog"):
                await driver.execute(f"VACUUM ANALYZE {table}")
            if seed_s is None:
                return
            sizes = await connection.execute(
                text(
                    "SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE relname LIKE 'report_ticket_%'"
                    " ORDER BY relname"
                )
            )
            rows = ", ".join(f"{name} {count}" for name, count in sizes)
            changes = tickets * CHANGES_PER_TICKET
            write_note(
                f"report-seed-{tickets}.txt",
                f"seeded {tickets} tickets and {changes} changes in {seed_s:.1f} s; the server's rollup job"
                f" folded them in {fold_s:.1f} s ({changes / max(fold_s, 0.001):.0f} changes/s)"
                f" (load average {os.getloadavg()[0]:.1f})\nrollup rows: {rows}\n",
            )
            _log.info("report desk seeded in %.1f s, folded in %.1f s", seed_s, fold_s)
    finally:
        await engine.dispose()


SAO_PAULO = "America/Sao_Paulo"
KOLKATA = "Asia/Kolkata"


def _request(*, by_agent: bool, week: bool = False, zone: str = SAO_PAULO) -> report_service_pb2.GetTicketReportRequest:
    now = datetime.now(UTC)
    query = report_pb2.ReportQuery(
        time_zone=zone,
        bucket=report_pb2.REPORT_BUCKET_WEEK if week else report_pb2.REPORT_BUCKET_DAY,
        group_by=report_pb2.REPORT_DIMENSION_AGENT if by_agent else report_pb2.REPORT_DIMENSION_UNSPECIFIED,
    )
    query.start_time.FromDatetime(now - timedelta(days=90))
    query.end_time.FromDatetime(now)
    return report_service_pb2.GetTicketReportRequest(query=query)


async def _prepare(
    channels: Sequence[grpc.aio.Channel], call_timeout_s: float, *, zone: str = SAO_PAULO
) -> tuple[tuple[str, str], ...]:
    database_url = os.environ.get(DATABASE_URL_ENV)
    log_path = os.environ.get(POSTGRES_LOG_ENV)
    if not database_url or not log_path:
        raise RuntimeError(
            f"{DATABASE_URL_ENV}/{POSTGRES_LOG_ENV} not set: report scenarios run under `python -m bench`"
        )
    tickets = int(os.environ.get(TICKETS_ENV, DEFAULT_TICKETS))
    await seed_report_desk(database_url, tickets=tickets)
    auth = auth_service_pb2_grpc.AuthServiceStub(channels[0])
    login = await auth.Login(
        auth_service_pb2.LoginRequest(email=_ADMIN_EMAIL, password=BENCH_PASSWORD), timeout=max(call_timeout_s, 120.0)
    )
    metadata = (("authorization", f"Bearer {login.access_token}"),)
    stub = report_service_pb2_grpc.ReportServiceStub(channels[0])
    # A first report asks the rollup to keep the zone's local days; the job fills them from the
    # hourly rows (once per database) and the measured calls read them, as on a live desk.
    for by_agent in (False, True):
        await stub.GetTicketReport(_request(by_agent=by_agent, zone=zone), metadata=metadata, timeout=_FOLD_TIMEOUT_S)
    await _days_wait(database_url, tickets=tickets)
    report: list[str] = []
    for by_agent in (False, True):
        during = functools.partial(stub.GetTicketReport, _request(by_agent=by_agent, zone=zone), metadata=metadata)
        plans = await served_plans(database_url, Path(log_path), during=during, mentioning="report_ticket")
        breakdown = "by agent" if by_agent else "no breakdown"
        report.append(f"-- GetTicketReport, 90 days by day in {zone}, {breakdown}: {len(plans)} statement(s)")
        for plan in plans:
            report += [*plan, ""]
    suffix = "" if zone == SAO_PAULO else "-" + zone.rsplit("/", 1)[-1].lower()
    write_note(f"report-explain-{tickets}{suffix}.txt", "\n".join(report) + "\n")
    return metadata


def _calls(
    channels: Sequence[grpc.aio.Channel],
    callers: range,
    call_timeout_s: float,
    metadata: tuple[tuple[str, str], ...],
    *,
    by_agent: bool,
    week: bool = False,
    zone: str = SAO_PAULO,
) -> list[CallFn]:
    stubs = [report_service_pb2_grpc.ReportServiceStub(channel) for channel in channels]

    def call(caller: int) -> Awaitable[object]:
        # A fresh "last 90 days" each call, as a dashboard refreshing asks.
        return stubs[caller % len(stubs)].GetTicketReport(
            _request(by_agent=by_agent, week=week, zone=zone), metadata=metadata, timeout=call_timeout_s
        )

    return [functools.partial(call, caller) for caller in callers]


class TicketReportScenario:
    """An administrator's ticket report, 90 days by day in São Paulo, no breakdown."""

    name = "TicketReport"
    target = Target.HELPDESK
    profile = REPORT_PROFILE
    # None: PostgreSQL's aggregation, not a round trip, sets what a report costs.
    floor = None

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Seeds and folds (once); every call asks for the last 90 days."""
        metadata = await _prepare(channels, call_timeout_s)
        return _calls(channels, callers, call_timeout_s, metadata, by_agent=False)


class TicketReportByAgentScenario:
    """The same report broken down by agent (50 series)."""

    name = "TicketReportByAgent"
    target = Target.HELPDESK
    profile = REPORT_PROFILE
    floor = None

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Seeds and folds (once); every call asks for the last 90 days per agent."""
        metadata = await _prepare(channels, call_timeout_s)
        return _calls(channels, callers, call_timeout_s, metadata, by_agent=True)


class TicketReportWeekScenario:
    """The whole desk's report over the same 90 days in week buckets (14 points)."""

    name = "TicketReportWeek"
    target = Target.HELPDESK
    profile = REPORT_PROFILE
    floor = None

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Seeds and folds (once); every call asks for the last 90 days by week."""
        metadata = await _prepare(channels, call_timeout_s)
        return _calls(channels, callers, call_timeout_s, metadata, by_agent=False, week=True)


class TicketReportByAgentWeekScenario:
    """The same by week, broken down by agent (50 series of 14 points)."""

    name = "TicketReportByAgentWeek"
    target = Target.HELPDESK
    profile = REPORT_PROFILE
    floor = None

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Seeds and folds (once); every call asks for the last 90 days by week per agent."""
        metadata = await _prepare(channels, call_timeout_s)
        return _calls(channels, callers, call_timeout_s, metadata, by_agent=True, week=True)


class TicketReportKolkataScenario:
    """The whole desk's report, 90 days by day in Asia/Kolkata (+5:30: days start inside UTC hours)."""

    name = "TicketReportKolkata"
    target = Target.HELPDESK
    profile = REPORT_PROFILE
    floor = None

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Seeds and folds (once); every call asks for the last 90 days in Kolkata."""
        metadata = await _prepare(channels, call_timeout_s, zone=KOLKATA)
        return _calls(channels, callers, call_timeout_s, metadata, by_agent=False, zone=KOLKATA)
