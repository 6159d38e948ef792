"""Sign-in sessions and their refresh tokens.

An `AuthSession` is one signed-in device: a family of refresh tokens, each spent on use and
replaced by the next. Revoking the session ends every token of the family at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, uuid_primary_key


class AuthSession(Base):
    """One signed-in session (a refresh-token family) of a user."""

    __tablename__ = "auth_sessions"
    __table_args__ = (
        CheckConstraint("(revoke_time IS NULL) = (revoke_reason IS NULL)", name="revoke_reason_with_time"),
        Index("ix_auth_sessions_user_id", "user_id"),
    )

    id: Mapped[uuid.UUID] = uuid_primary_key()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    create_time: Mapped[datetime] = mapped_column(server_default=func.now())
    # When a refresh token of this session was last exchanged.
    last_refresh_time: Mapped[datetime | None]
    revoke_time: Mapped[datetime | None]
    # Why it ended: logout, logout_all, refresh_token_reuse, deactivated, role_changed.
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    client_ip: Mapped[str | None] = mapped_column(Text)
    user_agent: Mapped[str | None] = mapped_column(Text)

    @property
    def revoked(self) -> bool:
        """Whether the session has ended."""
        return self.revoke_time is not None


class RefreshToken(Base):
    """One single-use refresh token; only the SHA-256 of the token is stored."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (
        CheckConstraint("octet_length(token_hash) = 32", name="token_hash_sha256"),
        Index("uq_refresh_tokens_token_hash", "token_hash", unique=True),
        Index("ix_refresh_tokens_session_id", "session_id"),
        # For pruning expired tokens.
        Index("ix_refresh_tokens_expire_time", "expire_time"),
    )

    id: Mapped[uuid.UUID] = uuid_primary_key()
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth_sessions.id", ondelete="CASCADE"))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary)
    create_time: Mapped[datetime] = mapped_column(server_default=func.now())
    expire_time: Mapped[datetime]
    # Set when the token is exchanged; presenting it again after that is reuse.
    use_time: Mapped[datetime | None]
