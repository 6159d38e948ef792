"""The ticket change log: what `WatchTickets` streams replay and follow, in commit order.

Every committed ticket change appends one row, in the change's own transaction. Its `position`
comes from the single row of `ticket_change_log`, incremented under that row's lock, which the
transaction keeps until it commits: positions are therefore gap-free AND commit-ordered (a
reader that sees position n sees every position below it), unlike sequence values, which
concurrent transactions may commit out of order. Rows carry no foreign keys: a deleted ticket's
changes (its deletion included) stay readable. The filter-relevant fields before and after the
change let a stream tell a view that a ticket left it; rows older than the retention window are
pruned, and `pruned_through` says how far.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, SmallInteger, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, checked_domain

CHANGE_KINDS = ("created", "updated", "message_added", "deleted")
# Checked by type (migration 0024): a table CHECK is compiled again for every logged change.
CHANGE_KIND = checked_domain("ticket_change_kind", Text, f"VALUE IN ({', '.join(repr(k) for k in CHANGE_KINDS)})")
LOG_ROW = checked_domain("change_log_row", SmallInteger, "VALUE = 1")


class TicketChangeLog(Base):
    """The log's single row: the last position handed out and how far old rows were pruned."""

    __tablename__ = "ticket_change_log"
    # Its one row: `id` is 1 by type.
    id: Mapped[int] = mapped_column(LOG_ROW, primary_key=True)
    last_position: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    pruned_through: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))


class TicketChange(Base):
    """One committed change of one ticket; `old_*` are unset for a creation, `new_*` for a deletion."""

    __tablename__ = "ticket_changes"
    __table_args__ = (Index("ix_ticket_changes_commit_time", "commit_time"),)

    position: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ticket_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(CHANGE_KIND)
    customer_id: Mapped[uuid.UUID]
    # The message added (`message_added`), and whether it is an internal note.
    message_id: Mapped[uuid.UUID | None]
    internal: Mapped[bool] = mapped_column(server_default=text("false"))
    old_status: Mapped[str | None] = mapped_column(Text)
    new_status: Mapped[str | None] = mapped_column(Text)
    old_priority: Mapped[int | None] = mapped_column(SmallInteger)
    new_priority: Mapped[int | None] = mapped_column(SmallInteger)
    old_assignee_id: Mapped[uuid.UUID | None]
    new_assignee_id: Mapped[uuid.UUID | None]
    old_category: Mapped[str | None] = mapped_column(Text)
    new_category: Mapped[str | None] = mapped_column(Text)
    old_tags: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    new_tags: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    # Whether the ticket had breached an SLA target (stage BREACHED of either target), for
    # watchers of breached tickets; NULL on the side without a ticket, and on changes logged
    # before the column existed (no stream could filter on it then).
    old_sla_breached: Mapped[bool | None]
    new_sla_breached: Mapped[bool | None]
    # The wall clock when the row was written, just before commit (not the transaction's start).
    commit_time: Mapped[datetime] = mapped_column(server_default=func.clock_timestamp())
