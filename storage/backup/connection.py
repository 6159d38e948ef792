"""A SQLAlchemy database URL as libpq sees it: the environment PostgreSQL's client tools read."""

from __future__ import annotations

import os
from dataclasses import dataclass

import asyncpg
from sqlalchemy.engine import make_url

# The URL query parameters asyncpg and libpq both understand, and libpq's variable for each.
_SSL_MODES = {"ssl": "PGSSLMODE", "sslmode": "PGSSLMODE"}


@dataclass(frozen=True, slots=True)
class ConnectionTarget:
    """Where a database is and who connects: built from `DATABASE_URL` (postgresql+asyncpg://...)."""

    host: str
    port: int
    user: str
    database: str
    password: str | None = None
    ssl_mode: str | None = None

    @classmethod
    def from_url(cls, url: str) -> ConnectionTarget:
        """Parses a SQLAlchemy URL; a unix-socket directory comes as `?host=/dir`."""
        parsed = make_url(url)
        query_host = parsed.query.get("host")
        host = query_host if isinstance(query_host, str) else (query_host[0] if query_host else None)
        ssl_mode = next(
            (value if isinstance(value, str) else value[0] for key, value in parsed.query.items() if key in _SSL_MODES),
            None,
        )
        return cls(
            host=host or parsed.host or "localhost",
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            database=parsed.database or "postgres",
            password=parsed.password if isinstance(parsed.password, str) else None,
            ssl_mode=ssl_mode,
        )

    def libpq_environment(self) -> dict[str, str]:
        """The environment for a client tool: ours plus PG* variables (so the password is never on a command line)."""
        env = {name: value for name, value in os.environ.items() if not name.startswith("PG")}
        env.update(PGHOST=self.host, PGPORT=str(self.port), PGUSER=self.user, PGDATABASE=self.database)
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        if self.ssl_mode is not None:
            env["PGSSLMODE"] = self.ssl_mode
        return env

    async def connect(self) -> asyncpg.Connection:
        """A plain asyncpg connection (for the few statements around a dump or restore)."""
        ssl: str | bool | None = self.ssl_mode
        return await asyncpg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=self.database,
            ssl=ssl,
            timeout=10,
        )
