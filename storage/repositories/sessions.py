"""Reads and writes of `auth_sessions`."""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import ReadConnection, compiled_for_driver, first_row
from storage.models import AuthSession, User


class SessionCaller(NamedTuple):
    """What the per-call authentication check needs of a session and its user, read without the ORM.

    `role` is the stored text (`Role(caller.role)` for the enum): the driver returns the column as is.
    """

    user_id: uuid.UUID
    revoked: bool
    role: str
    active: bool


# In the record's order.
_SESSION_CALLER_COLUMNS: tuple[Any, ...] = (
    AuthSession.user_id,
    AuthSession.revoke_time.is_not(None),
    User.role,
    User.active,
)
_GET_SESSION_CALLER = (
    select(*_SESSION_CALLER_COLUMNS)
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.id == bindparam("session_id"))
)
# Its one parameter is the session id.
_GET_SESSION_CALLER_ON_DRIVER = compiled_for_driver(_GET_SESSION_CALLER)
assert _GET_SESSION_CALLER_ON_DRIVER.names == ("session_id",)


async def read_session_caller(connection: ReadConnection, *, session_id: uuid.UUID) -> SessionCaller | None:
    """The session's user, whether it ended, and the user's role and active flag: one joined primary-key read.

    On `Database.read_connection()`: every call whose session is in no cache pays it (a caller quieter
    than the cache's TTL, or Redis down), and the ORM's per-execution work costs several times the read.
    """
    row = await first_row(connection, _GET_SESSION_CALLER_ON_DRIVER, (session_id,))
    return None if row is None else SessionCaller._make(row)


class AuthSessionRepository:
    """Signed-in sessions: created at sign-in, checked on every call, revoked at sign-out."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(self, *, user_id: uuid.UUID, client_ip: str | None, user_agent: str | None) -> AuthSession:
        """Starts a session for `user_id`."""
        statement = (
            insert(AuthSession)
            .values(id=uuid.uuid4(), user_id=user_id, client_ip=client_ip or None, user_agent=user_agent or None)
            .returning(AuthSession)
        )
        return (await self._session.scalars(statement)).one()

    async def get_with_user(self, *, session_id: uuid.UUID) -> tuple[AuthSession, User] | None:
        """The session and its user in one joined read (the per-call authentication check)."""
        statement = (
            select(AuthSession, User).join(User, User.id == AuthSession.user_id).where(AuthSession.id == session_id)
        )
        row = (await self._session.execute(statement)).one_or_none()
        return None if row is None else (row[0], row[1])

    async def mark_refreshed(self, *, session_id: uuid.UUID, client_ip: str | None, user_agent: str | None) -> None:
        """Records that a refresh token of the session was just exchanged, and from where."""
        values: dict[str, object] = {"last_refresh_time": func.now()}
        if client_ip:
            values["client_ip"] = client_ip
        if user_agent:
            values["user_agent"] = user_agent
        await self._session.execute(update(AuthSession).where(AuthSession.id == session_id).values(**values))

    async def revoke(self, *, session_id: uuid.UUID, reason: str) -> bool:
        """Ends the session; False if it was already ended (or does not exist)."""
        statement = (
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoke_time.is_(None))
            .values(revoke_time=func.now(), revoke_reason=reason)
            .returning(AuthSession.id)
        )
        return (await self._session.scalars(statement)).one_or_none() is not None

    async def revoke_all_for_user(self, *, user_id: uuid.UUID, reason: str) -> list[uuid.UUID]:
        """Ends every open session of the user; returns the ids of the sessions ended now."""
        statement = (
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoke_time.is_(None))
            .values(revoke_time=func.now(), revoke_reason=reason)
            .returning(AuthSession.id)
        )
        return list(await self._session.scalars(statement))
