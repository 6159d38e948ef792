"""The `users` table: everyone who can sign in."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Dialect, Index, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from domain.roles import Role
from storage.etags import etag_for_version
from storage.models.base import Base, uuid_primary_key


class RoleType(TypeDecorator[Role]):
    """A `Role` stored as its text value (a CHECK constraint lists the allowed values)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Role -> text (plain strings are validated too)."""
        return None if value is None else Role(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> Role | None:
        """Text -> Role."""
        return None if value is None else Role(value)


class User(Base):
    """A person who can sign in. `email` is stored normalised (trimmed, lower-case)."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('customer', 'agent', 'admin')", name="role"),
        CheckConstraint("char_length(email) BETWEEN 3 AND 254", name="email_length"),
        CheckConstraint("char_length(display_name) BETWEEN 1 AND 100", name="display_name_length"),
        CheckConstraint("version > 0", name="version_positive"),
        Index("uq_users_email", "email", unique=True),
        # Keyset pagination, newest first, with and without a role filter.
        Index("ix_users_create_time_id", "create_time", "id"),
        Index("ix_users_role_create_time_id", "role", "create_time", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_primary_key()
    email: Mapped[str] = mapped_column(Text)
    display_name: Mapped[str] = mapped_column(Text)
    role: Mapped[Role] = mapped_column(RoleType())
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    password_hash: Mapped[str] = mapped_column(Text)
    create_time: Mapped[datetime] = mapped_column(server_default=func.now())
    update_time: Mapped[datetime] = mapped_column(server_default=func.now())
    last_login_time: Mapped[datetime | None]
    # Set when the person's data was erased (EraseCustomer): the account is a placeholder for good.
    erase_time: Mapped[datetime | None]
    # Bumped by every change an etag should notice (not by sign-ins).
    version: Mapped[int] = mapped_column(server_default=text("1"))

    @property
    def etag(self) -> str:
        """The etag of this version of the user (AIP-154)."""
        return etag_for_version(self.version)

    def __repr__(self) -> str:
        return f"User(id={self.id}, email={self.email!r}, role={self.role.value}, active={self.active})"
