"""What a stopped server leaves behind in PostgreSQL, as an operator would look for it.

The tests that stop a server (or close a pool) while a read is under way hold that read with a
lock the test takes (so it waits there for exactly as long as the test wants, no timing), then
look at `pg_stat_activity` and at the garbage collector's ResourceWarnings.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import shutil
import tempfile
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

import asyncpg
import pytest
from sqlalchemy.engine import make_url

# The test's own connections: never counted as the server's.
OBSERVER_NAME = "stop-test"
# Generous: PostgreSQL ends a backend as soon as it sees its socket closed (within the server's
# client_connection_check_interval when it waits on a lock); this only bounds a failure.
WITHIN_SECONDS = 30.0


def connect_arguments(database_url: str) -> dict[str, object]:
    """asyncpg's arguments for the SQLAlchemy URL `database_url`, named as the test's own connection."""
    url = make_url(database_url)
    host = url.query.get("host") or url.host or "127.0.0.1"
    return {
        "user": url.username or "postgres",
        "password": url.password,
        "database": url.database,
        "host": host if isinstance(host, str) else host[0],
        "port": url.port or 5432,
        "server_settings": {"application_name": OBSERVER_NAME},
    }


@asynccontextmanager
async def observer(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection of the test's own to `database_url`."""
    connection = await asyncpg.connect(**connect_arguments(database_url))
    try:
        yield connection
    finally:
        await connection.close()


async def server_backends(watcher: asyncpg.Connection) -> list[asyncpg.Record]:
    """The backends of the watched database opened by anyone but the test."""
    return list(
        await watcher.fetch(
            "SELECT pid, application_name, state, wait_event_type, query FROM pg_stat_activity"
            " WHERE datname = current_database() AND backend_type = 'client backend'"
            " AND application_name <> $1",
            OBSERVER_NAME,
        )
    )


async def _until(condition: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(WITHIN_SECONDS):
        # Polled: PostgreSQL announces none of this.
        while not await condition():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def wait_for_lock_wait(watcher: asyncpg.Connection, statement_part: str) -> None:
    """Returns once a backend of the server waits on a lock in a statement containing `statement_part`."""

    async def waiting() -> bool:
        return any(
            row["wait_event_type"] == "Lock" and statement_part in (row["query"] or "")
            for row in await server_backends(watcher)
        )

    await _until(waiting)


async def running_statements(watcher: asyncpg.Connection) -> list[asyncpg.Record]:
    """The server's backends running a statement right now."""
    return [row for row in await server_backends(watcher) if row["state"] == "active"]


async def assert_no_backend_left(watcher: asyncpg.Connection) -> None:
    """Every backend of the server ends (PostgreSQL may take a moment to see a closed socket)."""

    async def gone() -> bool:
        return not await server_backends(watcher)

    try:
        await _until(gone)
    except TimeoutError:
        pytest.fail(f"backends left behind: {await server_backends(watcher)}")


@contextmanager
def unclosed_connections() -> Iterator[list[str]]:
    """The ResourceWarnings of connections found unclosed by the garbage collector, at the end of the block."""
    found: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield found
        gc.collect()
        found.extend(str(w.message) for w in caught if issubclass(w.category, ResourceWarning))


@asynccontextmanager
async def table_locked(database_url: str, table: str) -> AsyncIterator[None]:
    """Holds an ACCESS EXCLUSIVE lock on `table` for the block: every read of it waits."""
    async with observer(database_url) as holder:
        transaction = holder.transaction()
        await transaction.start()
        try:
            await holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            yield
        finally:
            await transaction.rollback()


@asynccontextmanager
async def advisory_locked(database_url: str, key: int) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Holds the advisory lock `key` (`pg_advisory_xact_lock(key)` waits) until the block ends or it is released.

    Yields the release: an awaitable call that lets the waiting statements go on at once.
    """
    async with observer(database_url) as holder:
        await holder.execute("SELECT pg_advisory_lock($1)", key)
        held = True

        async def release() -> None:
            nonlocal held
            if held:
                held = False
                await holder.execute("SELECT pg_advisory_unlock($1)", key)

        try:
            yield release
        finally:
            await release()


class HeldDoor:
    """A doorway to PostgreSQL that lets connections in but holds their bytes until it is opened.

    A connection made through it stays in the middle of being opened (the driver has sent its
    start-up message and waits for the answer) for exactly as long as the test wants.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.knocked = asyncio.Event()
        self._open = asyncio.Event()

    def open(self) -> None:
        """Lets every waiting connection, and every later one, through."""
        self._open.set()

    async def pass_through(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, target: str) -> None:
        self.knocked.set()
        await self._open.wait()
        upstream_reader, upstream_writer = await asyncio.open_unix_connection(target)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except ConnectionError:
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))


@asynccontextmanager
async def held_door(database_url: str) -> AsyncIterator[HeldDoor]:
    """A `HeldDoor` to the PostgreSQL of `database_url` (reached over its Unix socket)."""
    # A short directory of its own: a socket's path must fit in 107 bytes.
    directory = tempfile.mkdtemp(prefix="door-", dir="/tmp")
    url = make_url(database_url)
    socket_dir = url.query.get("host")
    assert isinstance(socket_dir, str), "the test PostgreSQL listens on a socket"
    assert socket_dir.startswith("/"), "the test PostgreSQL listens on a socket"
    name = f".s.PGSQL.{url.port or 5432}"
    door = HeldDoor(url.update_query_dict({"host": directory}).render_as_string(hide_password=False))
    tasks: set[asyncio.Task[None]] = set()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        # Cancelled when the door goes away: ending quietly (asyncio reports a cancelled
        # connection task as an error in a callback).
        with contextlib.suppress(asyncio.CancelledError):
            await door.pass_through(reader, writer, f"{socket_dir}/{name}")
        writer.close()

    server = await asyncio.start_unix_server(accept, path=f"{directory}/{name}")
    try:
        yield door
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        shutil.rmtree(directory, ignore_errors=True)
