"""Point reads of concurrent callers share statements, and each caller still gets exactly its own row, fresh."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Mapping

import pytest

from storage.coalesced_reads import CoalescedReads
from storage.db import Database, ReadConnection

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
