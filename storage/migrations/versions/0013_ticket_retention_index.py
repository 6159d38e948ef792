"""The retention job's index on tickets: closed tickets by close time.

Revision ID: 0013_ticket_retention_index
Revises: 0010_sla
Create Date: 2026-12-07

Each batch of the retention job (0012_retention) takes the oldest closed tickets whose close time
is past the period: a partial index over closed tickets answers it without scanning the table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_ticket_retention_index"
down_revision: str | None = "0010_sla"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Creates the partial index."""
    op.create_index(
        "ix_tickets_close_time_closed", "tickets", ["close_time"], postgresql_where=sa.text("status = 'closed'")
    )


def downgrade() -> None:
    """Drops it."""
    op.drop_index("ix_tickets_close_time_closed", table_name="tickets")
