"""Macros: named lists of ticket actions, kept as JSON (each action a small object with its `kind`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, uuid_primary_key


class Macro(Base):
    """One macro; `actions` is a JSON array validated by the domain before it is stored."""

    __tablename__ = "macros"
    __table_args__ = (
        CheckConstraint("char_length(name) BETWEEN 1 AND 200", name="name_length"),
        CheckConstraint("char_length(description) <= 1000", name="description_length"),
        CheckConstraint(
            "jsonb_typeof(actions) = 'array' AND jsonb_array_length(actions) BETWEEN 1 AND 20", name="actions"
        ),
        CheckConstraint("version > 0", name="version_positive"),
        Index("ix_macros_name_id", "name", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_primary_key()
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, server_default=text("''"))
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    # Who last wrote it; a deleted author leaves the macro to the team.
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    create_time: Mapped[datetime] = mapped_column(server_default=func.now())
    update_time: Mapped[datetime] = mapped_column(server_default=func.now())
    version: Mapped[int] = mapped_column(server_default=text("1"))
