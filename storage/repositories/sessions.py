"""Reads and writes of `auth_sessions`."""

from __future__ import annotations

import uuid

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuthSession, User


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
