"""The PostgreSQL floor stands for one round trip per call, and makes exactly that.

asyncpg's pool, left to its defaults, resets every connection given back to it with a statement
of its own: a second round trip per call, which would put the floor well above what a call reading
one row must cost. PostgreSQL counts what reached it: one transaction per autocommitted statement.
"""

from __future__ import annotations

import asyncio

import asyncpg
import grpc
import pytest

from bench.echo_server import EchoServer
from bench.scenarios.echo import ECHO_METHOD, ECHO_PAYLOAD, ECHO_SERVICE

pytestmark = pytest.mark.slow

CALLS = 300
# Startup (the table and its rows, the ids read back) and each pooled connection's prepared statement.
_STARTUP_ALLOWANCE = 0.5 * CALLS


async def transactions(admin_url: str, database: str) -> int:
    """Transactions committed in `database` so far, as PostgreSQL's statistics have them."""
    connection = await asyncpg.connect(admin_url)
    try:
        count = await connection.fetchval("SELECT xact_commit FROM pg_stat_database WHERE datname = $1", database)
    finally:
        await connection.close()
    return int(count or 0)


async def settled_transactions(admin_url: str, database: str, *, at_least: int) -> int:
    """The count once the exited backends' statistics have all arrived (it stops moving)."""
    previous = -1
    for _ in range(40):
        current = await transactions(admin_url, database)
        if current >= at_least and current == previous:
            return current
        previous = current
        await asyncio.sleep(0.5)
    return previous


async def test_the_postgres_floor_makes_one_round_trip_per_call(empty_database_url: str) -> None:
    url = empty_database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    database = url.rsplit("/", 1)[1].split("?", 1)[0]
    admin_url = url.replace(f"/{database}", "/postgres", 1)
    before = await transactions(admin_url, database)
    echo = EchoServer(loop="uvloop", postgres_url=url)
    await asyncio.to_thread(echo.start)
    try:
        async with grpc.aio.insecure_channel(echo.address) as channel:
            call: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(f"/{ECHO_SERVICE}/{ECHO_METHOD}")
            for _ in range(CALLS):
                assert await call(ECHO_PAYLOAD, timeout=10) == ECHO_PAYLOAD
    finally:
        # Its backends exit with it, and report their statistics as they go.
        await asyncio.to_thread(echo.stop)

    made = await settled_transactions(admin_url, database, at_least=before + CALLS) - before
    assert CALLS <= made <= CALLS + _STARTUP_ALLOWANCE, made
