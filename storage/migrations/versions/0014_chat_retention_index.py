"""The retention job's index on chats: ended chats by end time.

Revision ID: 0014_chat_retention_index
Revises: 0004_chat
Create Date: 2026-12-07

Each batch of the retention job (0012_retention) takes the oldest ended chats whose end time is
past the period: a partial index over ended chats answers it without scanning the table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_chat_retention_index"
down_revision: str | None = "0004_chat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Creates the partial index."""
    op.create_index("ix_chats_end_time_ended", "chats", ["end_time"], postgresql_where=sa.text("status = 'ended'"))


def downgrade() -> None:
    """Drops it."""
    op.drop_index("ix_chats_end_time_ended", table_name="chats")
