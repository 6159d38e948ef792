"""Fixtures for storage tests: a Database on this module's migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from server.settings import Settings
from storage.db import Database


@pytest.fixture(scope="module")
async def database(settings: Settings) -> AsyncIterator[Database]:
    """The module's database, disposed at the end of the module."""
    db = Database.from_settings(settings)
    yield db
    await db.dispose()
