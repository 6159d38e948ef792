"""Report rollups at five levels (per group, whole desk, per agent, per category, per priority), refolded.

Revision ID: 0018_report_levels
Revises: 0017_reports
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_report_levels"
down_revision: str | None = "0017_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = {
    "report_ticket_hours": ("hour", "agent_id", "category", "priority"),
    "report_ticket_durations": ("hour", "agent_id", "category", "priority", "measure", "bin"),
}
# The key carries the sums too, so a report reads the key's index alone (an index-only scan).
_INCLUDED = {
    "report_ticket_hours": ("created", "resolved", "reopened", "backlog_delta", "sla_met", "sla_breached"),
    "report_ticket_durations": ("count",),
}


def _refold() -> None:
    # The rollups are derived data: emptied, the job folds the change log again from its start.
    op.execute("TRUNCATE report_ticket_hours, report_ticket_durations, report_ticket_backlog, report_ticket_facts")
    op.execute("UPDATE report_cursors SET position = 0, data_time = NULL")


def upgrade() -> None:
    """Adds `level` to the rollup keys and an index for one agent's rows; the rollups start over."""
    _refold()
    for table, keys in _KEYS.items():
        op.add_column(table, sa.Column("level", sa.SmallInteger(), server_default=sa.text("0"), nullable=False))
        op.alter_column(table, "level", server_default=None)
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        columns, included = ", ".join(("level", *keys)), ", ".join(_INCLUDED[table])
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({columns}) INCLUDE ({included})")
        op.create_index(f"ix_{table}_agent_id_hour", table, ["agent_id", "hour"])


def downgrade() -> None:
    """Back to one level."""
    _refold()
    for table, keys in _KEYS.items():
        op.drop_index(f"ix_{table}_agent_id_hour", table_name=table)
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.drop_column(table, "level")
        op.create_primary_key(f"pk_{table}", table, list(keys))
