"""The plans of the statements a server runs, as PostgreSQL's auto_explain logs them while something happens.

bench/stack.py starts PostgreSQL with the `auto_explain` library loaded and off; `served_plans`
switches it on (ALTER SYSTEM, then a configuration reload every backend applies before its next
command, the server's pooled ones included), runs the action, switches it off and reads the plans
that the log gained meanwhile. What is measured is the statement exactly as the server ran it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

# auto_explain's settings while the plans are logged.
_AUTO_EXPLAIN = {
    "auto_explain.log_min_duration": "0",
    "auto_explain.log_analyze": "on",
    "auto_explain.log_buffers": "on",
    "auto_explain.log_timing": "on",
}


async def _set_auto_explain(database_url: str, *, on: bool) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for name, value in _AUTO_EXPLAIN.items():
                statement = f"ALTER SYSTEM SET {name} = '{value}'" if on else f"ALTER SYSTEM RESET {name}"
                await connection.execute(text(statement))
            await connection.execute(text("SELECT pg_reload_conf()"))
    finally:
        await engine.dispose()
    # Every backend, the server's pooled ones included, rereads the configuration before its next command.
    await asyncio.sleep(0.5)


def _read_from(path: Path, offset: int) -> str:
    with path.open(errors="replace") as log:
        log.seek(offset)
        return log.read()


def _logged_plans(log: str) -> list[list[str]]:
    """The plans auto_explain wrote to a PostgreSQL log: one list of lines (query text first) each."""
    plans: list[list[str]] = []
    current: list[str] | None = None
    for line in log.splitlines():
        if "LOG:  duration:" in line and line.rstrip().endswith("plan:"):
            current = [line.split("LOG:  ", 1)[1]]
            plans.append(current)
        elif current is not None and line.startswith("\t"):
            current.append(line[1:])
        else:
            current = None
    return plans


async def served_plans(
    database_url: str, log_path: Path, *, during: Callable[[], Awaitable[object]], mentioning: str
) -> list[list[str]]:
    """The plans logged while `during()` ran whose lines mention `mentioning` (each: its lines, header first)."""
    start = await asyncio.to_thread(os.path.getsize, log_path)
    await _set_auto_explain(database_url, on=True)
    try:
        await during()
    finally:
        await _set_auto_explain(database_url, on=False)
    logged = await asyncio.to_thread(_read_from, log_path, start)
    return [plan for plan in _logged_plans(logged) if any(mentioning in line for line in plan)]
