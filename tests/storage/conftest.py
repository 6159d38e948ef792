"""Fixtures for storage tests: a Database on this module's migrated database, or an empty one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from server.settings import Settings
from storage.db import Database


@pytest.fixture(scope="module")
async def database(settings: Settings) -> AsyncIterator[Database]:
    """The module's database, disposed at the end of the module."""
    db = Database.from_settings(settings)
    yield db
    await db.dispose()


async def _run_as_admin(postgres_url: str, statement: str) -> None:
    engine = create_async_engine(postgres_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture
async def empty_database_url(postgres_url: str) -> AsyncIterator[str]:
    """URL of a brand-new database with no schema at all, dropped after the test."""
    name = f"helpdesk_empty_{uuid.uuid4().hex[:12]}"
    await _run_as_admin(postgres_url, f'CREATE DATABASE "{name}"')
    yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    await _run_as_admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
