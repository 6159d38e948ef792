"""Report rollups per local day of each UTC offset reports ask for, with histograms as one array per row.

Revision ID: 0020_report_days
Revises: 0019_change_log_sla
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020_report_days"
down_revision: str | None = "0019_change_log_sla"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = ("level", "utc_offset", "day", "agent_id", "category", "priority")
_COUNTERS = ("created", "resolved", "reopened", "backlog_delta", "sla_met", "sla_breached")

# `a` (its first element is bin `alo`) plus `b` (from bin `blo`): one array from the lower first bin
# to the higher last one. Subscripts past either array's end read NULL, counted as zero.
_ADD_BINS = """
CREATE FUNCTION report_add_bins(alo smallint, a integer[], blo smallint, b integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(coalesce(a[i - alo + 1], 0) + coalesce(b[i - blo + 1], 0) ORDER BY i)
    FROM generate_series(CAST(least(alo, blo) AS int), greatest(alo + cardinality(a), blo + cardinality(b)) - 1) AS i
$$
"""
# Sparse bins (sorted) and their counts as one dense array from the first bin to the last.
_DENSE_BINS = """
CREATE FUNCTION report_dense_bins(bins smallint[], counts integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(coalesce(u.n, 0) ORDER BY i)
    FROM generate_series(CAST(bins[1] AS int), CAST(bins[cardinality(bins)] AS int)) AS i
    LEFT JOIN unnest(bins, counts) AS u(bin, n) ON u.bin = i
$$
"""


def _group_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("utc_offset", sa.SmallInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
    ]


def upgrade() -> None:
    """Creates the offsets reports ask for, the day rollups (empty: the job fills them) and their functions."""
    op.create_table(
        "report_day_offsets",
        sa.Column("utc_offset", sa.SmallInteger(), nullable=False),
        sa.Column("ready", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("request_time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("utc_offset", name="pk_report_day_offsets"),
    )
    op.create_table(
        "report_ticket_days",
        *_group_columns(),
        *(sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False) for name in _COUNTERS),
    )
    op.execute(
        f"ALTER TABLE report_ticket_days ADD CONSTRAINT pk_report_ticket_days PRIMARY KEY ({', '.join(_KEY)})"
        f" INCLUDE ({', '.join(_COUNTERS)})"
    )
    op.create_table(
        "report_ticket_day_durations",
        *_group_columns(),
        sa.Column("measure", sa.SmallInteger(), nullable=False),
        sa.Column("lo", sa.SmallInteger(), nullable=False),
        sa.Column("counts", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.PrimaryKeyConstraint(*_KEY, "measure", name="pk_report_ticket_day_durations"),
    )
    op.execute(_ADD_BINS)
    op.execute(_DENSE_BINS)


def downgrade() -> None:
    """Drops them."""
    op.execute("DROP FUNCTION report_dense_bins(smallint[], integer[])")
    op.execute("DROP FUNCTION report_add_bins(smallint, integer[], smallint, integer[])")
    for table in ("report_ticket_day_durations", "report_ticket_days", "report_day_offsets"):
        op.drop_table(table)
