"""Canned responses: reusable replies of agents, shared with the team or personal.

Revision ID: 0007_canned_responses
Revises: 0001_users_and_sessions
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_canned_responses"
down_revision: str | None = "0001_users_and_sessions"
branch_labels: str | Sequence[str] | None = ("canned_responses",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Creates `canned_responses`."""
    op.create_table(
        "canned_responses",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_canned_responses"),
        # A personal response goes with its owner; a deleted author leaves a shared one to the team.
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_canned_responses_owner_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name="fk_canned_responses_author_id_users", ondelete="SET NULL"
        ),
        sa.CheckConstraint("scope IN ('shared', 'personal')", name="ck_canned_responses_scope"),
        sa.CheckConstraint(
            "(scope = 'personal') = (owner_id IS NOT NULL)", name="ck_canned_responses_owner_when_personal"
        ),
        sa.CheckConstraint("char_length(title) BETWEEN 1 AND 200", name="ck_canned_responses_title_length"),
        sa.CheckConstraint("char_length(body) BETWEEN 1 AND 20000", name="ck_canned_responses_body_length"),
        sa.CheckConstraint("version > 0", name="ck_canned_responses_version_positive"),
    )
    # The picker's list: the shared ones and one owner's, by title.
    op.create_index("ix_canned_responses_owner_id_title", "canned_responses", ["owner_id", "title"])


def downgrade() -> None:
    """Drops `canned_responses`."""
    op.drop_table("canned_responses")
