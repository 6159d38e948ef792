"""Recognising failures of PostgreSQL and Redis, so that callers get UNAVAILABLE, not INTERNAL."""

from __future__ import annotations

import asyncio

import asyncpg
import redis.exceptions
import sqlalchemy.exc

from domain.errors import Unavailable

_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    asyncio.TimeoutError,
    OSError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.InterfaceError,
    # The protocol cannot start a statement: a shutting-down server's unsolicited FATAL error can
    # reach an idle pooled connection one loop iteration before its socket closes, and the next
    # statement on it fails here without being sent (so a retry is safe; the connection is dropped).
    asyncpg.exceptions.InternalClientError,
    sqlalchemy.exc.DisconnectionError,
    sqlalchemy.exc.TimeoutError,
)


def as_unavailable(exc: BaseException) -> Unavailable | None:
    """An Unavailable error if `exc` (or its cause) means a dependency is unreachable, else None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return Unavailable("the database is unavailable, try again shortly", reason="DATABASE_UNAVAILABLE")
        if isinstance(current, _CONNECTION_ERRORS):
            if isinstance(current, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
                return Unavailable("the cache is unavailable, try again shortly", reason="REDIS_UNAVAILABLE")
            return Unavailable("a backing service is unavailable, try again shortly", reason="DEPENDENCY_UNAVAILABLE")
        current = current.__cause__ or current.__context__
    return None
