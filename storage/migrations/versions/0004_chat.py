"""Live chat: chats (with read receipts and rating) and their messages.

Revision ID: 0004_chat
Revises: 0001_users_and_sessions
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004_chat"
down_revision: str | None = "0001_users_and_sessions"
branch_labels: str | Sequence[str] | None = ("chat",)
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, *, nullable: bool = False, default_now: bool = False) -> sa.Column[datetime]:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        nullable=nullable,
        server_default=sa.text("now()") if default_now else None,
    )


def upgrade() -> None:
    """Creates `chats` and `chat_messages`."""
    op.create_table(
        "chats",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("topic", sa.Text(), server_default=sa.text("''"), nullable=False),
        # The per-chat message counter: `UPDATE ... SET last_seq = last_seq + 1 RETURNING` under the
        # row lock is what makes seqs gap-free and commit order equal to seq order.
        sa.Column("last_seq", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("customer_last_read_seq", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("agent_last_read_seq", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        _timestamp("create_time", default_now=True),
        _timestamp("update_time", default_now=True),
        _timestamp("accept_time", nullable=True),
        _timestamp("end_time", nullable=True),
        sa.Column("ended_by_id", sa.Uuid(), nullable=True),
        _timestamp("rate_time", nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_chats"),
        # Users are deactivated, never deleted while they have chats: the history must stay whole.
        sa.ForeignKeyConstraint(["customer_id"], ["users.id"], name="fk_chats_customer_id_users", ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"], name="fk_chats_agent_id_users", ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["ended_by_id"], ["users.id"], name="fk_chats_ended_by_id_users", ondelete="SET NULL"),
        sa.CheckConstraint("status IN ('waiting', 'active', 'ended')", name="ck_chats_status"),
        sa.CheckConstraint("status <> 'active' OR agent_id IS NOT NULL", name="ck_chats_active_has_agent"),
        sa.CheckConstraint("status <> 'waiting' OR agent_id IS NULL", name="ck_chats_waiting_has_no_agent"),
        sa.CheckConstraint("(status = 'ended') = (end_time IS NOT NULL)", name="ck_chats_end_time_when_ended"),
        sa.CheckConstraint("(agent_id IS NULL) = (accept_time IS NULL)", name="ck_chats_accept_time_with_agent"),
        sa.CheckConstraint("char_length(topic) <= 200", name="ck_chats_topic_length"),
        sa.CheckConstraint("last_seq >= 0", name="ck_chats_last_seq_not_negative"),
        sa.CheckConstraint(
            "customer_last_read_seq BETWEEN 0 AND last_seq AND agent_last_read_seq BETWEEN 0 AND last_seq",
            name="ck_chats_read_seq_range",
        ),
        sa.CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5 AND status = 'ended')", name="ck_chats_rating"),
        sa.CheckConstraint("(rating IS NULL) = (rate_time IS NULL)", name="ck_chats_rate_time_with_rating"),
        sa.CheckConstraint("feedback IS NULL OR char_length(feedback) <= 2000", name="ck_chats_feedback_length"),
        sa.CheckConstraint("version > 0", name="ck_chats_version_positive"),
    )
    # A customer has at most one open chat: concurrent StartChat calls cannot open two.
    op.create_index(
        "uq_chats_open_customer_id",
        "chats",
        ["customer_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('waiting', 'active')"),
    )
    # The queue (WAITING, oldest first) and status-filtered lists.
    op.create_index("ix_chats_status_create_time_id", "chats", ["status", "create_time", "id"])
    # A customer's chats, newest first.
    op.create_index("ix_chats_customer_id_create_time_id", "chats", ["customer_id", "create_time", "id"])
    # An agent's chats and load (ACTIVE count).
    op.create_index("ix_chats_agent_id_status", "chats", ["agent_id", "status"])
    # Default listing order of staff.
    op.create_index("ix_chats_create_time_id", "chats", ["create_time", "id"])

    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("chat_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        _timestamp("create_time", default_now=True),
        sa.PrimaryKeyConstraint("id", name="pk_chat_messages"),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], name="fk_chat_messages_chat_id_chats", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["users.id"], name="fk_chat_messages_sender_id_users", ondelete="RESTRICT"
        ),
        sa.CheckConstraint("seq > 0", name="ck_chat_messages_seq_positive"),
        sa.CheckConstraint("char_length(body) BETWEEN 1 AND 4000", name="ck_chat_messages_body_length"),
        sa.CheckConstraint(
            "request_id IS NULL OR char_length(request_id) BETWEEN 1 AND 100", name="ck_chat_messages_request_id_length"
        ),
        # Gap-free per-chat order; also the index every replay and page reads.
        sa.UniqueConstraint("chat_id", "seq", name="uq_chat_messages_chat_id_seq"),
        # A retried send (same request_id) finds the original instead of inserting it twice.
        sa.UniqueConstraint("chat_id", "request_id", name="uq_chat_messages_chat_id_request_id"),
    )


def downgrade() -> None:
    """Drops the chat tables."""
    op.drop_table("chat_messages")
    op.drop_table("chats")
