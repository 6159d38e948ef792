"""Idempotency keys (AIP-155): the resource a create with a given `request_id` produced."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class IdempotencyKey(Base):
    """`request_id` of a create within a `scope` (e.g. the RPC name) -> the id it created."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        # For pruning old keys.
        Index("ix_idempotency_keys_create_time", "create_time"),
    )

    scope: Mapped[str] = mapped_column(Text, primary_key=True)
    request_id: Mapped[str] = mapped_column(Text, primary_key=True)
    # Text so that any resource (UUID ids, composite keys) can be recorded.
    resource_id: Mapped[str] = mapped_column(Text)
    create_time: Mapped[datetime] = mapped_column(server_default=func.now())
