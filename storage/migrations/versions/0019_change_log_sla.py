"""The ticket change log records each change's SLA breach state before and after it (WatchTickets' breached view).

Revision ID: 0019_change_log_sla
Revises: 0018_report_levels
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_change_log_sla"
down_revision: str | None = "0018_report_levels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Adds `old_sla_breached` and `new_sla_breached`; older rows keep NULL (no watcher filtered on it then)."""
    op.add_column("ticket_changes", sa.Column("old_sla_breached", sa.Boolean(), nullable=True))
    op.add_column("ticket_changes", sa.Column("new_sla_breached", sa.Boolean(), nullable=True))


def downgrade() -> None:
    """Drops the two columns."""
    op.drop_column("ticket_changes", "new_sla_breached")
    op.drop_column("ticket_changes", "old_sla_breached")
