"""Report day rollups: each day's percentile bins kept with its histogram, and running histograms per offset.

Revision ID: 0021_report_day_ranks
Revises: 0020_report_days
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021_report_day_ranks"
down_revision: str | None = "0020_report_days"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The count and the bins of the nearest-rank median and 90th percentile of a day's histogram, kept
# with it on every insert and update: a report by day reads three numbers per day, not the array.
# A running total reaches rank ceil(p n) exactly when 10 * running >= 10 p * n.
_RANK_DAY = """
CREATE FUNCTION report_rank_day() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    running bigint := 0;
    total bigint;
BEGIN
    SELECT coalesce(sum(n), 0) INTO total FROM unnest(NEW.counts) AS n;
    NEW.hits := total;
    NEW.median_bin := NULL;
    NEW.p90_bin := NULL;
    FOR i IN 1 .. cardinality(NEW.counts) LOOP
        running := running + NEW.counts[i];
        IF NEW.median_bin IS NULL AND running * 10 >= total * 5 THEN
            NEW.median_bin := NEW.lo + i - 1;
        END IF;
        IF running * 10 >= total * 9 THEN
            NEW.p90_bin := NEW.lo + i - 1;
            EXIT;
        END IF;
    END LOOP;
    RETURN NEW;
END
$$
"""


def _refill() -> None:
    # Derived data: emptied, the job fills every asked offset's days from the hourly rows again.
    op.execute("TRUNCATE report_ticket_days, report_ticket_day_durations")
    op.execute("UPDATE report_day_offsets SET ready = false")


def upgrade() -> None:
    """Adds the day's count and percentile bins (kept by a trigger) and the running histograms."""
    _refill()
    op.add_column("report_ticket_day_durations", sa.Column("hits", sa.Integer(), nullable=False))
    op.add_column("report_ticket_day_durations", sa.Column("median_bin", sa.SmallInteger(), nullable=False))
    op.add_column("report_ticket_day_durations", sa.Column("p90_bin", sa.SmallInteger(), nullable=False))
    op.execute(_RANK_DAY)
    op.execute(
        "CREATE TRIGGER report_rank_day BEFORE INSERT OR UPDATE ON report_ticket_day_durations"
        " FOR EACH ROW EXECUTE FUNCTION report_rank_day()"
    )
    op.create_table(
        "report_ticket_day_running",
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("utc_offset", sa.SmallInteger(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("measure", sa.SmallInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("lo", sa.SmallInteger(), nullable=False),
        sa.Column("counts", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.PrimaryKeyConstraint(
            "level",
            "utc_offset",
            "agent_id",
            "category",
            "priority",
            "measure",
            "day",
            name="pk_report_ticket_day_running",
        ),
    )


def downgrade() -> None:
    """Drops them."""
    _refill()
    op.drop_table("report_ticket_day_running")
    op.execute("DROP TRIGGER report_rank_day ON report_ticket_day_durations")
    op.execute("DROP FUNCTION report_rank_day()")
    for column in ("p90_bin", "median_bin", "hits"):
        op.drop_column("report_ticket_day_durations", column)
