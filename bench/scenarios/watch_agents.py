"""Agents the streaming benchmarks (ticket watch, chat handover) seed and sign in; their percentile.

Agents cannot register, so they are written straight into PostgreSQL (`bench-watch-agent-<i>`,
the bench password) and then signed in through the API like anyone else.
"""

from __future__ import annotations

import bcrypt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bench.scenarios.auth import BENCH_PASSWORD
from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc


def agent_email(index: int) -> str:
    """The email of seeded agent `index`."""
    return f"bench-watch-agent-{index}@bench.example.com"


async def seed_agents(database_url: str, count: int) -> None:
    """Agents 0 .. count-1 in the database (those already there are kept)."""
    # Cost 4, as the bench server is configured: seeding is not what is measured.
    password_hash = bcrypt.hashpw(BENCH_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO users (email, display_name, role, password_hash) "
                    "SELECT 'bench-watch-agent-' || i || '@bench.example.com', 'Watch agent ' || i, 'agent', :hash "
                    "FROM generate_series(0, :n - 1) AS i ON CONFLICT DO NOTHING"
                ),
                {"n": count, "hash": password_hash},
            )
    finally:
        await engine.dispose()


async def login(stub: auth_service_pb2_grpc.AuthServiceAsyncStub, email: str) -> tuple[str, str]:
    """Signs a seeded user in: their access token and user id."""
    answer = await stub.Login(auth_service_pb2.LoginRequest(email=email, password=BENCH_PASSWORD), timeout=30)
    return answer.access_token, answer.user.id


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    """The call metadata that authenticates as `token`'s user."""
    return (("authorization", f"Bearer {token}"),)
