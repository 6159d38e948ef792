"""A stopped server leaves nothing running in PostgreSQL, even work cut short by the stop.

Each test holds a job or a stream inside a PostgreSQL read with a lock the test takes (so it waits
there exactly as long as the test wants, no timing), stops the server, and checks what an
operator would see: once `stop()` returns PostgreSQL runs no statement for the server, every
backend of the server ends, and no connection was left to the garbage collector (a
ResourceWarning, "unclosed connection").
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import grpc
import grpc.aio
import pytest
from google.rpc import error_details_pb2

from helpdesk.v1 import (
    auth_service_pb2_grpc,
    chat_service_pb2,
    chat_service_pb2_grpc,
    ticket_service_pb2,
    ticket_service_pb2_grpc,
)
from server.app import HelpdeskApp
from server.core.context import Role
from server.settings import Settings
from tests.stop_support import (
    assert_no_backend_left,
    observer,
    running_statements,
    table_locked,
    unclosed_connections,
    wait_for_lock_wait,
)
from tests.support import SignedIn, error_details, sign_in_as


@asynccontextmanager
async def _serving(settings: Settings) -> AsyncIterator[HelpdeskApp]:
    """A started server, which the test stops (with `_stop`); stopped here only if the test failed first."""
    app = await HelpdeskApp.create(settings)
    await app.start()
    try:
        yield app
    except BaseException:
        await app.stop(grace=0.5)
        raise


async def _stop(app: HelpdeskApp, watcher: asyncpg.Connection, *, grace: float) -> None:
    """Stops `app`: once `stop()` returns, PostgreSQL runs no statement for it any more."""
    await app.stop(grace=grace)
    assert await running_statements(watcher) == []


async def test_stop_during_a_rollup_fold_ends_it_before_returning(settings: Settings, database_url: str) -> None:
    # The rollup job folds once at start-up; the test's lock holds that fold inside its read.
    async with observer(database_url) as watcher:
        with unclosed_connections() as unclosed:
            async with table_locked(database_url, "report_day_offsets"):
                async with _serving(settings) as app:
                    await wait_for_lock_wait(watcher, "report_day_offsets")
                    await _stop(app, watcher, grace=0.5)
                    # Still locked: the fold cannot end by itself; the stop must have ended it.
                    await assert_no_backend_left(watcher)
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
                    await _stop(app, watcher, grace=0.5)
                    await assert_no_backend_left(watcher)
                finally:
                    await grpc_stop(0)
            del app
        assert unclosed == []


_Stream = grpc.aio.UnaryStreamCall[Any, Any]


def _watch_queue(channel: grpc.aio.Channel, agent: SignedIn) -> _Stream:
    stub = chat_service_pb2_grpc.ChatServiceStub(channel)
    return stub.WatchQueue(chat_service_pb2.WatchQueueRequest(), metadata=agent.metadata)


def _watch_tickets(channel: grpc.aio.Channel, agent: SignedIn) -> _Stream:
    stub = ticket_service_pb2_grpc.TicketServiceStub(channel)
    return stub.WatchTickets(ticket_service_pb2.WatchTicketsRequest(), metadata=agent.metadata)


@pytest.mark.parametrize(
    ("table", "watch"), [("chats", _watch_queue), ("ticket_change_log", _watch_tickets)], ids=["queue", "tickets"]
)
async def test_stop_during_a_stream_read_ends_the_stream_at_once_and_closes_its_connection(
    settings: Settings,
    database_url: str,
    table: str,
    watch: Callable[[grpc.aio.Channel, SignedIn], _Stream],
) -> None:
    async with observer(database_url) as watcher:
        with unclosed_connections() as unclosed:
            async with _serving(settings) as app, grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
                agent = await sign_in_as(app, auth_service_pb2_grpc.AuthServiceStub(channel), Role.AGENT)
                async with table_locked(database_url, table):
                    # The stream's first read waits on the test's lock.
                    stream = watch(channel, agent)
                    await wait_for_lock_wait(watcher, table)
                    # A long grace: the stream must not wait for its end to be told.
                    await _stop(app, watcher, grace=10.0)
                    # The client is told the server is stopping (it reconnects to another
                    # replica), as are the streams that were waiting for events.
                    with pytest.raises(grpc.aio.AioRpcError) as ended:
                        await stream.read()
                    assert ended.value.code() == grpc.StatusCode.UNAVAILABLE
                    details = error_details(ended.value)
                    reasons = [d.reason for d in details if isinstance(d, error_details_pb2.ErrorInfo)]
                    assert reasons == ["SERVER_STOPPING"]
                    await assert_no_backend_left(watcher)
            del app
        assert unclosed == []
