"""TicketService scenarios over a bulk-seeded database: GetTicket, the agent queue view, CreateTicket.

Seeding goes straight into PostgreSQL (INSERT ... SELECT generate_series), not through the API:
100k tickets and 1M messages by default (`HELPDESK_BENCH_TICKETS`, 10 messages per ticket). It
runs once per database (the first setup; later runs find the data) under an advisory lock, so
several load-generator processes never seed twice. The staff accounts are inserted the same way
(agents cannot register) and then sign in through the API.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import random
import time
import uuid
from collections.abc import Sequence

import bcrypt
import grpc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from bench.profile import LoadProfile
from bench.scenarios.auth import BENCH_PASSWORD
from bench.scenarios.base import CallFn, Target
from bench.scenarios.echo import ECHO_POSTGRES
from bench.stack import DATABASE_URL_ENV
from helpdesk.v1 import (
    auth_service_pb2,
    auth_service_pb2_grpc,
    ticket_pb2,
    ticket_service_pb2,
    ticket_service_pb2_grpc,
)

_log = logging.getLogger(__name__)

TICKETS_ENV = "HELPDESK_BENCH_TICKETS"
DEFAULT_TICKETS = 100_000
# Set (to anything): CreateTicket's tickets get an SLA policy in business hours (São Paulo office
# hours with holidays and a warning window), so each create computes its due times.
SLA_POLICY_ENV = "HELPDESK_BENCH_SLA_POLICY"
_SLA_POLICY = text(
    """
    INSERT INTO sla_policies (display_name, priority, category, first_response_seconds, resolution_seconds,
                              warning_seconds, business_hours)
    VALUES ('Bench: high', 3, '', 3600, 28800, 900, CAST(:hours AS jsonb))
    ON CONFLICT DO NOTHING
    """
)
_SLA_HOURS = (
    '{"time_zone": "America/Sao_Paulo", "intervals": [[0, 540, 1080], [1, 540, 1080], [2, 540, 1080],'
    ' [3, 540, 1080], [4, 540, 1080]], "holidays": ["2026-12-25", "2027-01-01", "2027-02-08", "2027-02-09"]}'
)
MESSAGES_PER_TICKET = 10
SEED_CUSTOMERS = 2_000
SEED_AGENTS = 20
# Ids GetTicket callers pick from (random rows all over the table, not one hot row).
SAMPLE_IDS = 2_000
_SEED_LOCK = 4_212_003

# The load: 50 concurrent clients over native gRPC.
TICKETS_PROFILE = LoadProfile(concurrency=50, channels=5, warmup_s=2.0, duration_s=10.0, call_timeout_s=10.0)

_WORDS = [
    *("printer", "invoice", "refund", "password", "login", "error", "crash", "slow", "update", "billing"),
    *("account", "card", "declined", "shipping", "delivery", "broken", "screen", "battery", "wifi"),
    *("email", "export", "import", "report", "upgrade", "license"),
]


def _stub(channel: grpc.aio.Channel) -> ticket_service_pb2_grpc.TicketServiceAsyncStub:
    return ticket_service_pb2_grpc.TicketServiceStub(channel)


async def _seed(connection: AsyncConnection, *, tickets: int, password_hash: str) -> None:
    began = time.monotonic()
    await connection.execute(
        text(
            "INSERT INTO users (email, display_name, role, password_hash) "
            "SELECT 'bench-seed-customer-' || i || '@bench.example.com', 'Customer ' || i, 'customer', :hash "
            "FROM generate_series(1, :n) AS i ON CONFLICT DO NOTHING"
        ),
        {"n": SEED_CUSTOMERS, "hash": password_hash},
    )
    await connection.execute(
        text(
            "INSERT INTO users (email, display_name, role, password_hash) "
            "SELECT 'bench-seed-agent-' || i || '@bench.example.com', 'Agent ' || i, 'agent', :hash "
            "FROM generate_series(1, :n) AS i ON CONFLICT DO NOTHING"
        ),
        {"n": SEED_AGENTS, "hash": password_hash},
    )
    # Statuses: 30% open, 20% in progress, 10% waiting, 15% resolved, 25% closed; a third unassigned.
    await connection.execute(
        text(
            """
            WITH customers AS (
                SELECT array_agg(id ORDER BY email) AS ids FROM users
                WHERE email LIKE 'bench-seed-customer-%'),
            agents AS (
                SELECT array_agg(id ORDER BY email) AS ids FROM users WHERE email LIKE 'bench-seed-agent-%'),
            rows AS (
                SELECT i, random() AS s, now() - (i * interval '20 seconds') AS created,
                       (CAST(:words AS text[]))[1 + (i * 7) % cardinality(CAST(:words AS text[]))] AS w1,
                       (CAST(:words AS text[]))[1 + (i * 13) % cardinality(CAST(:words AS text[]))] AS w2
                FROM generate_series(1, :n) AS i)
            INSERT INTO tickets (subject, description, priority, status, category, tags, customer_id,
                                 assignee_id, create_time, update_time, resolve_time, close_time,
                                 search_public, search_staff)
            SELECT initcap(w1) || ' ' || w2 || ' problem #' || i,
                   'The ' || w1 || ' shows an ' || w2 || ' since yesterday; please help.',
                   1 + (i % 4),
                   CASE WHEN s < 0.30 THEN 'open' WHEN s < 0.50 THEN 'in_progress'
                        WHEN s < 0.60 THEN 'waiting_on_customer' WHEN s < 0.75 THEN 'resolved'
                        ELSE 'closed' END,
                   (ARRAY['billing', 'hardware', 'account', ''])[1 + i % 4],
                   ARRAY[w1],
                   c.ids[1 + i % array_length(c.ids, 1)],
                   CASE WHEN i % 3 = 0 THEN NULL ELSE a.ids[1 + i % array_length(a.ids, 1)] END,
                   created, created,
                   CASE WHEN s >= 0.60 AND s < 0.75 THEN created END,
                   CASE WHEN s >= 0.75 THEN created END,
                   to_tsvector('english', w1 || ' ' || w2 || ' problem'),
                   to_tsvector('english', w1 || ' ' || w2 || ' problem')
            FROM rows, customers c, agents a
            """
        ),
        {"n": tickets, "words": _WORDS},
    )
    # 10 messages per ticket: odd ones from the customer, even ones from an agent, the 6th an internal note.
    await connection.execute(
        text(
            """
            INSERT INTO ticket_messages (ticket_id, author_id, author_role, body, internal, create_time)
            SELECT t.id,
                   CASE WHEN k % 2 = 1 THEN t.customer_id ELSE coalesce(t.assignee_id, a.ids[1]) END,
                   CASE WHEN k % 2 = 1 THEN 'customer' ELSE 'agent' END,
                   'Message ' || k || ' about the '
                       || (CAST(:words AS text[]))[1 + (t.number + k) % cardinality(CAST(:words AS text[]))],
                   k = 6,
                   t.create_time + k * interval '1 minute'
            FROM tickets t,
                 (SELECT array_agg(id) AS ids FROM users WHERE email LIKE 'bench-seed-agent-%') a,
                 generate_series(1, :per_ticket) AS k
            ORDER BY t.number, k
            """
        ),
        {"words": _WORDS, "per_ticket": MESSAGES_PER_TICKET},
    )
    await connection.execute(
        text("UPDATE tickets SET public_message_count = :per_ticket - 1, message_count = :per_ticket"),
        {"per_ticket": MESSAGES_PER_TICKET},
    )
    await connection.execute(text("ANALYZE tickets"))
    await connection.execute(text("ANALYZE ticket_messages"))
    _log.info("seeded %d tickets in %.1f s", tickets, time.monotonic() - began)


async def seed_tickets(database_url: str, *, tickets: int) -> tuple[list[str], str]:
    """Seeds (once per database) and returns sample ticket ids and a seeded agent's email."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SEED_LOCK})
            count = (await connection.execute(text("SELECT count(*) FROM tickets"))).scalar_one()
            if count < tickets:
                # The stored form the server checks on Login (bcrypt; the cost is read from the hash).
                password_hash = bcrypt.hashpw(BENCH_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
                await _seed(connection, tickets=tickets - count, password_hash=password_hash)
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT id FROM tickets TABLESAMPLE SYSTEM (5) LIMIT :n"), {"n": SAMPLE_IDS}
            )
            ids = [str(row[0]) for row in rows]
    finally:
        await engine.dispose()
    return ids, "bench-seed-agent-1@bench.example.com"


async def _add_sla_policy(database_url: str) -> None:
    """The SLA policy of the created tickets (HIGH priority), once per database."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(_SLA_POLICY, {"hours": _SLA_HOURS})
    finally:
        await engine.dispose()


async def _agent_token(channel: grpc.aio.Channel, email: str, timeout_s: float) -> str:
    stub = auth_service_pb2_grpc.AuthServiceStub(channel)
    response = await stub.Login(auth_service_pb2.LoginRequest(email=email, password=BENCH_PASSWORD), timeout=timeout_s)
    return response.access_token


async def _prepare(channels: Sequence[grpc.aio.Channel], call_timeout_s: float) -> tuple[list[str], str]:
    database_url = os.environ.get(DATABASE_URL_ENV)
    if not database_url:
        raise RuntimeError(f"{DATABASE_URL_ENV} is not set: ticket scenarios run under `python -m bench`")
    ids, agent_email = await seed_tickets(database_url, tickets=int(os.environ.get(TICKETS_ENV, DEFAULT_TICKETS)))
    token = await _agent_token(channels[0], agent_email, call_timeout_s)
    return ids, token


class GetTicketScenario:
    """`GetTicket` by an agent, on random tickets of the seeded table: auth + one indexed join."""

    name = "GetTicket"
    target = Target.HELPDESK
    profile = TICKETS_PROFILE
    floor = ECHO_POSTGRES

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Seeds if needed; each caller cycles through its own shuffled sample of ticket ids."""
        ids, token = await _prepare(channels, call_timeout_s)
        metadata = (("authorization", f"Bearer {token}"),)
        stubs = [_stub(channel) for channel in channels]

        def caller_fn(caller: int) -> CallFn:
            order = random.Random(caller).sample(ids, len(ids))
            stub = stubs[caller % len(stubs)]
            position = [0]

            async def call() -> object:
                position[0] = (position[0] + 1) % len(order)
                return await stub.GetTicket(
                    ticket_service_pb2.GetTicketRequest(id=order[position[0]]),
                    metadata=metadata,
                    timeout=call_timeout_s,
                )

            return call

        return [caller_fn(caller) for caller in callers]


class ListTicketsQueueScenario:
    """`ListTickets` as the agent queue view: open + in progress, unassigned, priority desc then oldest, 50."""

    name = "ListTickets"
    target = Target.HELPDESK
    profile = TICKETS_PROFILE
    floor = ECHO_POSTGRES

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Seeds if needed; every caller asks for the first page of the queue."""
        _, token = await _prepare(channels, call_timeout_s)
        request = ticket_service_pb2.ListTicketsRequest(
            statuses=[ticket_pb2.TICKET_STATUS_OPEN, ticket_pb2.TICKET_STATUS_IN_PROGRESS],
            assignee_id="none",
            order_by="priority desc, create_time",
            page_size=50,
        )
        stubs = [_stub(channel) for channel in channels]
        metadata = (("authorization", f"Bearer {token}"),)
        return [
            functools.partial(
                stubs[caller % len(stubs)].ListTickets, request, metadata=metadata, timeout=call_timeout_s
            )
            for caller in callers
        ]


class CreateTicketScenario:
    """`CreateTicket` by an agent for a seeded customer, each with a fresh request id (ticket + event + key)."""

    name = "CreateTicket"
    target = Target.HELPDESK
    profile = TICKETS_PROFILE
    floor = ECHO_POSTGRES

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Seeds if needed; callers open tickets for customers of sampled tickets."""
        ids, token = await _prepare(channels, call_timeout_s)
        if os.environ.get(SLA_POLICY_ENV):
            await _add_sla_policy(os.environ[DATABASE_URL_ENV])
        stubs = [_stub(channel) for channel in channels]
        metadata = (("authorization", f"Bearer {token}"),)
        sample = await asyncio.gather(
            *(
                stubs[0].GetTicket(ticket_service_pb2.GetTicketRequest(id=i), metadata=metadata, timeout=call_timeout_s)
                for i in ids[:20]
            )
        )
        customers = sorted({ticket.customer_id for ticket in sample})

        def caller_fn(caller: int) -> CallFn:
            stub = stubs[caller % len(stubs)]
            customer_id = customers[caller % len(customers)]

            async def call() -> object:
                return await stub.CreateTicket(
                    ticket_service_pb2.CreateTicketRequest(
                        ticket=ticket_pb2.Ticket(
                            subject="Bench: cannot export the monthly report",
                            description="The export button spins forever since this morning.",
                            priority=ticket_pb2.TICKET_PRIORITY_HIGH,
                            tags=["export", "bench"],
                            customer_id=customer_id,
                        ),
                        request_id=str(uuid.uuid4()),
                    ),
                    metadata=metadata,
                    timeout=call_timeout_s,
                )

            return call

        return [caller_fn(caller) for caller in callers]
