"""SLA policies, the SLA columns of tickets, and the SLA event types.

Revision ID: 0010_sla
Revises: 0009_ticket_ratings
Create Date: 2026-12-07

Existing tickets get no due times (no policy existed when they were opened); they get them when
their priority or category next changes.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010_sla"
down_revision: str | None = "0009_ticket_ratings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENT_TYPES = (
    "'created', 'updated', 'status_changed', 'priority_changed', 'assignee_changed', "
    "'category_changed', 'tags_changed', 'message_added', 'note_added', 'rated'"
)
_SLA_EVENT_TYPES = (
    "'first_response_sla_warning', 'first_response_sla_breached', 'resolution_sla_warning', 'resolution_sla_breached'"
)


def upgrade() -> None:
    """Creates `sla_policies`, adds the SLA columns to `tickets`, allows the SLA events."""
    op.execute(
        """
        CREATE TABLE sla_policies (
            id uuid NOT NULL DEFAULT gen_random_uuid(),
            display_name text NOT NULL,
            priority smallint NOT NULL,
            category text NOT NULL DEFAULT '',
            first_response_seconds integer NOT NULL,
            resolution_seconds integer NOT NULL,
            warning_seconds integer NOT NULL DEFAULT 0,
            -- {"time_zone", "intervals": [[day, start, end], ...], "holidays": [...]}; NULL: 24/7.
            business_hours jsonb,
            create_time timestamptz NOT NULL DEFAULT now(),
            update_time timestamptz NOT NULL DEFAULT now(),
            version integer NOT NULL DEFAULT 1,
            CONSTRAINT pk_sla_policies PRIMARY KEY (id),
            CONSTRAINT ck_sla_policies_priority CHECK (priority BETWEEN 1 AND 4),
            CONSTRAINT ck_sla_policies_display_name_length CHECK (char_length(display_name) BETWEEN 1 AND 100),
            CONSTRAINT ck_sla_policies_category_length CHECK (char_length(category) <= 64),
            CONSTRAINT ck_sla_policies_targets
                CHECK (first_response_seconds > 0 AND resolution_seconds >= first_response_seconds),
            CONSTRAINT ck_sla_policies_warning
                CHECK (warning_seconds >= 0 AND warning_seconds < first_response_seconds),
            CONSTRAINT ck_sla_policies_version_positive CHECK (version > 0)
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX uq_sla_policies_priority_category ON sla_policies (priority, category)")
    op.execute(
        """
        ALTER TABLE tickets
            ADD COLUMN sla_policy_id uuid,
            ADD COLUMN sla_clock_start timestamptz,
            ADD COLUMN sla_paused_since timestamptz,
            ADD COLUMN first_response_time timestamptz,
            ADD COLUMN first_response_due_time timestamptz,
            ADD COLUMN first_response_warn_time timestamptz,
            ADD COLUMN first_response_sla smallint NOT NULL DEFAULT 0,
            ADD COLUMN resolution_due_time timestamptz,
            ADD COLUMN resolution_warn_time timestamptz,
            ADD COLUMN resolution_sla smallint NOT NULL DEFAULT 0,
            ADD COLUMN sla_next_check_time timestamptz,
            ADD COLUMN sla_due_time timestamptz NOT NULL DEFAULT '9999-01-01 00:00:00+00',
            ADD CONSTRAINT fk_tickets_sla_policy_id_sla_policies FOREIGN KEY (sla_policy_id)
                REFERENCES sla_policies (id) ON DELETE SET NULL,
            ADD CONSTRAINT ck_tickets_sla_stages
                CHECK (first_response_sla BETWEEN 0 AND 2 AND resolution_sla BETWEEN 0 AND 2)
        """
    )
    op.execute("CREATE INDEX ix_tickets_sla_due_time_id ON tickets (sla_due_time, id)")
    op.execute(
        "CREATE INDEX ix_tickets_sla_next_check_time ON tickets (sla_next_check_time) "
        "WHERE sla_next_check_time IS NOT NULL"
    )
    op.execute("ALTER TABLE ticket_events DROP CONSTRAINT ck_ticket_events_type")
    op.execute(
        f"ALTER TABLE ticket_events ADD CONSTRAINT ck_ticket_events_type "
        f"CHECK (type IN ({_EVENT_TYPES}, {_SLA_EVENT_TYPES}))"
    )


def downgrade() -> None:
    """Drops the SLA events, columns and policies."""
    op.execute(f"DELETE FROM ticket_events WHERE type IN ({_SLA_EVENT_TYPES})")  # noqa: S608 - constants only
    op.execute("ALTER TABLE ticket_events DROP CONSTRAINT ck_ticket_events_type")
    op.execute(f"ALTER TABLE ticket_events ADD CONSTRAINT ck_ticket_events_type CHECK (type IN ({_EVENT_TYPES}))")
    op.execute(
        """
        ALTER TABLE tickets
            DROP COLUMN sla_policy_id,
            DROP COLUMN sla_clock_start,
            DROP COLUMN sla_paused_since,
            DROP COLUMN first_response_time,
            DROP COLUMN first_response_due_time,
            DROP COLUMN first_response_warn_time,
            DROP COLUMN first_response_sla,
            DROP COLUMN resolution_due_time,
            DROP COLUMN resolution_warn_time,
            DROP COLUMN resolution_sla,
            DROP COLUMN sla_next_check_time,
            DROP COLUMN sla_due_time
        """
    )
    op.execute("DROP TABLE sla_policies")
