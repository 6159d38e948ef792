"""Closing the pool closes every connection, those still in use included: none is left behind.

A read held in PostgreSQL by the test's advisory lock stands for a call or a job still using
its connection when the process stops.
"""

from __future__ import annotations

import asyncio

import pytest

from server.core.errors import Unavailable
from storage.db import Database
from tests.stop_support import (
    advisory_locked,
    assert_no_backend_left,
    held_door,
    observer,
    server_backends,
    unclosed_connections,
    wait_for_lock_wait,
)

_KEY = 4242


async def _read_behind_the_lock(database: Database) -> int:
    async with database.read_connection() as connection:
        row = await connection.fetchrow("SELECT pg_advisory_xact_lock($1::bigint), 7 AS answer", _KEY)
        assert row is not None
        return int(row["answer"])


async def test_a_connection_returned_while_the_pool_closes_is_closed_too(database_url: str) -> None:
    async with observer(database_url) as watcher:
        with unclosed_connections() as unclosed:
            database = Database.create(url=database_url)
            async with advisory_locked(database_url, _KEY) as release:
                reading = asyncio.create_task(_read_behind_the_lock(database))
                await wait_for_lock_wait(watcher, "pg_advisory_xact_lock")
                disposing = asyncio.create_task(database.dispose())
                # Whether or not the close has got anywhere yet, the read now ends and returns its connection.
                await asyncio.wait({disposing}, timeout=0.2)
                await release()
                # The call in flight was not cut short: it got its answer.
                assert await reading == 7
                await disposing
            await assert_no_backend_left(watcher)
            del database
        assert unclosed == []


async def test_a_connection_still_in_use_once_the_pool_has_waited_is_terminated(database_url: str) -> None:
    async with observer(database_url) as watcher:
        with unclosed_connections() as unclosed:
            database = Database.create(url=database_url)
            async with advisory_locked(database_url, _KEY):
                reading = asyncio.create_task(_read_behind_the_lock(database))
                await wait_for_lock_wait(watcher, "pg_advisory_xact_lock")
                await database.dispose()
                # Still locked: only the pool closing the connection can end that backend.
                await assert_no_backend_left(watcher)
                # The caller learns that the database went away (a retryable error), not a hang.
                with pytest.raises(Unavailable):
                    await reading
            assert await server_backends(watcher) == []
            del database
        assert unclosed == []


async def _read_one(database: Database) -> int:
    async with database.read_connection() as connection:
        row = await connection.fetchrow("SELECT 7 AS answer")
        assert row is not None
        return int(row["answer"])


async def test_a_connection_still_opening_when_the_pool_closes_is_closed_once_open(
    database_url: str,
) -> None:
    async with observer(database_url) as watcher:
        with unclosed_connections() as unclosed:
            async with held_door(database_url) as door:
                database = Database.create(url=door.url)
                reading = asyncio.create_task(_read_one(database))
                await door.knocked.wait()
                await database.dispose(wait_seconds=0.1)
                # PostgreSQL answers only now: the connection opens after the pool has closed.
                door.open()
                with pytest.raises(Unavailable):
                    await reading
                await assert_no_backend_left(watcher)
            del database
        assert unclosed == []
