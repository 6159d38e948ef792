"""The PostgreSQL engine of a process and the unit of work every RPC runs in."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from server.core.errors import HelpdeskError
from server.settings import Settings
from storage.errors import translate_database_error
from storage.unit_of_work import UnitOfWork

_log = logging.getLogger(__name__)

# Nothing may wait on the database forever: statements, lock waits and connecting are bounded.
DEFAULT_STATEMENT_TIMEOUT_SECONDS = 30.0
DEFAULT_CONNECT_TIMEOUT_SECONDS = 5.0


class Database:
    """An AsyncEngine (asyncpg) with its session factory; one per process, built from settings."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sessionmaker = async_sessionmaker(engine, expire_on_commit=False)

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
        """A database for `url` (`postgresql+asyncpg://...`). Connects lazily, on first use."""
        engine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            # No pre-ping: it costs a round trip on every checkout (every RPC). A connection that died
            # with the server fails its first statement instead (UNAVAILABLE, safe to retry), and
            # SQLAlchemy then invalidates every older pooled connection at once, so one call sees it.
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
                },
            },
        )
        return cls(engine)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """A database configured by the process settings."""
        return cls.create(
            url=settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
        )

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
            translated = translate_database_error(exc)
            if translated is None:
                raise
            raise translated from exc

    async def dispose(self) -> None:
        """Closes every pooled connection."""
        await self._engine.dispose()

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """One transaction: commits if the block ends normally, rolls back if it raises.

        Callbacks registered with `uow.after_commit` run after a successful commit. Connection
        failures (server down, pool exhausted, timeouts) surface as `Unavailable`, lost races
        (deadlock, serialization failure) as `Aborted`; domain errors pass through untouched.
        """
        session = self._sessionmaker()
        uow = UnitOfWork(session)
        try:
            try:
                yield uow
                await session.commit()
            finally:
                await _close(session)
        except HelpdeskError:
            raise
        except Exception as exc:
            translated = translate_database_error(exc)
            if translated is None:
                raise
            raise translated from exc
        await uow.run_after_commit()


async def _close(session: AsyncSession) -> None:
    # Rolls back whatever was not committed. A dead connection must not mask the original error.
    try:
        await session.close()
    except Exception:  # noqa: BLE001 - best effort cleanup; the pool discards a broken connection
        _log.warning("closing a database session failed", exc_info=True)
