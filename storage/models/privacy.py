"""The audit trail of personal-data operations (`privacy_events`): who erased whom, and when.

A row never holds the personal data it is about: only ids, a time and counts. The subject is a
plain id (no foreign key), so the record outlives anything that could happen to the account.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, uuid_primary_key

PRIVACY_EVENT_TYPES = ("customer_erased",)


class PrivacyEvent(Base):
    """One personal-data operation: its type, the administrator, the person, when, and figures."""

    __tablename__ = "privacy_events"
    __table_args__ = (
        CheckConstraint(f"type IN ({', '.join(repr(t) for t in PRIVACY_EVENT_TYPES)})", name="type"),
        # At most one erasure per person: a retry finds the first one.
        Index(
            "uq_privacy_events_erased_subject_id",
            "subject_id",
            unique=True,
            postgresql_where=text("type = 'customer_erased'"),
        ),
        Index("ix_privacy_events_create_time", "create_time"),
    )

    id: Mapped[uuid.UUID] = uuid_primary_key()
    type: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject_id: Mapped[uuid.UUID]
    create_time: Mapped[datetime] = mapped_column(server_default=func.now())
    # Counts only (tickets, messages, chats... anonymised), never text.
    figures: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
