"""Reports: ticket figures per UTC hour and group, kept by the rollup job; tickets by resolution time.

Revision ID: 0017_reports
Revises: 0014_retention_indexes
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_reports"
down_revision: str | None = "0014_retention_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GROUP = ("agent_id", "category", "priority")


def _group_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
    ]


def _count(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False)


def upgrade() -> None:
    """Creates the rollup tables and the resolution-time index of `tickets`."""
    op.create_table(
        "report_cursors",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data_time", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_report_cursors"),
    )
    op.execute("INSERT INTO report_cursors (name) VALUES ('tickets')")
    op.create_table(
        "report_ticket_hours",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        *_group_columns(),
        *(_count(name) for name in ("created", "resolved", "reopened", "backlog_delta", "sla_met", "sla_breached")),
        sa.PrimaryKeyConstraint("hour", *_GROUP, name="pk_report_ticket_hours"),
    )
    op.create_table(
        "report_ticket_durations",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        *_group_columns(),
        sa.Column("measure", sa.SmallInteger(), nullable=False),
        sa.Column("bin", sa.SmallInteger(), nullable=False),
        _count("count"),
        sa.PrimaryKeyConstraint("hour", *_GROUP, "measure", "bin", name="pk_report_ticket_durations"),
    )
    op.create_table(
        "report_ticket_backlog",
        *_group_columns(),
        _count("open_count"),
        sa.PrimaryKeyConstraint(*_GROUP, name="pk_report_ticket_backlog"),
    )
    op.create_table(
        "report_ticket_facts",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_response_time", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_report_ticket_facts"),
    )
    op.create_index(
        "ix_tickets_resolve_time", "tickets", ["resolve_time"], postgresql_where=sa.text("resolve_time IS NOT NULL")
    )


def downgrade() -> None:
    """Drops them."""
    op.drop_index("ix_tickets_resolve_time", table_name="tickets")
    for table in (
        "report_ticket_facts",
        "report_ticket_backlog",
        "report_ticket_durations",
        "report_ticket_hours",
        "report_cursors",
    ):
        op.drop_table(table)
