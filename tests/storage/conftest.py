"""Fixtures for storage tests: a Database on this module's migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from server.app import open_database
from server.settings import Settings
from storage.db import Database


@pytest.fixture(scope="module")
async def database(settings: Settings) -> AsyncIterator[Database]:
    """The module's database, disposed at the end of the module."""
    db = open_database(settings)
    yield db
    await db.dispose()
