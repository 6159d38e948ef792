"""The ticket change log that WatchTickets streams replay and follow.

Revision ID: 0006_ticket_changes
Revises: 0002_tickets
Create Date: 2026-12-06

`ticket_change_log` holds one row: the last position handed out (incremented under its row lock,
held to commit, so positions are gap-free and commit-ordered) and how far pruning has gone.
`ticket_changes` has no foreign keys, so a deleted ticket's changes, its deletion included,
remain readable until pruned.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_ticket_changes"
down_revision: str | None = "0002_tickets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Creates the change log and its counter row."""
    op.execute(
        """
        CREATE TABLE ticket_change_log (
            id smallint NOT NULL,
            last_position bigint NOT NULL DEFAULT 0,
            pruned_through bigint NOT NULL DEFAULT 0,
            CONSTRAINT pk_ticket_change_log PRIMARY KEY (id),
            CONSTRAINT ck_ticket_change_log_single_row CHECK (id = 1)
        )
        """
    )
    op.execute("INSERT INTO ticket_change_log (id) VALUES (1)")
    op.execute(
        """
        CREATE TABLE ticket_changes (
            position bigint NOT NULL,
            ticket_id uuid NOT NULL,
            kind text NOT NULL,
            customer_id uuid NOT NULL,
            message_id uuid,
            internal boolean NOT NULL DEFAULT false,
            old_status text,
            new_status text,
            old_priority smallint,
            new_priority smallint,
            old_assignee_id uuid,
            new_assignee_id uuid,
            old_category text,
            new_category text,
            old_tags text[],
            new_tags text[],
            commit_time timestamptz NOT NULL DEFAULT clock_timestamp(),
            CONSTRAINT pk_ticket_changes PRIMARY KEY (position),
            CONSTRAINT ck_ticket_changes_kind CHECK (kind IN ('created', 'updated', 'message_added', 'deleted'))
        )
        """
    )
    op.execute("CREATE INDEX ix_ticket_changes_commit_time ON ticket_changes (commit_time)")


def downgrade() -> None:
    """Drops the change log."""
    op.execute("DROP TABLE ticket_changes")
    op.execute("DROP TABLE ticket_change_log")
