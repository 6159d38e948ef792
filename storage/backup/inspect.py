"""What a backup or restore needs to know about the database first: version, tables and their sizes, revision."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from storage.backup.connection import ConnectionTarget
from storage.backup.tools import BackupError

# Every relation (table, sequence, view, index) outside PostgreSQL's own schemas.
_USER_RELATIONS = """
    SELECT c.relname, c.relkind::text AS kind, pg_table_size(c.oid) AS bytes
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
    ORDER BY c.relname
"""


@dataclass(frozen=True, slots=True)
class DatabaseFacts:
    """The server's major version, each user table's size, other objects and the schema's migration revision."""

    server_major: int
    server_version: str
    table_bytes: dict[str, int]
    other_relations: int
    extensions: tuple[str, ...]
    revision: str | None

    @property
    def empty(self) -> bool:
        """Whether nothing but PostgreSQL's defaults is there (what a restore requires)."""
        return not self.table_bytes and not self.other_relations and not self.extensions

    @property
    def data_bytes(self) -> int:
        """The tables' size on disk (heap and TOAST), about what a dump reads."""
        return sum(self.table_bytes.values())


async def inspect_database(target: ConnectionTarget) -> DatabaseFacts:
    """Reads the facts over one short connection; BackupError if the database cannot be reached."""
    try:
        connection = await target.connect()
    except (OSError, asyncpg.PostgresError) as exc:
        raise BackupError(
            f"cannot connect to database {target.database!r} on {target.host}:{target.port}: {exc}"
        ) from exc
    try:
        version_num = int(await connection.fetchval("SHOW server_version_num"))
        version = str(await connection.fetchval("SHOW server_version"))
        relations = await connection.fetch(_USER_RELATIONS)
        extensions = await connection.fetch("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'")
        revision = None
        if any(row["relname"] == "alembic_version" and row["kind"] == "r" for row in relations):
            rows = await connection.fetch("SELECT version_num FROM alembic_version ORDER BY 1")
            revision = ", ".join(row["version_num"] for row in rows) or None
    finally:
        await connection.close()
    tables = {row["relname"]: int(row["bytes"]) for row in relations if row["kind"] in ("r", "p")}
    return DatabaseFacts(
        server_major=version_num // 10000,
        server_version=version,
        table_bytes=tables,
        other_relations=sum(1 for row in relations if row["kind"] not in ("r", "p", "i", "t")),
        extensions=tuple(sorted(row["extname"] for row in extensions)),
        revision=revision,
    )


def human_size(size: float) -> str:
    """1536 -> '1.5 KB'."""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"  # pragma: no cover - the loop returns at GB
