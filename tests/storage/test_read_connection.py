"""Driver-level reads: outside any transaction, and a connection in doubt never goes back to the pool."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import cast

import asyncpg
import pytest
from sqlalchemy import literal_column, select, table, text
from sqlalchemy.pool import QueuePool

from server.core.errors import Unavailable
from server.settings import Settings
from storage.db import Database, DriverStatement, ReadConnection, _prepared, all_rows, first_row

# Run as the repositories run theirs (`first_row`/`all_rows`): from its second run on a connection,
# a statement goes to asyncpg's protocol directly.
_BACKEND_PID = DriverStatement.compile(select(literal_column("pg_backend_pid()").label("pid")))


@pytest.fixture
async def one_connection(settings: Settings) -> AsyncIterator[Database]:
    """A database whose pool holds a single connection: whatever goes back is what the next caller gets."""
    database = Database.create(url=settings.database_url, pool_size=1, max_overflow=0, pool_timeout=5.0)
    yield database
    await database.dispose()


async def _backend_pid(database: Database) -> int:
    async with database.read_connection() as connection:
        return await _pid_of(connection)


def _in_use_and_idle(database: Database) -> tuple[int, int]:
    """The pool's figures, as the pool metrics read them."""
    pool = cast(QueuePool, database.engine.pool)
    return pool.checkedout(), pool.checkedin()


async def _pid_of(connection: ReadConnection) -> int:
    row = await first_row(connection, _BACKEND_PID, ())
    assert row is not None
    return int(row["pid"])


async def test_reads_run_outside_a_transaction_on_a_pooled_connection(one_connection: Database) -> None:
    first = await _backend_pid(one_connection)
    assert await _backend_pid(one_connection) == first
    async with one_connection.read_connection() as connection:
        # Each statement is its own transaction: no BEGIN/COMMIT around the reads.
        xids = [await connection.fetchrow("SELECT txid_current() AS xid") for _ in range(2)]
        assert xids[0] is not None
        assert xids[1] is not None
        assert xids[0]["xid"] != xids[1]["xid"]


async def test_a_refused_statement_keeps_the_connection(one_connection: Database) -> None:
    before = await _backend_pid(one_connection)
    with pytest.raises(asyncpg.DivisionByZeroError):
        async with one_connection.read_connection() as connection:
            await connection.fetchrow("SELECT 1 / 0")
    assert await _backend_pid(one_connection) == before


async def test_a_cancelled_read_discards_its_connection_and_its_query(one_connection: Database) -> None:
    before = await _backend_pid(one_connection)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3), one_connection.read_connection() as connection:
            await connection.fetchrow("SELECT pg_sleep(30)")
    started = time.monotonic()
    # The next caller gets a fresh connection at once, not the one whose query was cut off.
    after = await _backend_pid(one_connection)
    assert after != before
    assert time.monotonic() - started < 5.0

    async def sleeping() -> int:
        # Its own statement each time: pg_stat_activity is a snapshot per transaction.
        async with one_connection.read_connection() as connection:
            row = await connection.fetchrow(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'"
            )
            assert row is not None
            return int(row["n"])

    for _ in range(200):
        if not await sleeping():
            break
        await asyncio.sleep(0.05)
    assert await sleeping() == 0


@pytest.mark.parametrize("statement", ["prepared on the connection", "through asyncpg's fetchrow"])
async def test_a_connection_the_server_terminated_fails_as_unavailable_and_is_replaced(
    one_connection: Database, settings: Settings, statement: str
) -> None:
    """What every pooled connection goes through when PostgreSQL shuts down under load.

    The server's FATAL "terminating connection" message and the socket's close reach the client
    in separate event-loop iterations; a statement started in between, at any of them, must fail
    as UNAVAILABLE (safe to retry), never as an internal error, and the connection must not be
    handed out again. So for a statement the connection has prepared (the repositories' reads,
    straight on asyncpg's protocol) as for one through asyncpg's own `fetchrow`.
    """

    async def read_once() -> None:
        async with one_connection.read_connection() as connection:
            if statement == "prepared on the connection":
                await _pid_of(connection)
            else:
                await connection.fetchrow("SELECT 1")

    admin = Database.create(url=settings.database_url, pool_size=1, max_overflow=0, pool_timeout=5.0)
    try:
        for iterations in range(6):
            victim = await _backend_pid(one_connection)
            async with admin.read_connection() as connection:
                row = await connection.fetchrow("SELECT pg_terminate_backend($1) AS done", victim)
                assert row is not None
                assert row["done"]
            # Blocking on purpose: the FATAL message and the close land in the socket while the
            # loop is not reading, then the loop gets exactly `iterations` turns to process them.
            time.sleep(0.2)  # noqa: ASYNC251 - the loop must not run meanwhile
            for _ in range(iterations):
                await asyncio.sleep(0)
            with pytest.raises(Unavailable):
                await read_once()
            assert await _backend_pid(one_connection) != victim
    finally:
        await admin.dispose()


async def test_a_read_waits_for_a_connection_in_use_then_gives_up_as_unavailable(settings: Settings) -> None:
    """Reads share the one pool (and its budget) with units of work: they wait for a connection, within bounds."""
    small = Database.create(url=settings.database_url, pool_size=1, max_overflow=0, pool_timeout=0.5)
    try:
        held = await _backend_pid(small)
        async with small.unit_of_work() as holding:
            await holding.session.execute(text("SELECT 1"))
            started = time.monotonic()
            with pytest.raises(Unavailable):
                await _backend_pid(small)
            assert time.monotonic() - started < 2

            waiting = asyncio.ensure_future(_backend_pid(small))
            await asyncio.sleep(0.1)
            assert not waiting.done()
        # The unit of work returned its connection: the waiting read gets it, no second connection.
        assert await waiting == held
    finally:
        await small.dispose()


async def test_reads_and_units_of_work_together_stay_within_the_pool_budget(settings: Settings) -> None:
    name = f"budget-{uuid.uuid4().hex[:8]}"
    small = Database.create(
        url=settings.database_url, pool_size=2, max_overflow=1, pool_timeout=10.0, application_name=name
    )
    seen: list[int] = []

    async def read() -> None:
        async with small.read_connection() as connection:
            row = await connection.fetchrow(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1", name
            )
            assert row is not None
            seen.append(int(row["n"]))
            await connection.fetchrow("SELECT pg_sleep(0.02)")

    async def write() -> None:
        async with small.unit_of_work() as uow:
            await uow.session.execute(text("SELECT pg_sleep(0.02)"))

    try:
        await asyncio.gather(*(read() if i % 2 else write() for i in range(60)))
        assert seen
        assert max(seen) <= 3
    finally:
        await small.dispose()


async def test_after_the_server_dropped_every_connection_one_failure_renews_the_idle_ones(
    settings: Settings,
) -> None:
    """A restart of PostgreSQL costs one failed call, not one per pooled connection.

    The first statement to hit a dead connection marks every older pooled connection stale; a read
    then gets a fresh connection instead of the next dead one.
    """
    two = Database.create(url=settings.database_url, pool_size=2, max_overflow=0, pool_timeout=5.0)
    admin = Database.create(url=settings.database_url, pool_size=1, max_overflow=0, pool_timeout=5.0)
    try:
        async with two.read_connection() as first, two.read_connection() as second:
            pids = set()
            for connection in (first, second):
                row = await connection.fetchrow("SELECT pg_backend_pid() AS pid")
                assert row is not None
                pids.add(int(row["pid"]))
        assert len(pids) == 2
        async with admin.read_connection() as connection:
            await connection.fetch("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", list(pids))
        await asyncio.sleep(0.3)
        with pytest.raises(Unavailable):
            async with two.unit_of_work() as uow:
                await uow.session.execute(text("SELECT 1"))
        assert await _backend_pid(two) not in pids
    finally:
        await admin.dispose()
        await two.dispose()


async def test_a_leased_connection_counts_as_in_use_in_the_pool_figures(one_connection: Database) -> None:
    """The pool metrics (connections in use, idle) read the pool: a read's connection shows there like any other."""
    await _backend_pid(one_connection)
    assert _in_use_and_idle(one_connection) == (0, 1)
    async with one_connection.read_connection() as connection:
        assert _in_use_and_idle(one_connection) == (1, 0)
        await _pid_of(connection)
    assert _in_use_and_idle(one_connection) == (0, 1)


@pytest.mark.parametrize("waiter", ["read", "unit of work"])
async def test_a_read_that_ends_hands_its_connection_to_a_caller_waiting_for_one(
    one_connection: Database, waiter: str
) -> None:
    """A caller waiting on a full pool gets the connection a read gives back, not a timeout (here 5 s)."""
    held = await _backend_pid(one_connection)

    async def wait_for_the_connection() -> int:
        if waiter == "read":
            return await _backend_pid(one_connection)
        async with one_connection.unit_of_work() as uow:
            return int((await uow.session.execute(text("SELECT pg_backend_pid()"))).scalar_one())

    async with one_connection.read_connection() as connection:
        await _pid_of(connection)
        waiting = asyncio.ensure_future(wait_for_the_connection())
        await asyncio.sleep(0.1)
        assert not waiting.done()
    assert await waiting == held
    assert _in_use_and_idle(one_connection) == (0, 1)


async def test_a_prepared_read_whose_table_changed_shape_answers_with_the_new_shape(
    one_connection: Database, settings: Settings
) -> None:
    """A migration that changes a table's columns while the server runs costs no failed read.

    PostgreSQL refuses to run a prepared statement whose result type changed; the read prepares it
    again and answers.
    """
    name = f"reshaped_{uuid.uuid4().hex[:8]}"
    admin = Database.create(url=settings.database_url, pool_size=1, max_overflow=0, pool_timeout=5.0)
    every = DriverStatement.compile(select(literal_column("*")).select_from(table(name)))
    try:
        await _change(admin, f"CREATE TABLE {name} (a int)", f"INSERT INTO {name} VALUES (1)")  # noqa: S608 - our name
        async with one_connection.read_connection() as connection:
            for _ in range(2):
                assert dict(await first_row(connection, every, ())) == {"a": 1}
                assert [dict(row) for row in await all_rows(connection, every, ())] == [{"a": 1}]
        await _change(admin, f"ALTER TABLE {name} ADD COLUMN b int NOT NULL DEFAULT 2")
        async with one_connection.read_connection() as connection:
            assert dict(await first_row(connection, every, ())) == {"a": 1, "b": 2}
        await _change(admin, f"ALTER TABLE {name} ADD COLUMN c int NOT NULL DEFAULT 3")
        async with one_connection.read_connection() as connection:
            assert [dict(row) for row in await all_rows(connection, every, ())] == [{"a": 1, "b": 2, "c": 3}]
    finally:
        await _change(admin, f"DROP TABLE IF EXISTS {name}")
        await admin.dispose()


async def _change(database: Database, *statements: str) -> None:
    async with database.unit_of_work() as uow:
        for statement in statements:
            await uow.session.execute(text(statement))


async def test_query_loggers_see_every_statement_a_read_runs(one_connection: Database) -> None:
    seen: list[str] = []
    async with one_connection.read_connection() as connection:
        await _pid_of(connection)
        with connection.query_logger(lambda record: seen.append(record.query)):  # type: ignore[attr-defined]
            for _ in range(2):
                await _pid_of(connection)
                await all_rows(connection, _BACKEND_PID, ())
            await asyncio.sleep(0)
    assert seen == [_BACKEND_PID.sql] * 4


async def test_a_second_statement_while_the_first_runs_fails_and_the_connection_is_discarded(
    one_connection: Database,
) -> None:
    """Two statements at once on one read connection (a bug): the second fails, as through asyncpg's own calls."""
    before = await _backend_pid(one_connection)
    sleep = DriverStatement.compile(select(literal_column("pg_sleep(0.2)")))

    async def two_at_once() -> None:
        async with one_connection.read_connection() as connection:
            await first_row(connection, sleep, ())
            first = asyncio.ensure_future(first_row(connection, sleep, ()))
            await asyncio.sleep(0.05)
            try:
                await first_row(connection, sleep, ())
            finally:
                await first

    with pytest.raises(Unavailable) as failure:
        await two_at_once()
    assert isinstance(failure.value.__cause__, asyncpg.InterfaceError)
    assert "another operation is in progress" in str(failure.value.__cause__)
    assert await _backend_pid(one_connection) != before


async def test_a_statement_runs_prepared_from_its_second_run_on_a_connection(one_connection: Database) -> None:
    """What `first_row`/`all_rows` rely on in asyncpg (its statement cache, by its own key): else they stay slow."""
    async with one_connection.read_connection() as connection:
        assert _prepared(connection, _BACKEND_PID.sql) is None
        await _pid_of(connection)
        assert _prepared(connection, _BACKEND_PID.sql) is not None
