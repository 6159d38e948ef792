"""Users, sign-in sessions, refresh tokens and idempotency keys.

Revision ID: 0001_users_and_sessions
Revises:
Create Date: 2025-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001_users_and_sessions"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, *, nullable: bool = False, default_now: bool = False) -> sa.Column[datetime]:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        nullable=nullable,
        server_default=sa.text("now()") if default_now else None,
    )


def upgrade() -> None:
    """Creates the tables of issue 2."""
    # Accent folding for knowledge-base search (a trusted extension: the database owner may create it).
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")

    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        _timestamp("create_time", default_now=True),
        _timestamp("update_time", default_now=True),
        _timestamp("last_login_time", nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.CheckConstraint("role IN ('customer', 'agent', 'admin')", name="ck_users_role"),
        sa.CheckConstraint("char_length(email) BETWEEN 3 AND 254", name="ck_users_email_length"),
        sa.CheckConstraint("char_length(display_name) BETWEEN 1 AND 100", name="ck_users_display_name_length"),
        sa.CheckConstraint("version > 0", name="ck_users_version_positive"),
    )
    # Emails are stored normalised (trimmed, lower-case), so uniqueness of the value is
    # case-insensitive uniqueness of the address.
    op.create_index("uq_users_email", "users", ["email"], unique=True)
    op.create_index("ix_users_create_time_id", "users", ["create_time", "id"])
    op.create_index("ix_users_role_create_time_id", "users", ["role", "create_time", "id"])

    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        _timestamp("create_time", default_now=True),
        _timestamp("last_refresh_time", nullable=True),
        _timestamp("revoke_time", nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("client_ip", sa.Text(), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_auth_sessions"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_auth_sessions_user_id_users", ondelete="CASCADE"),
        sa.CheckConstraint(
            "(revoke_time IS NULL) = (revoke_reason IS NULL)", name="ck_auth_sessions_revoke_reason_with_time"
        ),
    )
    op.create_index("ix_auth_sessions_user_id", "auth_sessions", ["user_id"])

    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        _timestamp("create_time", default_now=True),
        _timestamp("expire_time"),
        _timestamp("use_time", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_refresh_tokens"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["auth_sessions.id"], name="fk_refresh_tokens_session_id_auth_sessions", ondelete="CASCADE"
        ),
        sa.CheckConstraint("octet_length(token_hash) = 32", name="ck_refresh_tokens_token_hash_sha256"),
    )
    op.create_index("uq_refresh_tokens_token_hash", "refresh_tokens", ["token_hash"], unique=True)
    op.create_index("ix_refresh_tokens_session_id", "refresh_tokens", ["session_id"])
    op.create_index("ix_refresh_tokens_expire_time", "refresh_tokens", ["expire_time"])

    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("resource_id", sa.Text(), nullable=False),
        _timestamp("create_time", default_now=True),
        sa.PrimaryKeyConstraint("scope", "request_id", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_create_time", "idempotency_keys", ["create_time"])


def downgrade() -> None:
    """Drops the tables of issue 2 (the extension stays: other schemas may use it)."""
    op.drop_table("idempotency_keys")
    op.drop_table("refresh_tokens")
    op.drop_table("auth_sessions")
    op.drop_table("users")
