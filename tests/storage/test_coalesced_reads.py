"""Point reads of concurrent callers share statements, and each caller still gets exactly its own row, fresh."""

from __future__ import annotations

import asyncio
import contextvars
import os
import signal
import time
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import ARRAY, Integer, any_, bindparam, column, select, table

from domain.errors import Unavailable
from server.settings import Settings
from storage.coalesced_reads import CoalescedReads
from storage.db import Database, DriverStatement, ReadConnection, all_rows

_ROWS = 40


class Names:
    """A table of names read by id, with a record of each statement's keys."""

    def __init__(self) -> None:
        self.statements: list[list[int]] = []
        # Cleared to hold the statement in flight at its start (as a slow PostgreSQL would).
        self.proceed = asyncio.Event()
        self.proceed.set()
        self.started = asyncio.Event()

    async def fetch(self, connection: ReadConnection, keys: list[int]) -> Mapping[int, str]:
        self.statements.append(sorted(keys))
        self.started.set()
        await self.proceed.wait()
        if -1 in keys:
            raise LookupError("no such key")
        rows = await connection.fetch("SELECT id, name FROM coalesced_names WHERE id = ANY($1::int[])", keys)
        return {row["id"]: row["name"] for row in rows}


@pytest.fixture(scope="module", autouse=True)
async def _names(database: Database) -> None:
    async with database.read_connection() as connection:
        await connection.fetch("DROP TABLE IF EXISTS coalesced_names")
        await connection.fetch("CREATE TABLE coalesced_names (id int PRIMARY KEY, name text NOT NULL)")
        await connection.fetch(
            "INSERT INTO coalesced_names SELECT i, 'name ' || i FROM generate_series(1, $1::int) AS i", _ROWS
        )


async def test_callers_of_the_same_moment_share_one_statement_and_each_gets_its_row(database: Database) -> None:
    names = Names()
    reads: CoalescedReads[int, str] = CoalescedReads(database, names.fetch)
    keys = [5, 1, 7, 5, 999, 3]
    answers = await asyncio.gather(*(reads.get(key) for key in keys))
    assert answers == ["name 5", "name 1", "name 7", "name 5", None, "name 3"]
    assert names.statements == [[1, 3, 5, 7, 999]]


async def test_a_lone_caller_is_sent_at_once_and_alone(database: Database) -> None:
    names = Names()
    reads: CoalescedReads[int, str] = CoalescedReads(database, names.fetch)
    assert await reads.get(2) == "name 2"
    assert await reads.get(4) == "name 4"
    assert names.statements == [[2], [4]]


async def test_callers_that_come_while_a_statement_is_in_flight_leave_together_next(database: Database) -> None:
    names = Names()
    reads: CoalescedReads[int, str] = CoalescedReads(database, names.fetch)
    names.proceed.clear()
    first = asyncio.create_task(reads.get(1))
    await names.started.wait()
    later = [asyncio.create_task(reads.get(key)) for key in (2, 3, 4)]
    await asyncio.sleep(0.05)
    # Held: nothing else went to PostgreSQL meanwhile.
    assert names.statements == [[1]]
    names.proceed.set()
    assert await first == "name 1"
    assert await asyncio.gather(*later) == ["name 2", "name 3", "name 4"]
    assert names.statements == [[1], [2, 3, 4]]


async def test_a_read_sees_every_write_made_before_it_was_asked(database: Database) -> None:
    names = Names()
    reads: CoalescedReads[int, str] = CoalescedReads(database, names.fetch)
    assert await reads.get(9) == "name 9"
    async with database.read_connection() as connection:
        await connection.fetch("UPDATE coalesced_names SET name = 'renamed' WHERE id = 9")
    try:
        assert await reads.get(9) == "renamed"
    finally:
        async with database.read_connection() as connection:
            await connection.fetch("UPDATE coalesced_names SET name = 'name 9' WHERE id = 9")


async def test_a_failed_statement_fails_its_callers_only(database: Database) -> None:
    names = Names()
    reads: CoalescedReads[int, str] = CoalescedReads(database, names.fetch)
    names.proceed.clear()
    first = asyncio.create_task(reads.get(1))
    await names.started.wait()
    doomed = [asyncio.create_task(reads.get(key)) for key in (-1, 6)]
    names.proceed.set()
    assert await first == "name 1"
    for task in doomed:
        with pytest.raises(LookupError):
            await task
    # The next statement is fine.
    assert await reads.get(6) == "name 6"


async def test_a_caller_that_stops_waiting_leaves_the_others_their_answers(database: Database) -> None:
    names = Names()
    reads: CoalescedReads[int, str] = CoalescedReads(database, names.fetch)
    names.proceed.clear()
    impatient = asyncio.create_task(reads.get(8))
    patient = asyncio.create_task(reads.get(8))
    other = asyncio.create_task(reads.get(10))
    await names.started.wait()
    impatient.cancel()
    names.proceed.set()
    assert (await patient, await other) == ("name 8", "name 10")
    assert impatient.cancelled()


async def test_a_statement_takes_at_most_max_keys(database: Database) -> None:
    names = Names()
    reads: CoalescedReads[int, str] = CoalescedReads(database, names.fetch, max_keys=16)
    answers = await asyncio.gather(*(reads.get(key) for key in range(1, _ROWS + 1)))
    assert answers == [f"name {key}" for key in range(1, _ROWS + 1)]
    assert [len(keys) for keys in names.statements] == [16, 16, 8]
    assert sorted(key for keys in names.statements for key in keys) == list(range(1, _ROWS + 1))


_CALLER: contextvars.ContextVar[str] = contextvars.ContextVar("caller")


async def test_a_shared_statement_runs_as_none_of_its_callers(database: Database) -> None:
    seen: list[str | None] = []

    async def fetch(connection: ReadConnection, keys: list[int]) -> Mapping[int, str]:
        seen.append(_CALLER.get(None))
        rows = await connection.fetch("SELECT id, name FROM coalesced_names WHERE id = ANY($1::int[])", keys)
        return {row["id"]: row["name"] for row in rows}

    reads: CoalescedReads[int, str] = CoalescedReads(database, fetch)

    async def as_caller(name: str, key: int) -> str | None:
        _CALLER.set(name)
        return await reads.get(key)

    assert list(await asyncio.gather(as_caller("first", 1), as_caller("second", 2))) == ["name 1", "name 2"]
    # The first caller's call (its deadline, its identity, its log fields) stays with it.
    assert seen == [None]


# PostgreSQL's statement timeout; asyncpg's command timeout is 5 s longer (Database.create).
_STATEMENT_TIMEOUT_SECONDS = 0.5
_COMMAND_TIMEOUT_SECONDS = _STATEMENT_TIMEOUT_SECONDS + 5
_NAMES = table("coalesced_names", column("id"), column("name"))
_NAMES_BY_ID = DriverStatement.compile(
    select(_NAMES.c.id, _NAMES.c.name).where(_NAMES.c.id == any_(bindparam("ids", type_=ARRAY(Integer))))
)


async def _names_by_id(connection: ReadConnection, keys: list[int]) -> Mapping[int, str]:
    # The hot read's own path (storage.db.all_rows), as GetTicket's statement takes.
    rows = await all_rows(connection, _NAMES_BY_ID, [keys])
    return {row[0]: row[1] for row in rows}


def _asyncpg_timers(loop: asyncio.AbstractEventLoop, driver: Any) -> list[asyncio.TimerHandle]:
    """The loop timers asyncpg armed for a statement on `driver` (its protocol's `_on_timeout`)."""
    scheduled: list[asyncio.TimerHandle] = loop._scheduled  # type: ignore[attr-defined] # asyncio's own loop
    return [
        handle
        for handle in scheduled
        if not handle.cancelled() and getattr(handle._callback, "__self__", None) is driver._protocol  # type: ignore[attr-defined]
    ]


async def test_a_statement_postgresql_never_answers_ends_at_the_command_timeout_without_asyncpgs_timer(
    settings: Settings,
) -> None:
    one_connection = Database.create(
        url=settings.database_url, pool_size=1, max_overflow=0, statement_timeout=_STATEMENT_TIMEOUT_SECONDS
    )
    loop = asyncio.get_running_loop()
    try:
        reads: CoalescedReads[int, str] = CoalescedReads(one_connection, _names_by_id)
        # The first run prepares the statement on the connection: the later ones run on its protocol.
        assert await reads.get(1) == "name 1"
        async with one_connection.read_connection() as connection:
            driver: Any = connection
            pid = await driver.fetchval("SELECT pg_backend_pid()")
        # The backend stopped: PostgreSQL's own timeouts cannot end the statement, only the client can.
        os.kill(pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            unbounded = asyncio.create_task(reads.get(2))
            impatient = asyncio.create_task(asyncio.wait_for(reads.get(3), 1.0))
            await asyncio.sleep(0.3)
            # In flight, on the stopped backend, with no timer of asyncpg's own.
            assert not unbounded.done()
            assert _asyncpg_timers(loop, driver) == []
            # A caller's own bound ends its wait, and leaves the statement to the others.
            with pytest.raises(TimeoutError):
                await impatient
            assert time.monotonic() - started < 2.0
            assert not unbounded.done()
            # The command timeout ends the statement, as asyncpg's timer would: unavailable.
            with pytest.raises(Unavailable):
                await unbounded
            waited = time.monotonic() - started
            assert _COMMAND_TIMEOUT_SECONDS - 0.5 <= waited < _COMMAND_TIMEOUT_SECONDS + 3, waited
        finally:
            os.kill(pid, signal.SIGCONT)
        # The connection in doubt was discarded: the next statement gets a fresh one, and its answer.
        assert await reads.get(4) == "name 4"
    finally:
        await one_connection.dispose()
