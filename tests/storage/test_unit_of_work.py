"""The unit of work: one transaction, commit or rollback, after-commit callbacks, failures as domain errors."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from sqlalchemy import text

from devstack.redis import free_port
from server.core.context import Role
from server.core.errors import Aborted, NotFound, Unavailable
from server.settings import Settings
from storage.db import Database


def _email() -> str:
    return f"uow-{uuid.uuid4().hex[:10]}@example.com"


async def _add_user(database: Database, email: str) -> uuid.UUID:
    async with database.unit_of_work() as uow:
        user = await uow.users.add(email=email, display_name="U", role=Role.CUSTOMER, active=True, password_hash="x")
        assert user is not None
        return user.id


async def test_commits_when_the_block_ends_normally(database: Database) -> None:
    user_id = await _add_user(database, _email())
    async with database.unit_of_work() as uow:
        assert await uow.users.get(user_id=user_id) is not None


async def test_rolls_back_when_the_block_raises(database: Database) -> None:
    email = _email()

    async def add_then_fail() -> None:
        async with database.unit_of_work() as uow:
            await uow.users.add(email=email, display_name="U", role=Role.CUSTOMER, active=True, password_hash="x")
            raise NotFound("changed my mind")

    with pytest.raises(NotFound):
        await add_then_fail()
    async with database.unit_of_work() as uow:
        assert await uow.users.get_by_email(email=email) is None


async def test_after_commit_callbacks_run_only_after_a_commit(database: Database) -> None:
    events: list[str] = []

    async def saw_committed_row() -> None:
        # Runs after commit: another transaction already sees the row.
        async with database.unit_of_work() as other:
            found = await other.users.get_by_email(email=email)
        events.append("visible" if found else "invisible")

    email = _email()
    async with database.unit_of_work() as uow:
        await uow.users.add(email=email, display_name="U", role=Role.CUSTOMER, active=True, password_hash="x")
        uow.after_commit(saw_committed_row)
        assert events == []
    assert events == ["visible"]

    async def must_not_run() -> None:
        events.append("ran after rollback")

    async def register_then_fail() -> None:
        async with database.unit_of_work() as uow:
            uow.after_commit(must_not_run)
            raise NotFound("rolled back")

    with pytest.raises(NotFound):
        await register_then_fail()
    assert events == ["visible"]


async def test_a_failing_callback_does_not_undo_the_commit(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken() -> None:
        raise RuntimeError("event bus down")

    email = _email()
    async with database.unit_of_work() as uow:
        await uow.users.add(email=email, display_name="U", role=Role.CUSTOMER, active=True, password_hash="x")
        uow.after_commit(broken)
    async with database.unit_of_work() as uow:
        assert await uow.users.get_by_email(email=email) is not None
    assert "after-commit callback" in caplog.text


async def test_ping_succeeds_on_a_live_database(database: Database) -> None:
    await database.ping()


async def test_an_unreachable_server_is_unavailable() -> None:
    down = Database.create(url=f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing", connect_timeout=1.0)
    try:
        with pytest.raises(Unavailable):
            await down.ping()
        with pytest.raises(Unavailable):
            async with down.unit_of_work() as uow:
                await uow.users.get(user_id=uuid.uuid4())
    finally:
        await down.dispose()


async def test_an_exhausted_pool_is_unavailable_not_a_hang(settings: Settings) -> None:
    small = Database.create(url=settings.database_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    try:
        async with small.unit_of_work() as holding:
            await holding.session.execute(text("SELECT 1"))
            started = time.monotonic()
            with pytest.raises(Unavailable):
                async with small.unit_of_work() as starved:
                    await starved.session.execute(text("SELECT 1"))
            assert time.monotonic() - started < 2
    finally:
        await small.dispose()


async def test_a_runaway_statement_is_cut_off(settings: Settings) -> None:
    impatient = Database.create(url=settings.database_url, statement_timeout=0.2)
    try:
        with pytest.raises(Unavailable):
            async with impatient.unit_of_work() as uow:
                await uow.session.execute(text("SELECT pg_sleep(5)"))
    finally:
        await impatient.dispose()


async def test_a_long_lock_wait_is_a_lost_race(settings: Settings, database: Database) -> None:
    user_id = await _add_user(database, _email())
    impatient = Database.create(url=settings.database_url, statement_timeout=0.4)
    try:
        async with database.unit_of_work() as holder:
            await holder.users.get_for_update(user_id=user_id)
            with pytest.raises(Aborted):
                async with impatient.unit_of_work() as waiter:
                    await waiter.users.get_for_update(user_id=user_id)
    finally:
        await impatient.dispose()


async def test_units_of_work_run_concurrently(database: Database) -> None:
    async def one() -> None:
        async with database.unit_of_work() as uow:
            await uow.session.execute(text("SELECT pg_sleep(0.2)"))

    started = time.monotonic()
    await asyncio.gather(*(one() for _ in range(4)))
    assert time.monotonic() - started < 0.7
