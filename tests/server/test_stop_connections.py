"""A stopped server leaves nothing running in PostgreSQL, even work cut short by the stop.

Each test holds a job or a stream inside a PostgreSQL read with a lock the test takes (so it waits
there exactly as long as the test wants, no timing), stops the server, and checks what an
operator would see: once `stop()` returns PostgreSQL runs no statement for the server, every
backend of the server ends, and no connection was left to the garbage collector (a
ResourceWarning, "unclosed connection").
"""

from __future__ import annotations

import asyncio

import pytest

from server.app import HelpdeskApp
from server.settings import Settings
from tests.stop_support import (
    assert_no_backend_left,
    observer,
    running_statements,
    table_locked,
    unclosed_connections,
    wait_for_lock_wait,
)


async def test_stop_during_a_rollup_fold_ends_it_before_returning(settings: Settings, database_url: str) -> None:
    # The rollup job folds once at start-up; the test's lock holds that fold inside its read.
    async with observer(database_url) as watcher:
        with unclosed_connections() as unclosed:
            async with table_locked(database_url, "report_day_offsets"):
                app = await HelpdeskApp.create(settings)
                await app.start()
                stopped = False
                try:
                    await wait_for_lock_wait(watcher, "report_day_offsets")
                    await app.stop(grace=0.5)
                    stopped = True
                    assert await running_statements(watcher) == []
                    # Still locked: the fold cannot end by itself; the stop must have ended it.
                    await assert_no_backend_left(watcher)
                finally:
                    if not stopped:
                        await app.stop(grace=0.5)
            del app
        assert unclosed == []


async def test_stop_ends_the_rollup_even_when_grpc_never_confirms_its_stop(
    settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # grpc.aio's stop now and then never completes; the stop then goes on after a bounded wait,
    # and the jobs must end all the same (not when the server's termination would have come).
    async with observer(database_url) as watcher:
        with unclosed_connections() as unclosed:
            async with table_locked(database_url, "report_day_offsets"):
                app = await HelpdeskApp.create(settings)
                await app.start()
                grpc_stop = app.server.stop
                never = asyncio.Event()

                async def never_confirms(grace: float | None) -> None:
                    await never.wait()

                monkeypatch.setattr(app.server, "stop", never_confirms)
                try:
                    await wait_for_lock_wait(watcher, "report_day_offsets")
                    await app.stop(grace=0.5)
                    assert await running_statements(watcher) == []
                    await assert_no_backend_left(watcher)
                finally:
                    await grpc_stop(0)
            del app
        assert unclosed == []
