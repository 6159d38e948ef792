"""The PostgreSQL engine of a process and the unit of work every RPC runs in."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, cast

import asyncpg
from asyncpg.protocol import NO_TIMEOUT
from sqlalchemy import ClauseElement, Engine, Select, event, text
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import QueuePool
from sqlalchemy.pool.base import _ConnectionRecord
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import greenlet_spawn

from domain.errors import HelpdeskError, Unavailable
from storage.errors import translate_database_error

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

_log = logging.getLogger(__name__)

# Nothing may wait on the database forever: statements, lock waits and connecting are bounded.
DEFAULT_STATEMENT_TIMEOUT_SECONDS = 30.0
DEFAULT_CONNECT_TIMEOUT_SECONDS = 5.0
# How long `dispose` waits for connections in use to come back before closing them anyway.
DISPOSE_WAIT_SECONDS = 2.0
_DISPOSE_POLL_SECONDS = 0.01


class ReadConnection(Protocol):
    """The driver (asyncpg) calls a hot read may make on a pooled connection."""

    async def fetchrow(self, query: str, *args: Any) -> Mapping[str, Any] | None:
        """The first row of `query`, or None."""
        ...

    async def fetch(self, query: str, *args: Any) -> Sequence[Mapping[str, Any]]:
        """Every row of `query`."""
        ...


_DRIVER_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """A SQLAlchemy statement compiled once to asyncpg's SQL (`$1`, `$2`...), with its parameter order.

    For the hottest reads: the driver runs it directly, skipping SQLAlchemy's per-execution work
    (cache key, execution context, result wrapping), which costs several times the query itself.
    """

    sql: str
    names: tuple[str, ...]
    defaults: Mapping[str, Any]

    @classmethod
    def compile(cls, statement: ClauseElement) -> DriverStatement:
        """Compiles `statement` (Core, no expanding IN parameters) for asyncpg."""
        compiled = cast(SQLCompiler, statement.compile(dialect=_DRIVER_DIALECT))
        names = tuple(compiled.positiontup or ())
        defaults = {name: compiled.binds[name].value for name in names if compiled.binds[name].value is not None}
        return cls(sql=str(compiled), names=names, defaults=defaults)

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        """The positional arguments for `parameters` (missing ones take the statement's own values)."""
        return [parameters[name] if name in parameters else self.defaults.get(name) for name in self.names]


@functools.lru_cache(maxsize=1024)
def compiled_for_driver(statement: ClauseElement) -> DriverStatement:
    """`DriverStatement.compile`, once per statement object (hot statements are built once and kept)."""
    return DriverStatement.compile(statement)


def _unbounded() -> float | None:
    """Nothing says when the current task is cancelled."""
    return None


# When the current task is cancelled anyway, on the event loop's clock (None: nothing bounds it).
# The server's deadline timers answer for the calls they bound (`bound_reads_by`).
_task_bound: Callable[[], float | None] = _unbounded


def bound_reads_by(bound: Callable[[], float | None]) -> None:
    """Lets the hot reads know when the current task is cancelled anyway (`bound()`, on the event loop's clock).

    A read that a cancellation ends before the connection's command timeout would needs no timer
    of asyncpg's own: one armed and cancelled on every read cost 4.7k instructions on uvloop, 1.5%
    of a bare grpc call. Relies on the protocol's `NO_TIMEOUT` and the connection's `_config` and
    `_loop` (tests/server/core/test_read_deadlines.py runs through them).
    """
    # One process, one event loop: set as the server starts.
    global _task_bound
    _task_bound = bound


# When the current task's reads are ended by their owner (`bound_shared_reads`), in the task's own context.
_shared_bound: contextvars.ContextVar[float | None] = contextvars.ContextVar("shared_read_bound", default=None)


def bound_shared_reads(connection: ReadConnection) -> float | None:
    """For a task reading for others on `connection`: its hot reads run without asyncpg's timer from now on.

    Returns the moment (loop clock) the connection's command timeout would end a read started now;
    the caller takes on ending the task's read then, as asyncpg's timer would have (with a
    TimeoutError, so that callers see the same Unavailable). A task reading for many callers
    (`storage.coalesced_reads`) is bounded by none of their deadlines, and one loop timer it keeps
    for all its statements costs less than asyncpg's armed and cancelled on each. None (the
    connection has no command timeout): nothing changes.
    """
    driver: Any = connection
    command_timeout = driver._config.command_timeout
    if command_timeout is None:
        return None
    bound: float = driver._loop.time() + command_timeout
    _shared_bound.set(bound)
    return bound


def _read_timeout(driver: Any) -> Any:
    """The timeout of a hot read: none (no timer) when a cancellation comes first anyway, else the command timeout."""
    bound = _task_bound()
    if bound is None:
        bound = _shared_bound.get()
    if bound is not None:
        command_timeout = driver._config.command_timeout
        if command_timeout is not None and bound <= driver._loop.time() + command_timeout:
            return NO_TIMEOUT
    # The connection's command timeout, as in `fetchrow`.
    return None


async def first_row(connection: ReadConnection, statement: DriverStatement, arguments: Sequence[Any]) -> Any:
    """The first row of `statement` with its positional `arguments` on a driver connection, or None.

    As `connection.fetchrow`, more cheaply (`_prepared`). asyncpg's Record iterates its values in
    column order, as a Row does.
    """
    driver: Any = connection
    prepared = _prepared(driver, statement.sql)
    if prepared is not None:
        try:
            rows = await driver._protocol.bind_execute(prepared, arguments, "", 1, False, _read_timeout(driver))
            return rows[0] if rows else None
        except asyncpg.InvalidCachedStatementError:
            pass
    return await driver.fetchrow(statement.sql, *arguments)


async def all_rows(connection: ReadConnection, statement: DriverStatement, arguments: Sequence[Any]) -> Any:
    """Every row of `statement` with its positional `arguments` on a driver connection.

    As `connection.fetch`, more cheaply (`_prepared`).
    """
    driver: Any = connection
    prepared = _prepared(driver, statement.sql)
    if prepared is not None:
        try:
            return await driver._protocol.bind_execute(prepared, arguments, "", 0, False, _read_timeout(driver))
        except asyncpg.InvalidCachedStatementError:
            pass
    return await driver.fetch(statement.sql, *arguments)


def _prepared(connection: Any, sql: str) -> Any:
    """The asyncpg connection's prepared statement for `sql`, if the caller may run it on the protocol directly.

    asyncpg's `fetch`/`fetchrow` end in its protocol's `bind_execute`, under four layers of calls
    and coroutines (open check, exclusive section, query logging, timeout arithmetic, statement
    cache lookup) which cost a fifth of a one-row read. Once the connection has the statement
    prepared, the callers run it there directly; whatever is out of the ordinary goes through
    `fetch`/`fetchrow` themselves: the statement's first run on the connection (asyncpg prepares
    and caches it), a closed connection (its error), query loggers, and a statement PostgreSQL
    re-planned with another result type (a migration ran; it was not executed, so asyncpg may run
    it again: it drops the stale statements and prepares it afresh). A second statement started
    on the same connection before the first ended fails in the protocol, as through `fetch`.
    The private parts relied on are checked by tests/storage/test_read_connection.py.
    """
    # asyncpg's own cache key: the query, the record class and `ignore_custom_codec`.
    statement = connection._stmt_cache.get((sql, connection._protocol.get_record_class(), False))
    if statement is None or connection._query_loggers or connection.is_closed():
        return None
    return statement


class StatementRunner:
    """Runs prebuilt Core statements on a unit of work's session or straight on a pooled driver connection.

    A repository built on either answers its reads the same way: inside a transaction (consistent
    with its writes) or, for the one-statement hot reads, on `Database.read_connection()`.
    """

    def __init__(self, source: AsyncSession | ReadConnection) -> None:
        self._source = source

    async def first(self, statement: Select[Any], parameters: Mapping[str, Any]) -> Sequence[Any] | None:
        """The first row of `statement`, or None."""
        if isinstance(self._source, AsyncSession):
            connection = await self._source.connection()
            first: Sequence[Any] | None = (await connection.execute(statement, parameters)).first()
            return first
        compiled = compiled_for_driver(statement)
        row: Sequence[Any] | None = await first_row(self._source, compiled, compiled.arguments(parameters))
        return row

    async def all(self, statement: Select[Any], parameters: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        """Every row of `statement`."""
        if isinstance(self._source, AsyncSession):
            connection = await self._source.connection()
            every: Sequence[Sequence[Any]] = (await connection.execute(statement, parameters)).all()
            return every
        compiled = compiled_for_driver(statement)
        rows: Sequence[Sequence[Any]] = await all_rows(self._source, compiled, compiled.arguments(parameters))
        return rows


class Database:
    """An AsyncEngine (asyncpg) with its session factory; one per process (the server builds it from its settings)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        # The same pool, but the driver never opens a transaction: each statement commits alone,
        # so a read costs its statement and no BEGIN/COMMIT round trips.
        self._read_sessionmaker = async_sessionmaker(
            engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )
        # Every driver connection the pool opens (a connect event: it runs on connecting, never on checkout).
        self._opened = _OpenedConnections(engine)

    @classmethod
    def create(
        cls,
        *,
        url: str,
        pool_size: int = 10,
        max_overflow: int = 10,
        pool_timeout: float = 5.0,
        statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT_SECONDS,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_SECONDS,
        application_name: str = "helpdesk",
    ) -> Database:
        """A database for `url` (`postgresql+asyncpg://...`). Connects lazily, on first use.

        At most `pool_size + max_overflow` connections are open at once, and every one opened is
        kept once returned (until `pool_recycle`): SQLAlchemy closes an overflow connection as soon
        as it is returned, so a burst above `pool_size` concurrent checkouts (ordinary at 30 calls
        in flight) opened and closed a PostgreSQL connection every few dozen calls; each costs a
        backend fork, authentication and re-preparing statements (measured: 21 connections a
        second, 40% of PostgreSQL's CPU per GetCurrentUser call).
        """
        engine = create_async_engine(
            url,
            pool_size=pool_size + max_overflow,
            max_overflow=0,
            pool_timeout=pool_timeout,
            # No pre-ping: it costs a round trip on every checkout (every RPC). A connection that died
            # with the server fails its first statement instead (UNAVAILABLE, safe to retry), and
            # SQLAlchemy then invalidates every older pooled connection at once, so one call sees it.
            # (`read_connection` takes and returns idle connections without SQLAlchemy's checkout
            # and checkin, which would run a pre-ping or checkout/checkin events: none may be set up
            # on this engine.)
            pool_pre_ping=False,
            pool_recycle=1800,
            connect_args={
                "timeout": connect_timeout,
                # Client-side bound, slightly above the server's, so the server's error wins.
                "command_timeout": statement_timeout + 5,
                "server_settings": {
                    "application_name": application_name,
                    "statement_timeout": str(int(statement_timeout * 1000)),
                    # Shorter than the statement timeout: a long lock wait is a lost race (Aborted).
                    "lock_timeout": str(int(statement_timeout * 500)),
                    "idle_in_transaction_session_timeout": str(int(statement_timeout * 2000)),
                    # A call cancelled by its deadline closes its connection; without this check a
                    # statement waiting on a lock would go on waiting (and holding its place in the
                    # lock queue) until the lock timeout, since PostgreSQL only notices a vanished
                    # client when it next writes to it.
                    "client_connection_check_interval": "500",
                },
            },
        )
        return cls(engine)

    @property
    def engine(self) -> AsyncEngine:
        """The underlying engine (pool statistics, ad-hoc maintenance)."""
        return self._engine

    async def ping(self) -> None:
        """Runs `SELECT 1`; raises Unavailable if PostgreSQL cannot be reached."""
        try:
            async with self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:
            _raise_translated(exc)
            raise

    async def dispose(self, *, wait_seconds: float = DISPOSE_WAIT_SECONDS) -> None:
        """Closes every connection of the pool, those still in use included: none is left to the garbage collector.

        SQLAlchemy's dispose closes the idle connections only. One still in use (a call or a job
        cancelled by the stop and rolling back) would be returned afterwards to the disposed pool
        and stay open there until the garbage collector found it unclosed (a ResourceWarning, and
        a backend PostgreSQL keeps until then). So connections in use get `wait_seconds` to come
        back first, and any still open once the pool is disposed is terminated: its socket is
        closed, PostgreSQL rolls back what it was doing and ends its backend.
        """
        pool = self._engine.sync_engine.pool
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        try:
            # Polled: a checkin event would tell at once, but would cost every call its dispatch.
            while isinstance(pool, QueuePool) and pool.checkedout() > 0 and loop.time() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(_DISPOSE_POLL_SECONDS)
            await self._engine.dispose()
        finally:
            # Synchronous: neither a cancelled dispose (a stop step that overran) nor a connection
            # that never answers can keep this from running.
            self._opened.terminate_all()

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """One transaction: commits if the block ends normally, rolls back if it raises.

        Callbacks registered with `uow.after_commit` run after a successful commit. Connection
        failures (server down, pool exhausted, timeouts) surface as `Unavailable`, lost races
        (deadlock, serialization failure) as `Aborted`; domain errors pass through untouched.
        """
        session = self._sessionmaker()
        uow = _unit_of_work_class()(session)
        try:
            try:
                yield uow
                await session.commit()
            finally:
                await _close(session)
        except Exception as exc:
            _raise_translated(exc)
            raise
        await uow.run_after_commit()

    def read_connection(self) -> _ReadLease:
        """A pooled connection at the driver level, outside any transaction, for one-statement reads and writes.

        Use as `async with database.read_connection() as connection:` and run `DriverStatement`s
        on it. Each statement commits on its own (no BEGIN/COMMIT): the hot reads use it, and so
        do writes that one statement makes whole (CreateTicket's, SendChatMessage's), never a
        change spread over several statements. A statement PostgreSQL refused leaves the
        connection fine; anything else (a dropped connection, a cancelled query, a timeout)
        discards it rather than hand a connection in an unknown state to the next caller.
        Failures surface as in `unit_of_work`.
        """
        return _ReadLease(self._engine.sync_engine)

    @asynccontextmanager
    async def read_only(self) -> AsyncIterator[UnitOfWork]:
        """Repositories for pure reads, outside any transaction (the hot reads: GetTicket, ListTickets...).

        Every statement runs on its own (autocommit), so several statements in one block may each
        see a different moment: use it where one statement answers the question, and never to
        write (a write would commit at once, outside any unit of work). Failures surface as in
        `unit_of_work`.
        """
        session = self._read_sessionmaker()
        uow = _unit_of_work_class()(session, read_only=True)
        try:
            try:
                yield uow
            finally:
                await _close(session)
        except Exception as exc:
            _raise_translated(exc)
            raise


class _ReadLease:
    """`Database.read_connection()`: a class, not a generator-based context manager, as it runs on every hot call.

    It takes a connection record straight from SQLAlchemy's pool, the one pool of the process
    (same budget, same waiting, same figures in the pool metrics), without a greenlet or a
    `PoolProxiedConnection` around it: the greenlet alone cost an eighth of a GetCurrentUser call.
    An idle connection that needs nothing is taken from, and put back into, the deque behind the
    pool's queue (what its `get_nowait`/`put_nowait` do, less their layers of calls, which cost
    as much as the rest of the borrow): the statement runs on the driver and never opens a
    transaction, so there is nothing to reset on return, and no pool event is set up on this
    engine but `connect` (`Database.create`), so checkout and checkin have none to run. Only what
    may do I/O or wake someone goes through SQLAlchemy, as its own checkout would: waiting for a
    connection when none is idle (in a greenlet, bounded by the pool timeout), connecting,
    reconnecting a connection due for recycling or invalidated, and returning a connection
    while a caller waits for one (which wakes it).
    """

    __slots__ = ("_engine", "_pool", "_record")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pool: Any = None
        self._record: _ConnectionRecord | None = None

    async def __aenter__(self) -> ReadConnection:
        # Private to SQLAlchemy (the pool's AsyncAdaptedQueue) and asyncio (Queue's deque):
        # tests/storage/test_read_connection.py checks that they are what this relies on.
        pool: Any = self._engine.pool
        idle: deque[_ConnectionRecord] = pool._pool._queue._queue
        if idle:
            # First in, first out, as the pool's queue hands them over.
            record = idle.popleft()
            # What SQLAlchemy's checkout checks before handing a connection over (`get_connection`).
            started = record.starttime
            if (
                record.dbapi_connection is None
                or pool._invalidate_time > started
                or record._soft_invalidate_time > started
                or (pool._recycle > -1 and time.time() - started > pool._recycle)
            ):
                try:
                    await greenlet_spawn(_connect, record)
                except Exception as exc:
                    _raise_translated(exc)
                    raise
        else:
            try:
                record = await greenlet_spawn(_checkout, pool)
            except Exception as exc:
                _raise_translated(exc)
                raise
        self._pool = pool
        self._record = record
        # The asyncpg connection inside SQLAlchemy's adapter (what `record.driver_connection` returns).
        return cast(ReadConnection, record.dbapi_connection._connection)  # type: ignore[union-attr]

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        record, self._record = self._record, None
        assert record is not None
        # PostgreSQL refused the statement (or the caller decided): the connection itself is fine,
        # unless the refusal was the server going away (shutdown, connection failure). Anything
        # else (cancelled, timed out, dropped) leaves it in doubt: discard it.
        healthy = (
            exc is None
            or isinstance(exc, HelpdeskError)
            or (isinstance(exc, asyncpg.PostgresError) and not isinstance(translate_database_error(exc), Unavailable))
        )
        if healthy:
            # The pool this record came from (a dispose since then replaced the engine's).
            adapted = self._pool._pool
            queue = adapted._queue
            if not queue._getters and len(queue._queue) < adapted.maxsize and not record.finalize_callback:
                # Nobody waits for a connection: straight back among the idle ones.
                queue._queue.append(record)
                if isinstance(exc, Exception):
                    _raise_translated(exc)
                return
        try:
            if not healthy:
                # Outside a greenlet, SQLAlchemy closes it at once (the socket is aborted) rather than
                # waiting, up to seconds, for a graceful goodbye from a connection in doubt: nothing
                # here awaits, so a second cancellation or a discarded coroutine cannot stop this
                # block before the record is back in the pool. PostgreSQL ends what the connection
                # was running when it sees the socket gone (`client_connection_check_interval`).
                record.invalidate()
        except Exception:  # noqa: BLE001 - best effort; the record reconnects on its next checkout
            _log.warning("discarding a database connection failed", exc_info=True)
        finally:
            try:
                # Through the pool's queue: it wakes a caller waiting for a connection.
                record.checkin(_fairy_was_created=False)
            except Exception:  # noqa: BLE001 - best effort; the pool replaces a broken connection
                _log.warning("returning a database connection failed", exc_info=True)
        if isinstance(exc, Exception):
            _raise_translated(exc)


def _connect(record: _ConnectionRecord) -> None:
    """(Re)connects `record` if it needs it; on failure it goes back to the pool (run in a greenlet)."""
    try:
        record.get_connection()
    except BaseException as exc:
        record._checkin_failed(exc, _fairy_was_created=False)
        raise


def _checkout(pool: QueuePool) -> _ConnectionRecord:
    """A connected record, waiting for one (within the pool timeout) or connecting (run in a greenlet)."""
    record = cast(_ConnectionRecord, pool._do_get())
    _connect(record)
    return record


class _OpenedConnections:
    """Every driver connection an engine opens from now on (held weakly), and the means to end them all."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._opened: weakref.WeakSet[asyncpg.Connection] = weakref.WeakSet()
        self._ended = False
        event.listen(engine.sync_engine, "connect", self._remember)

    def _remember(self, dbapi_connection: Any, record: _ConnectionRecord) -> None:
        connection = dbapi_connection.driver_connection
        if self._ended:
            # Opened after the end (its connect was under way): the caller finds it closed and
            # gets Unavailable, as every call does at that point, and no backend is left open.
            connection.terminate()
            return
        self._opened.add(connection)

    def terminate_all(self) -> None:
        """Closes every connection still open, and any that finishes opening later, without waiting on PostgreSQL."""
        self._ended = True
        for connection in list(self._opened):
            if not connection.is_closed():
                connection.terminate()


def _unit_of_work_class() -> type[UnitOfWork]:
    # Imported on use: the repositories import this module (DriverStatement, ReadConnection), and
    # the unit of work imports the repositories.
    from storage.unit_of_work import UnitOfWork

    return UnitOfWork


def _raise_translated(exc: Exception) -> None:
    """Raises the domain error for `exc` if it has one (returns for a bug, to re-raise as is)."""
    if isinstance(exc, HelpdeskError):
        return
    translated = translate_database_error(exc)
    if translated is not None:
        raise translated from exc


async def _close(session: AsyncSession) -> None:
    # Rolls back whatever was not committed. A dead connection must not mask the original error.
    try:
        await session.close()
    except Exception:  # noqa: BLE001 - best effort cleanup; the pool discards a broken connection
        _log.warning("closing a database session failed", exc_info=True)
