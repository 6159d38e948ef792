"""The retention job's indexes: closed tickets by close time, ended chats by end time.

Revision ID: 0014_retention_indexes
Revises: 0011_assignment
Create Date: 2026-12-07

Each batch of the retention job (0013_retention) takes the oldest closed tickets (ended chats)
whose close (end) time is past the period: partial indexes answer it without scanning the tables.
On top of 0011_assignment, where the tickets' and the chats' branches meet.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_retention_indexes"
down_revision: str | None = "0011_assignment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Creates the partial indexes."""
    op.create_index(
        "ix_tickets_close_time_closed", "tickets", ["close_time"], postgresql_where=sa.text("status = 'closed'")
    )
    op.create_index("ix_chats_end_time_ended", "chats", ["end_time"], postgresql_where=sa.text("status = 'ended'"))


def downgrade() -> None:
    """Drops them."""
    op.drop_index("ix_chats_end_time_ended", table_name="chats")
    op.drop_index("ix_tickets_close_time_closed", table_name="tickets")
