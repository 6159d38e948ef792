"""A hot read never hangs: the call's deadline ends it when it comes first, the connection's command timeout otherwise.

Under a deadline sooner than the command timeout a read runs without asyncpg's own timer (the
deadline's cancellation ends it anyway); without one, or with a later one, the timer stays. The
database backend serving the read is stopped (SIGSTOP), so that PostgreSQL's own timeouts, which
normally end a statement first, cannot: only the client side can end the read.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc
import grpc.aio
import pytest
from google.rpc import error_details_pb2
from sqlalchemy import literal_column, select

from server.settings import Settings
from storage.db import Database, DriverStatement, first_row
from tests.support import app_serving, error_details

# PostgreSQL's statement timeout; asyncpg's command timeout is 5 s longer (Database.create).
_STATEMENT_TIMEOUT_SECONDS = 1.0
_COMMAND_TIMEOUT_SECONDS = _STATEMENT_TIMEOUT_SECONDS + 5

_ONE = DriverStatement.compile(select(literal_column("1")))


@asynccontextmanager
async def _serving_reads(settings: Settings) -> AsyncIterator[tuple[grpc.aio.Channel, Database]]:
    """A server whose `/test.Read/One` reads one row on a pool of one connection; `pid` names its backend."""
    database = Database.create(
        url=settings.database_url, pool_size=1, max_overflow=0, statement_timeout=_STATEMENT_TIMEOUT_SECONDS
    )

    async def read(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        async with database.read_connection() as connection:
            driver: Any = connection
            if request == b"pid":
                return str(await driver.fetchval("SELECT pg_backend_pid()")).encode()
            row = await first_row(connection, _ONE, ())
            return str(row[0]).encode()

    try:
        async with (
            app_serving(settings, "/test.Read/One", read) as app,
            grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel,
        ):
            yield channel, database
    finally:
        await database.dispose()


@asynccontextmanager
async def _backend_stopped(call: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes]) -> AsyncIterator[None]:
    """The pool's one connection, its read prepared, with its PostgreSQL backend stopped for the block."""
    # The read's first run prepares it: the later ones run on the protocol directly.
    assert await call(b"read", timeout=10) == b"1"
    pid = int(await call(b"pid", timeout=10))
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


async def _timed(call: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes], deadline_s: float | None) -> tuple[float, Any]:
    """How long a read took to fail, and its error; one still running well past the command timeout fails the test."""
    started = time.monotonic()
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        async with asyncio.timeout(_COMMAND_TIMEOUT_SECONDS + 5):
            await call(b"read", timeout=deadline_s)
    return time.monotonic() - started, raised.value


async def test_a_read_ends_at_the_deadline_or_at_the_command_timeout_whichever_comes_first(settings: Settings) -> None:
    async with _serving_reads(settings) as (channel, _):
        call: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary("/test.Read/One")

        # A deadline sooner than the command timeout ends the read, with the server's own status.
        async with _backend_stopped(call):
            waited, error = await _timed(call, 2.0)
        assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert [d.reason for d in error_details(error) if isinstance(d, error_details_pb2.ErrorInfo)] == [
            "DEADLINE_EXCEEDED"
        ]
        assert waited < 2.0

        # No deadline, or a later one: the command timeout ends the read (the connection is lost
        # to the caller: unavailable), instead of the call waiting for ever.
        for deadline_s in (None, 60.0):
            async with _backend_stopped(call):
                waited, error = await _timed(call, deadline_s)
            assert error.code() == grpc.StatusCode.UNAVAILABLE, deadline_s
            assert _COMMAND_TIMEOUT_SECONDS - 0.5 <= waited < _COMMAND_TIMEOUT_SECONDS + 3, (deadline_s, waited)

        # The pool serves the next read.
        assert await call(b"read", timeout=10) == b"1"
