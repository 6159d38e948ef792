"""UserRepository: uniqueness, lookups, keyset pagination and literal search."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from server.core.context import Role
from storage.db import Database
from storage.models import User


async def _add(database: Database, email: str, *, role: Role = Role.CUSTOMER, active: bool = True) -> User:
    async with database.unit_of_work() as uow:
        user = await uow.users.add(
            email=email, display_name=email.split("@")[0], role=role, active=active, password_hash="h"
        )
        assert user is not None
        return user


async def test_add_returns_the_row_with_server_defaults(database: Database) -> None:
    user = await _add(database, f"defaults-{uuid.uuid4().hex[:8]}@example.com")
    assert isinstance(user.id, uuid.UUID)
    assert user.version == 1
    assert user.create_time.tzinfo is not None
    assert user.update_time == user.create_time
    assert user.last_login_time is None
    assert user.role is Role.CUSTOMER
    assert user.etag == 'W/"1"'


async def test_a_taken_email_is_refused_without_breaking_the_transaction(database: Database) -> None:
    email = f"taken-{uuid.uuid4().hex[:8]}@example.com"
    await _add(database, email)
    async with database.unit_of_work() as uow:
        again = await uow.users.add(email=email, display_name="Other", role=Role.AGENT, active=True, password_hash="h")
        assert again is None
        # The transaction is still usable after the refusal.
        assert (await uow.users.get_by_email(email=email)) is not None


async def test_the_database_itself_enforces_unique_emails_and_known_roles(database: Database) -> None:
    email = f"raw-{uuid.uuid4().hex[:8]}@example.com"
    await _add(database, email)
    insert = text("INSERT INTO users (email, display_name, role, password_hash) VALUES (:e, 'x', :r, 'h')")
    with pytest.raises(IntegrityError):
        async with database.engine.begin() as connection:
            await connection.execute(insert, {"e": email, "r": "customer"})
    with pytest.raises(IntegrityError):
        async with database.engine.begin() as connection:
            await connection.execute(insert, {"e": f"x{email}", "r": "superuser"})


async def test_update_fields_bumps_version_and_update_time(database: Database) -> None:
    user = await _add(database, f"update-{uuid.uuid4().hex[:8]}@example.com")
    async with database.unit_of_work() as uow:
        updated = await uow.users.update_fields(user_id=user.id, display_name="New Name", role=Role.AGENT)
    assert updated is not None
    assert (updated.display_name, updated.role, updated.active) == ("New Name", Role.AGENT, True)
    assert updated.version == 2
    assert updated.update_time > user.update_time


async def test_stamp_login_only_for_active_users_and_keeps_the_version(database: Database) -> None:
    active = await _add(database, f"stamp-{uuid.uuid4().hex[:8]}@example.com")
    inactive = await _add(database, f"stamp-off-{uuid.uuid4().hex[:8]}@example.com", active=False)
    async with database.unit_of_work() as uow:
        stamped = await uow.users.stamp_login(user_id=active.id)
        assert await uow.users.stamp_login(user_id=inactive.id) is None
    assert stamped is not None
    assert stamped.last_login_time is not None
    assert stamped.version == active.version


async def test_keyset_pagination_sees_every_user_exactly_once(database: Database) -> None:
    tag = uuid.uuid4().hex[:8]
    expected: set[uuid.UUID] = set()
    # Many rows in one transaction share create_time: the id breaks the tie.
    async with database.unit_of_work() as uow:
        for index in range(23):
            user = await uow.users.add(
                email=f"page-{tag}-{index}@example.com",
                display_name=f"P{index}",
                role=Role.AGENT,
                active=True,
                password_hash="h",
            )
            assert user is not None
            expected.add(user.id)
    for index in range(23, 30):
        expected.add((await _add(database, f"page-{tag}-{index}@example.com", role=Role.AGENT)).id)

    seen: list[uuid.UUID] = []
    after = None
    while True:
        async with database.unit_of_work() as uow:
            page = await uow.users.list_page(limit=7, after=after, role=Role.AGENT, query=f"page-{tag}")
        seen.extend(user.id for user in page)
        if len(page) < 7:
            break
        after = (page[-1].create_time, page[-1].id)
    assert len(seen) == len(set(seen)) == 30
    assert set(seen) == expected


async def test_list_is_newest_first_and_filters(database: Database) -> None:
    tag = uuid.uuid4().hex[:8]
    first = await _add(database, f"order-{tag}-1@example.com", role=Role.ADMIN)
    second = await _add(database, f"order-{tag}-2@example.com", role=Role.CUSTOMER)
    gone = await _add(database, f"order-{tag}-3@example.com", role=Role.CUSTOMER, active=False)
    async with database.unit_of_work() as uow:
        everyone = await uow.users.list_page(limit=10, query=tag, include_inactive=True)
        active_only = await uow.users.list_page(limit=10, query=tag)
        admins = await uow.users.list_page(limit=10, query=tag, role=Role.ADMIN)
    assert [u.id for u in everyone] == [gone.id, second.id, first.id]
    assert [u.id for u in active_only] == [second.id, first.id]
    assert [u.id for u in admins] == [first.id]


async def test_query_is_case_insensitive_and_wildcards_are_literal(database: Database) -> None:
    tag = uuid.uuid4().hex[:8]
    underscore = await _add(database, f"lit_{tag}@example.com")
    await _add(database, f"litx{tag}@example.com")
    percent = await _add(database, f"lit%{tag}@example.com")
    async with database.unit_of_work() as uow:
        by_underscore = await uow.users.list_page(limit=10, query=f"LIT_{tag}")
        by_percent = await uow.users.list_page(limit=10, query=f"lit%{tag}")
        by_name = await uow.users.list_page(limit=10, query=f"LIT_{tag.upper()}")
    assert [u.id for u in by_underscore] == [underscore.id]
    assert [u.id for u in by_percent] == [percent.id]
    # Display names match too (they are the email's local part here).
    assert [u.id for u in by_name] == [underscore.id]
