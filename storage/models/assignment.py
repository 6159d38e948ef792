"""Automatic assignment: the desk's settings (one row) and each agent's limits and round-robin turns."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Sequence, SmallInteger, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from storage.etags import etag_for_version
from storage.models.base import Base

# Hands out round-robin turns: the agent whose last automatic assignment has the oldest turn goes next.
ASSIGNMENT_TURN_SEQUENCE = Sequence("assignment_turn_seq", metadata=Base.metadata)


class AssignmentSettings(Base):
    """The desk's single row of assignment settings."""

    __tablename__ = "assignment_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("default_ticket_capacity BETWEEN 1 AND 1000", name="ticket_capacity"),
        CheckConstraint("default_chat_limit BETWEEN 1 AND 50", name="chat_limit"),
        CheckConstraint("cardinality(ticket_categories) <= 50", name="categories"),
        CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    tickets_enabled: Mapped[bool] = mapped_column(server_default=text("false"))
    ticket_categories: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    chats_enabled: Mapped[bool] = mapped_column(server_default=text("false"))
    default_ticket_capacity: Mapped[int] = mapped_column(server_default=text("10"))
    default_chat_limit: Mapped[int] = mapped_column(server_default=text("3"))
    version: Mapped[int] = mapped_column(server_default=text("1"))
    update_time: Mapped[datetime] = mapped_column(server_default=func.now())

    @property
    def etag(self) -> str:
        """The etag of this version of the settings (AIP-154)."""
        return etag_for_version(self.version)


class AssignmentAgent(Base):
    """An agent's own limits (NULL: the settings' default) and the turns of their last automatic work."""

    __tablename__ = "assignment_agents"
    __table_args__ = (
        CheckConstraint("ticket_capacity BETWEEN 0 AND 1000", name="ticket_capacity"),
        CheckConstraint("chat_limit BETWEEN 0 AND 50", name="chat_limit"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    ticket_capacity: Mapped[int | None]
    chat_limit: Mapped[int | None]
    last_ticket_turn: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    last_chat_turn: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
