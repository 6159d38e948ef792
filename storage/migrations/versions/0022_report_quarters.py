"""Report rollups per UTC quarter-hour beside the hourly ones, for zones whose offset is not whole hours.

Revision ID: 0022_report_quarters
Revises: 0021_report_day_ranks
Create Date: 2026-12-07

The quarter-hour rows split each hour for the reports of zones at +5:30, +5:45, -3:30 and the like,
whose buckets and days start inside UTC hours. The hourly and day rollups stay as they are: an
upgraded install keeps every figure, and reports in whole-hour zones read what they read before.
Quarter-hours cannot be recovered from hourly rows, nor refolded from a change log pruned after
`ticket_change_retention_seconds`, so the rollup keeps them from the upgrade on:
`report_cursors.quarters_since` is the first whole quarter-hour after the last change folded
before it, and a report needing quarter-hours over a range starting earlier is refused, naming
`query.start_time`. An install whose rollup has folded nothing yet keeps them from the start.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_report_quarters"
down_revision: str | None = "0021_report_day_ranks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GROUP = ("agent_id", "category", "priority")
_COUNTERS = ("created", "resolved", "reopened", "backlog_delta", "sla_met", "sla_breached")
# As the hourly tables (0018): the key carries the sums, so a report reads the key's index alone.
_TABLES = {
    "report_ticket_quarters": ((), _COUNTERS),
    "report_ticket_quarter_durations": (("measure", "bin"), ("count",)),
}


def _key_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("quarter", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
    ]


def upgrade() -> None:
    """Creates the quarter-hour rollups (empty) and marks from when they hold every change."""
    for table, (keys, sums) in _TABLES.items():
        op.create_table(
            table,
            *_key_columns(),
            *(sa.Column(name, sa.SmallInteger(), nullable=False) for name in keys),
            *(sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False) for name in sums),
        )
        columns = ", ".join(("level", "quarter", *_GROUP, *keys))
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({columns}) INCLUDE ({', '.join(sums)})")
    op.add_column("report_cursors", sa.Column("quarters_since", sa.DateTime(timezone=True), nullable=True))
    # Changes are folded in commit order: every one after this instant is still to fold.
    op.execute(
        "UPDATE report_cursors SET quarters_since = date_bin('15 minutes', data_time, TIMESTAMPTZ 'epoch')"
        " + interval '15 minutes' WHERE position > 0 AND data_time IS NOT NULL"
    )


def downgrade() -> None:
    """Drops them."""
    op.drop_column("report_cursors", "quarters_since")
    for table in _TABLES:
        op.drop_table(table)
