"""The `chats` and `chat_messages` tables: live conversations and their gap-free message log."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Dialect, ForeignKey, Index, SmallInteger, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from storage.models.base import Base, uuid_primary_key


class ChatState(enum.StrEnum):
    """Where a chat is in its life; stored as this text."""

    WAITING = "waiting"
    ACTIVE = "active"
    ENDED = "ended"


class ChatStateType(TypeDecorator[ChatState]):
    """A `ChatState` stored as its text value (a CHECK constraint lists the allowed values)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """ChatState -> text."""
        return None if value is None else ChatState(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> ChatState | None:
        """Text -> ChatState."""
        return None if value is None else ChatState(value)


class Chat(Base):
    """A conversation between a customer and (once accepted) one agent."""

    __tablename__ = "chats"
    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'active', 'ended')", name="status"),
        CheckConstraint("status <> 'active' OR agent_id IS NOT NULL", name="active_has_agent"),
        CheckConstraint("status <> 'waiting' OR agent_id IS NULL", name="waiting_has_no_agent"),
        CheckConstraint("(status = 'ended') = (end_time IS NOT NULL)", name="end_time_when_ended"),
        CheckConstraint("(agent_id IS NULL) = (accept_time IS NULL)", name="accept_time_with_agent"),
        CheckConstraint("char_length(topic) <= 200", name="topic_length"),
        CheckConstraint("last_seq >= 0", name="last_seq_not_negative"),
        CheckConstraint(
            "customer_last_read_seq BETWEEN 0 AND last_seq AND agent_last_read_seq BETWEEN 0 AND last_seq",
            name="read_seq_range",
        ),
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5 AND status = 'ended')", name="rating"),
        CheckConstraint("(rating IS NULL) = (rate_time IS NULL)", name="rate_time_with_rating"),
        CheckConstraint("feedback IS NULL OR char_length(feedback) <= 2000", name="feedback_length"),
        CheckConstraint("version > 0", name="version_positive"),
        Index(
            "uq_chats_open_customer_id",
            "customer_id",
            unique=True,
            postgresql_where=text("status IN ('waiting', 'active')"),
        ),
        Index("ix_chats_status_create_time_id", "status", "create_time", "id"),
        Index("ix_chats_customer_id_create_time_id", "customer_id", "create_time", "id"),
        Index("ix_chats_agent_id_status", "agent_id", "status"),
        Index("ix_chats_create_time_id", "create_time", "id"),
        # The retention job: ended chats, oldest end first.
        Index("ix_chats_end_time_ended", "end_time", postgresql_where=text("status = 'ended'")),
    )

    id: Mapped[uuid.UUID] = uuid_primary_key()
    status: Mapped[ChatState] = mapped_column(ChatStateType())
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    agent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    topic: Mapped[str] = mapped_column(Text, server_default=text("''"))
    last_seq: Mapped[int] = mapped_column(server_default=text("0"))
    customer_last_read_seq: Mapped[int] = mapped_column(server_default=text("0"))
    agent_last_read_seq: Mapped[int] = mapped_column(server_default=text("0"))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    feedback: Mapped[str | None] = mapped_column(Text)
    create_time: Mapped[datetime] = mapped_column(server_default=func.now())
    update_time: Mapped[datetime] = mapped_column(server_default=func.now())
    accept_time: Mapped[datetime | None]
    end_time: Mapped[datetime | None]
    ended_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rate_time: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(server_default=text("1"))
    # The ticket made from this chat (ChatService.CreateTicketFromChat), if any.
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"Chat(id={self.id}, status={self.status.value}, last_seq={self.last_seq})"


class ChatMessage(Base):
    """One committed message; `seq` is 1, 2, 3, ... within its chat, without gaps."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        CheckConstraint("seq > 0", name="seq_positive"),
        CheckConstraint("char_length(body) BETWEEN 1 AND 4000", name="body_length"),
        CheckConstraint("request_id IS NULL OR char_length(request_id) BETWEEN 1 AND 100", name="request_id_length"),
        UniqueConstraint("chat_id", "seq", name="uq_chat_messages_chat_id_seq"),
        UniqueConstraint("chat_id", "request_id", name="uq_chat_messages_chat_id_request_id"),
    )

    id: Mapped[uuid.UUID] = uuid_primary_key()
    chat_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    seq: Mapped[int]
    sender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    body: Mapped[str] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(Text)
    create_time: Mapped[datetime] = mapped_column(server_default=func.now())

    def __repr__(self) -> str:
        return f"ChatMessage(chat_id={self.chat_id}, seq={self.seq})"
