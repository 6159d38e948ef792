"""Sessions, refresh tokens and idempotency keys at the repository level."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from server.core.context import Role
from storage.db import Database
from storage.models import AuthSession, RefreshToken, User


async def _user(database: Database) -> User:
    async with database.unit_of_work() as uow:
        user = await uow.users.add(
            email=f"sess-{uuid.uuid4().hex[:8]}@example.com",
            display_name="S",
            role=Role.CUSTOMER,
            active=True,
            password_hash="h",
        )
        assert user is not None
        return user


def _hash() -> bytes:
    return hashlib.sha256(uuid.uuid4().bytes).digest()


async def test_session_and_user_come_back_in_one_read(database: Database) -> None:
    user = await _user(database)
    async with database.unit_of_work() as uow:
        session = await uow.sessions.create(user_id=user.id, client_ip="10.0.0.1", user_agent="tests")
    async with database.unit_of_work() as uow:
        found = await uow.sessions.get_with_user(session_id=session.id)
        assert await uow.sessions.get_with_user(session_id=uuid.uuid4()) is None
    assert found is not None
    assert found[0].id == session.id
    assert found[1].id == user.id
    assert not found[0].revoked


async def test_revoke_one_and_all(database: Database) -> None:
    user = await _user(database)
    async with database.unit_of_work() as uow:
        first = await uow.sessions.create(user_id=user.id, client_ip="", user_agent="")
        second = await uow.sessions.create(user_id=user.id, client_ip="", user_agent="")
        third = await uow.sessions.create(user_id=user.id, client_ip="", user_agent="")
    async with database.unit_of_work() as uow:
        assert await uow.sessions.revoke(session_id=first.id, reason="logout")
        assert not await uow.sessions.revoke(session_id=first.id, reason="logout")
    async with database.unit_of_work() as uow:
        ended = await uow.sessions.revoke_all_for_user(user_id=user.id, reason="deactivated")
    assert set(ended) == {second.id, third.id}
    async with database.unit_of_work() as uow:
        found = await uow.sessions.get_with_user(session_id=first.id)
    assert found is not None
    assert found[0].revoke_reason == "logout"


async def test_refresh_tokens_are_found_by_hash_and_spent(database: Database) -> None:
    user = await _user(database)
    token_hash = _hash()
    async with database.unit_of_work() as uow:
        session = await uow.sessions.create(user_id=user.id, client_ip="", user_agent="")
        await uow.refresh_tokens.add(
            session_id=session.id, token_hash=token_hash, expire_time=datetime.now(UTC) + timedelta(days=1)
        )
    async with database.unit_of_work() as uow:
        token = await uow.refresh_tokens.get_by_hash_for_update(token_hash=token_hash)
        assert token is not None
        assert token.use_time is None
        await uow.refresh_tokens.mark_used(token_id=token.id)
    async with database.unit_of_work() as uow:
        spent = await uow.refresh_tokens.get_by_hash_for_update(token_hash=token_hash)
        assert await uow.refresh_tokens.get_by_hash_for_update(token_hash=_hash()) is None
    assert spent is not None
    assert spent.use_time is not None


async def test_locking_a_token_makes_a_second_reader_wait(database: Database) -> None:
    user = await _user(database)
    token_hash = _hash()
    async with database.unit_of_work() as uow:
        session = await uow.sessions.create(user_id=user.id, client_ip="", user_agent="")
        await uow.refresh_tokens.add(
            session_id=session.id, token_hash=token_hash, expire_time=datetime.now(UTC) + timedelta(days=1)
        )
    order: list[str] = []
    first_locked = asyncio.Event()

    async def first() -> None:
        async with database.unit_of_work() as uow:
            token = await uow.refresh_tokens.get_by_hash_for_update(token_hash=token_hash)
            assert token is not None
            first_locked.set()
            await asyncio.sleep(0.3)
            await uow.refresh_tokens.mark_used(token_id=token.id)
            order.append("first committed")

    async def second() -> None:
        await first_locked.wait()
        async with database.unit_of_work() as uow:
            token = await uow.refresh_tokens.get_by_hash_for_update(token_hash=token_hash)
            assert token is not None
            order.append("second saw " + ("spent" if token.use_time else "fresh"))

    await asyncio.gather(first(), second())
    assert order == ["first committed", "second saw spent"]


async def test_deleting_a_user_deletes_their_sessions_and_tokens(database: Database) -> None:
    user = await _user(database)
    async with database.unit_of_work() as uow:
        session = await uow.sessions.create(user_id=user.id, client_ip="", user_agent="")
        await uow.refresh_tokens.add(
            session_id=session.id, token_hash=_hash(), expire_time=datetime.now(UTC) + timedelta(days=1)
        )
    async with database.unit_of_work() as uow:
        await uow.session.execute(delete(User).where(User.id == user.id))
    async with database.unit_of_work() as uow:
        sessions = await uow.session.scalar(select(func.count()).where(AuthSession.user_id == user.id))
        tokens = await uow.session.scalar(select(func.count()).where(RefreshToken.session_id == session.id))
    assert (sessions, tokens) == (0, 0)


async def test_idempotency_keys_record_the_first_resource_per_scope(database: Database) -> None:
    request_id = str(uuid.uuid4())
    async with database.unit_of_work() as uow:
        assert await uow.idempotency.get(scope="A", request_id=request_id) is None
        assert await uow.idempotency.put(scope="A", request_id=request_id, resource_id="first")
        assert not await uow.idempotency.put(scope="A", request_id=request_id, resource_id="second")
        assert await uow.idempotency.put(scope="B", request_id=request_id, resource_id="other scope")
    async with database.unit_of_work() as uow:
        assert await uow.idempotency.get(scope="A", request_id=request_id) == "first"
        assert await uow.idempotency.get(scope="B", request_id=request_id) == "other scope"


async def test_a_concurrent_duplicate_key_waits_for_the_first_transaction(database: Database) -> None:
    request_id = str(uuid.uuid4())
    first_inserted = asyncio.Event()
    results: dict[str, bool] = {}

    async def first() -> None:
        async with database.unit_of_work() as uow:
            results["first"] = await uow.idempotency.put(scope="C", request_id=request_id, resource_id="1")
            first_inserted.set()
            await asyncio.sleep(0.2)

    async def second() -> None:
        await first_inserted.wait()
        async with database.unit_of_work() as uow:
            results["second"] = await uow.idempotency.put(scope="C", request_id=request_id, resource_id="2")
            results["second sees"] = await uow.idempotency.get(scope="C", request_id=request_id) == "1"

    await asyncio.gather(first(), second())
    assert results == {"first": True, "second": False, "second sees": True}
