"""Personal-data requests: erased accounts are marked, and erasures are audited.

Revision ID: 0012_privacy
Revises: 0001_users_and_sessions
Create Date: 2026-12-07

`users.erase_time` marks an account whose personal data was erased (EraseCustomer): it stays as
an anonymous placeholder so that tickets, chats and votes keep pointing at someone. The
`privacy_events` table keeps who erased whom and when, with counts and never the data itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_privacy"
down_revision: str | None = "0001_users_and_sessions"
branch_labels: str | Sequence[str] | None = ("privacy",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Adds `users.erase_time` and creates `privacy_events`."""
    op.add_column("users", sa.Column("erase_time", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "privacy_events",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("figures", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_events"),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name="fk_privacy_events_actor_id_users", ondelete="SET NULL"
        ),
        sa.CheckConstraint("type IN ('customer_erased')", name="ck_privacy_events_type"),
    )
    op.create_index(
        "uq_privacy_events_erased_subject_id",
        "privacy_events",
        ["subject_id"],
        unique=True,
        postgresql_where=sa.text("type = 'customer_erased'"),
    )
    op.create_index("ix_privacy_events_create_time", "privacy_events", ["create_time"])


def downgrade() -> None:
    """Drops `privacy_events` and `users.erase_time`."""
    op.drop_table("privacy_events")
    op.drop_column("users", "erase_time")
