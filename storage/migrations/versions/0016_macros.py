"""Macros: named lists of ticket actions that agents apply in one step.

Revision ID: 0016_macros
Revises: 0001_users_and_sessions
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016_macros"
down_revision: str | None = "0001_users_and_sessions"
branch_labels: str | Sequence[str] | None = ("macros",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Creates `macros`."""
    op.create_table(
        "macros",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("actions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_macros"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name="fk_macros_author_id_users", ondelete="SET NULL"),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 200", name="ck_macros_name_length"),
        sa.CheckConstraint("char_length(description) <= 1000", name="ck_macros_description_length"),
        sa.CheckConstraint(
            "jsonb_typeof(actions) = 'array' AND jsonb_array_length(actions) BETWEEN 1 AND 20", name="ck_macros_actions"
        ),
        sa.CheckConstraint("version > 0", name="ck_macros_version_positive"),
    )
    op.create_index("ix_macros_name_id", "macros", ["name", "id"])


def downgrade() -> None:
    """Drops `macros`."""
    op.drop_table("macros")
