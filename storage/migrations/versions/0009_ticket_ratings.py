"""Ticket satisfaction: the customer's rating (1-5, with a comment) on a ticket, and its `rated` event.

Revision ID: 0009_ticket_ratings
Revises: 0006_ticket_changes
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_ticket_ratings"
down_revision: str | None = "0006_ticket_changes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENT_TYPES_BEFORE = (
    "'created', 'updated', 'status_changed', 'priority_changed', 'assignee_changed', "
    "'category_changed', 'tags_changed', 'message_added', 'note_added'"
)
_EVENT_TYPES_AFTER = f"{_EVENT_TYPES_BEFORE}, 'rated'"


def upgrade() -> None:
    """Adds the rating columns and the `rated` event type."""
    op.add_column("tickets", sa.Column("rating", sa.SmallInteger(), nullable=True))
    op.add_column("tickets", sa.Column("rating_comment", sa.Text(), nullable=True))
    op.add_column("tickets", sa.Column("rate_time", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint("ck_tickets_rating", "tickets", "rating IS NULL OR rating BETWEEN 1 AND 5")
    op.create_check_constraint("ck_tickets_rate_time_with_rating", "tickets", "(rating IS NULL) = (rate_time IS NULL)")
    op.create_check_constraint("ck_tickets_rating_comment_length", "tickets", "char_length(rating_comment) <= 1000")
    op.add_column("ticket_events", sa.Column("rating", sa.SmallInteger(), nullable=True))
    op.create_check_constraint("ck_ticket_events_rating", "ticket_events", "rating IS NULL OR rating BETWEEN 1 AND 5")
    op.execute("ALTER TABLE ticket_events DROP CONSTRAINT ck_ticket_events_type")
    op.execute(f"ALTER TABLE ticket_events ADD CONSTRAINT ck_ticket_events_type CHECK (type IN ({_EVENT_TYPES_AFTER}))")


def downgrade() -> None:
    """Drops the ratings and their events."""
    op.execute("DELETE FROM ticket_events WHERE type = 'rated'")
    op.execute("ALTER TABLE ticket_events DROP CONSTRAINT ck_ticket_events_type")
    op.execute(
        f"ALTER TABLE ticket_events ADD CONSTRAINT ck_ticket_events_type CHECK (type IN ({_EVENT_TYPES_BEFORE}))"
    )
    op.drop_column("ticket_events", "rating")
    op.drop_column("tickets", "rate_time")
    op.drop_column("tickets", "rating_comment")
    op.drop_column("tickets", "rating")
