"""Retention of finished conversations: the policy (off by default).

Revision ID: 0013_retention
Revises: 0012_privacy
Create Date: 2026-12-07

`retention_policy` holds one row: the periods (0 = keep forever, the default), who set them, the
lease that lets one retention job at a time run across replicas, and the last pass's figures.
The indexes the job reads come in 0014_retention_indexes, where the tickets' and chats' branches meet.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_retention"
down_revision: str | None = "0012_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Creates the policy row."""
    op.create_table(
        "retention_policy",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("closed_ticket_days", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("ended_chat_days", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("job_holder", sa.Text(), nullable=True),
        sa.Column("job_lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_deleted_tickets", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_run_deleted_chats", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_retention_policy"),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name="fk_retention_policy_updated_by_id_users", ondelete="SET NULL"
        ),
        sa.CheckConstraint("id = 1", name="ck_retention_policy_single_row"),
        sa.CheckConstraint(
            "closed_ticket_days BETWEEN 0 AND 36500 AND ended_chat_days BETWEEN 0 AND 36500",
            name="ck_retention_policy_days_range",
        ),
        sa.CheckConstraint("version > 0", name="ck_retention_policy_version_positive"),
    )
    op.execute("INSERT INTO retention_policy (id) VALUES (1)")


def downgrade() -> None:
    """Drops the policy."""
    op.drop_table("retention_policy")
