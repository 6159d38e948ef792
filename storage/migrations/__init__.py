"""Schema migrations (Alembic), run programmatically: no alembic.ini is needed.

    upgrade_to_head(url)        apply every pending migration (what `helpdesk migrate` does)
    downgrade_to(url, "base")   step back (tests, emergencies)
    current_revisions(url)      the revisions the database is at, empty if never migrated
    head_revisions()            the newest revisions shipped with this code

Each domain keeps its own branch of revisions, rooted at 0001_users_and_sessions (the users every
domain refers to) and labelled with the domain's name (`branch_labels = ("tickets",)`), so that
domains evolve their schemas independently; "head" therefore means every branch's head.

All are synchronous and start their own event loop: from async code, call them with
`await asyncio.to_thread(upgrade_to_head, url)`. Concurrent runs (several replicas starting at
once) serialise on a PostgreSQL advisory lock. New revisions: `python -m storage.migrations
revision -m "add tickets" --rev-id 0002_tickets --head 0001_users_and_sessions --branch-label tickets`
(ids are at most 32 characters; later revisions of a branch use `--head tickets@head`).
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

SCRIPT_LOCATION = Path(__file__).resolve().parent
# The key under which env.py finds the database URL (kept out of the ini-style options, which
# would interpolate `%` in passwords).
URL_ATTRIBUTE = "database_url"
# Alembic keeps the running migration in module globals (`alembic.context`): one run per process
# at a time. Across processes, env.py's advisory lock takes over.
_ALEMBIC_LOCK = threading.Lock()


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic configuration pointing at these migrations (and at `database_url`, if given)."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # Revision files are named after their id alone: versions/0002_tickets.py.
    config.set_main_option("file_template", "%%(rev)s")
    if database_url is not None:
        config.attributes[URL_ATTRIBUTE] = database_url
    return config


def _refuse_inside_event_loop(name: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(f"{name}() blocks and runs its own event loop; call it via asyncio.to_thread()")


def upgrade_to_head(database_url: str) -> None:
    """Applies every pending migration to the database at `database_url`."""
    _refuse_inside_event_loop("upgrade_to_head")
    with _ALEMBIC_LOCK:
        command.upgrade(alembic_config(database_url), "heads")


def downgrade_to(database_url: str, revision: str) -> None:
    """Reverts the database to `revision` (`base` = empty schema)."""
    _refuse_inside_event_loop("downgrade_to")
    with _ALEMBIC_LOCK:
        command.downgrade(alembic_config(database_url), revision)


def head_revisions() -> frozenset[str]:
    """The newest revision of every branch shipped with this code."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(database_url: str) -> frozenset[str]:
    """The revisions the database is at (one per branch); empty if it was never migrated."""
    _refuse_inside_event_loop("current_revisions")
    return asyncio.run(_current_revisions(database_url))


async def _current_revisions(database_url: str) -> frozenset[str]:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            heads = await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_heads())
            return frozenset(heads)
    finally:
        await engine.dispose()


__all__ = [
    "SCRIPT_LOCATION",
    "alembic_config",
    "current_revisions",
    "downgrade_to",
    "head_revisions",
    "upgrade_to_head",
]
