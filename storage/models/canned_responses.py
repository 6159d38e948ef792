"""Canned responses: reusable replies, shared with the team (owner NULL) or personal (owner set)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, uuid_primary_key

CANNED_RESPONSE_SCOPES = ("shared", "personal")


class CannedResponse(Base):
    """One canned response; `owner_id` is set exactly when it is personal."""

    __tablename__ = "canned_responses"
    __table_args__ = (
        CheckConstraint("scope IN ('shared', 'personal')", name="scope"),
        CheckConstraint("(scope = 'personal') = (owner_id IS NOT NULL)", name="owner_when_personal"),
        CheckConstraint("char_length(title) BETWEEN 1 AND 200", name="title_length"),
        CheckConstraint("char_length(body) BETWEEN 1 AND 20000", name="body_length"),
        CheckConstraint("version > 0", name="version_positive"),
        # The picker's list: shared ones and one owner's, by title.
        Index("ix_canned_responses_owner_id_title", "owner_id", "title"),
    )

    id: Mapped[uuid.UUID] = uuid_primary_key()
    scope: Mapped[str] = mapped_column(Text)
    # A personal response goes with its owner.
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # Who last wrote it; a deleted author leaves the response to the team.
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    create_time: Mapped[datetime] = mapped_column(server_default=func.now())
    update_time: Mapped[datetime] = mapped_column(server_default=func.now())
    version: Mapped[int] = mapped_column(server_default=text("1"))
