"""The tickets' single-column value checks move from CHECK constraints to domains, as 0023 did for the events.

PostgreSQL reads every CHECK constraint of a table back from its stored text and compiles it again
for each statement writing the table, and an UPDATE checks them all whatever columns it sets. A
CreateTicket wrote 16 of them (13 on `tickets`, one each on `ticket_events`, `ticket_changes` and
`ticket_change_log`): reading, compiling and running them was a quarter of what PostgreSQL spent on
the create. A domain's checks are compiled once per connection (the type cache), and an UPDATE
runs only those of the columns it sets. Every value refused before is refused now, by the column's type:
- `tickets`: subject and description lengths, category length, version, message counts (each at
  least 0), SLA stages, and status, priority and rating on the audit trail's domains;
- `ticket_events.comment`'s length, `ticket_changes.kind`, `ticket_change_log.id` (its one row).
The three checks spanning columns stay table checks (the close time with the closed status, the
rate time with the rating, no more public messages than messages), and so does the tag count: a
GIN index's operator class takes any array, so retyping `tags` would rebuild `ix_tickets_tags`.

No rewrite of any table: each column changes to a domain without checks (binary compatible; the
status, priority and rating domains lose theirs for the moment, in this transaction), then each
domain gains its check, which PostgreSQL validates by reading the table's rows (once per domain,
under the lock this migration holds on the tables anyway). The two partial indexes whose
definition names status or priority (the queue, the closed tickets) are rebuilt; the others stay.
The retyped columns' statistics are gathered again (ANALYZE), so no plan changes.

Measured with valgrind on one PostgreSQL backend running CreateTicket's production statement over
the bench's 100k tickets (instructions per create: the difference of two backends, one opening 300
tickets more than the other, each from the same copy of the data): 1.74 M before, 1.39 M after; an
UPDATE of a ticket's priority 0.62 M before, 0.33 M after.

Revision ID: 0024_ticket_domains
Revises: 0023_event_domains
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0024_ticket_domains"
down_revision: str | None = "0023_event_domains"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = "'open', 'in_progress', 'waiting_on_customer', 'resolved', 'closed'"
_CHANGE_KINDS = "'created', 'updated', 'message_added', 'deleted'"
# The audit trail's domains (0023), which `tickets` now shares: domain -> (constraint name, check).
_SHARED = {
    "ticket_status": ("ck_ticket_status", f"VALUE IN ({_STATUSES})"),
    "ticket_priority": ("ck_ticket_priority", "VALUE BETWEEN 1 AND 4"),
    "satisfaction_rating": ("ck_satisfaction_rating", "VALUE BETWEEN 1 AND 5"),
}
# New domains: domain -> (base type, constraint name, check over VALUE).
_DOMAINS = {
    "ticket_subject": ("text", "ck_ticket_subject", "char_length(VALUE) BETWEEN 1 AND 200"),
    "ticket_description": ("text", "ck_ticket_description", "char_length(VALUE) BETWEEN 1 AND 20000"),
    "ticket_category": ("text", "ck_ticket_category", "char_length(VALUE) <= 64"),
    "ticket_version": ("integer", "ck_ticket_version", "VALUE > 0"),
    "message_count": ("integer", "ck_message_count", "VALUE >= 0"),
    "sla_stage": ("smallint", "ck_sla_stage", "VALUE BETWEEN 0 AND 2"),
    "rating_comment": ("text", "ck_rating_comment", "char_length(VALUE) <= 1000"),
    "event_comment": ("text", "ck_event_comment", "char_length(VALUE) <= 1000"),
    "ticket_change_kind": ("text", "ck_ticket_change_kind", f"VALUE IN ({_CHANGE_KINDS})"),
    "change_log_row": ("smallint", "ck_change_log_row", "VALUE = 1"),
}
# table -> {column: domain}
_COLUMNS = {
    "tickets": {
        "subject": "ticket_subject",
        "description": "ticket_description",
        "category": "ticket_category",
        "version": "ticket_version",
        "public_message_count": "message_count",
        "message_count": "message_count",
        "first_response_sla": "sla_stage",
        "resolution_sla": "sla_stage",
        "status": "ticket_status",
        "priority": "ticket_priority",
        "rating": "satisfaction_rating",
        "rating_comment": "rating_comment",
    },
    "ticket_events": {"comment": "event_comment"},
    "ticket_changes": {"kind": "ticket_change_kind"},
    "ticket_change_log": {"id": "change_log_row"},
}
# The table checks the domains replace, as the earlier migrations created them: table -> {name: check}.
_TABLE_CHECKS = {
    "tickets": {
        "ck_tickets_status": f"status IN ({_STATUSES})",
        "ck_tickets_priority": "priority BETWEEN 1 AND 4",
        "ck_tickets_subject_length": "char_length(subject) BETWEEN 1 AND 200",
        "ck_tickets_description_length": "char_length(description) BETWEEN 1 AND 20000",
        "ck_tickets_category_length": "char_length(category) <= 64",
        "ck_tickets_version_positive": "version > 0",
        "ck_tickets_sla_stages": "first_response_sla BETWEEN 0 AND 2 AND resolution_sla BETWEEN 0 AND 2",
        "ck_tickets_ck_tickets_rating": "rating IS NULL OR rating BETWEEN 1 AND 5",
        "ck_tickets_ck_tickets_rating_comment_length": "char_length(rating_comment) <= 1000",
    },
    "ticket_events": {"ck_ticket_events_comment_length": "char_length(comment) <= 1000"},
    "ticket_changes": {"ck_ticket_changes_kind": f"kind IN ({_CHANGE_KINDS})"},
    "ticket_change_log": {"ck_ticket_change_log_single_row": "id = 1"},
}
# The message counts' check keeps only the part spanning both columns (each count's `>= 0` is its domain's).
_MESSAGE_COUNTS = "ck_tickets_message_counts"
_MESSAGE_COUNTS_BEFORE = "public_message_count >= 0 AND message_count >= public_message_count"
_MESSAGE_COUNTS_AFTER = "message_count >= public_message_count"


def _domain_checks() -> dict[str, tuple[str, str]]:
    return {**_SHARED, **{domain: (name, check) for domain, (_, name, check) in _DOMAINS.items()}}


def _analyze() -> None:
    # Retyping a column forgets its statistics, and autovacuum gathers them again only once enough
    # rows change: until then the planner guesses (the queue's and "my tickets" plans among others).
    op.execute("ANALYZE " + ", ".join(f"{table} ({', '.join(columns)})" for table, columns in _COLUMNS.items()))


def upgrade() -> None:
    """Creates the domains, retypes the columns, then adds the domains' checks and drops the tables'."""
    for domain, (base, _, _) in _DOMAINS.items():
        op.execute(f"CREATE DOMAIN {domain} AS {base}")
    # A column retyped to a domain that has checks is rewritten (PostgreSQL checks every row so):
    # the shared domains give up theirs until the columns are retyped, within this transaction.
    for domain, (name, _) in _SHARED.items():
        op.execute(f"ALTER DOMAIN {domain} DROP CONSTRAINT {name}")
    for table, columns in _COLUMNS.items():
        retypes = ", ".join(f"ALTER COLUMN {column} TYPE {domain}" for column, domain in columns.items())
        op.execute(f"ALTER TABLE {table} {retypes}")
    for domain, (name, check) in _domain_checks().items():
        op.execute(f"ALTER DOMAIN {domain} ADD CONSTRAINT {name} CHECK ({check})")
    for table, checks in _TABLE_CHECKS.items():
        op.execute(f"ALTER TABLE {table} " + ", ".join(f"DROP CONSTRAINT {name}" for name in checks))
    op.execute(
        f"ALTER TABLE tickets DROP CONSTRAINT {_MESSAGE_COUNTS},"
        f" ADD CONSTRAINT {_MESSAGE_COUNTS} CHECK ({_MESSAGE_COUNTS_AFTER})"
    )
    _analyze()


def downgrade() -> None:
    """Puts the table checks back and the columns on their base types; drops the new domains."""
    bases = {"ticket_status": "text", "ticket_priority": "smallint", "satisfaction_rating": "smallint"}
    bases |= {domain: base for domain, (base, _, _) in _DOMAINS.items()}
    op.execute(
        f"ALTER TABLE tickets DROP CONSTRAINT {_MESSAGE_COUNTS},"
        f" ADD CONSTRAINT {_MESSAGE_COUNTS} CHECK ({_MESSAGE_COUNTS_BEFORE})"
    )
    for table, columns in _COLUMNS.items():
        changes = [f"ALTER COLUMN {column} TYPE {bases[domain]}" for column, domain in columns.items()]
        changes += [f"ADD CONSTRAINT {name} CHECK ({check})" for name, check in _TABLE_CHECKS[table].items()]
        op.execute(f"ALTER TABLE {table} " + ", ".join(changes))
    for domain in _DOMAINS:
        op.execute(f"DROP DOMAIN {domain}")
    _analyze()
