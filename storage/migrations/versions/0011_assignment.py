"""Automatic assignment (settings, agents' limits and turns) and the link between a chat and its ticket.

Revision ID: 0011_assignment
Revises: 0010_sla, 0004_chat
Create Date: 2026-12-07

`assignment_settings` holds one row. `assignment_agents` holds an agent's own limits (NULL: the
settings' default) and their place in the round robin: the turn (from `assignment_turn_seq`) of
their last automatic ticket and chat; whoever's turn is oldest goes next. A ticket made from a
chat names it (`source_chat_id`, unique: one ticket per chat) and the chat names the ticket.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011_assignment"
down_revision: str | Sequence[str] | None = ("0010_sla", "0004_chat")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Creates the assignment tables and links chats and tickets."""
    op.execute(
        """
        CREATE TABLE assignment_settings (
            id smallint NOT NULL,
            tickets_enabled boolean NOT NULL DEFAULT false,
            ticket_categories text[] NOT NULL DEFAULT '{}'::text[],
            chats_enabled boolean NOT NULL DEFAULT false,
            default_ticket_capacity integer NOT NULL DEFAULT 10,
            default_chat_limit integer NOT NULL DEFAULT 3,
            version integer NOT NULL DEFAULT 1,
            update_time timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_assignment_settings PRIMARY KEY (id),
            CONSTRAINT ck_assignment_settings_single_row CHECK (id = 1),
            CONSTRAINT ck_assignment_settings_ticket_capacity CHECK (default_ticket_capacity BETWEEN 1 AND 1000),
            CONSTRAINT ck_assignment_settings_chat_limit CHECK (default_chat_limit BETWEEN 1 AND 50),
            CONSTRAINT ck_assignment_settings_categories CHECK (cardinality(ticket_categories) <= 50),
            CONSTRAINT ck_assignment_settings_version_positive CHECK (version > 0)
        )
        """
    )
    op.execute("INSERT INTO assignment_settings (id) VALUES (1)")
    op.execute("CREATE SEQUENCE assignment_turn_seq")
    op.execute(
        """
        CREATE TABLE assignment_agents (
            user_id uuid NOT NULL,
            ticket_capacity integer,
            chat_limit integer,
            last_ticket_turn bigint NOT NULL DEFAULT 0,
            last_chat_turn bigint NOT NULL DEFAULT 0,
            CONSTRAINT pk_assignment_agents PRIMARY KEY (user_id),
            CONSTRAINT fk_assignment_agents_user_id_users FOREIGN KEY (user_id)
                REFERENCES users (id) ON DELETE CASCADE,
            CONSTRAINT ck_assignment_agents_ticket_capacity CHECK (ticket_capacity BETWEEN 0 AND 1000),
            CONSTRAINT ck_assignment_agents_chat_limit CHECK (chat_limit BETWEEN 0 AND 50)
        )
        """
    )
    op.execute("ALTER TABLE tickets ADD COLUMN source_chat_id uuid")
    op.execute(
        "ALTER TABLE tickets ADD CONSTRAINT fk_tickets_source_chat_id_chats FOREIGN KEY (source_chat_id)"
        " REFERENCES chats (id) ON DELETE SET NULL"
    )
    op.execute(
        "CREATE UNIQUE INDEX uq_tickets_source_chat_id ON tickets (source_chat_id) WHERE source_chat_id IS NOT NULL"
    )
    op.execute("ALTER TABLE chats ADD COLUMN ticket_id uuid")
    op.execute(
        "ALTER TABLE chats ADD CONSTRAINT fk_chats_ticket_id_tickets FOREIGN KEY (ticket_id)"
        " REFERENCES tickets (id) ON DELETE SET NULL"
    )


def downgrade() -> None:
    """Drops what `upgrade` created."""
    op.execute("ALTER TABLE chats DROP COLUMN ticket_id")
    op.execute("ALTER TABLE tickets DROP COLUMN source_chat_id")
    op.execute("DROP TABLE assignment_agents")
    op.execute("DROP SEQUENCE assignment_turn_seq")
    op.execute("DROP TABLE assignment_settings")
