"""Reads and writes of `refresh_tokens`."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RefreshToken


class RefreshTokenRepository:
    """Refresh tokens, found by the SHA-256 of the token (the token itself is never stored)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, *, session_id: uuid.UUID, token_hash: bytes, expire_time: datetime) -> RefreshToken:
        """Stores a new token of session `session_id`."""
        statement = (
            insert(RefreshToken)
            .values(id=uuid.uuid4(), session_id=session_id, token_hash=token_hash, expire_time=expire_time)
            .returning(RefreshToken)
        )
        return (await self._session.scalars(statement)).one()

    async def get_by_hash_for_update(self, *, token_hash: bytes) -> RefreshToken | None:
        """The token with this hash, row-locked: two concurrent exchanges of one token serialise here."""
        statement = select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update(key_share=True)
        result = await self._session.scalars(statement, execution_options={"populate_existing": True})
        return result.one_or_none()

    async def mark_used(self, *, token_id: uuid.UUID) -> None:
        """Spends the token: presenting it again is reuse."""
        await self._session.execute(update(RefreshToken).where(RefreshToken.id == token_id).values(use_time=func.now()))
