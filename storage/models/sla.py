"""SLA policies, and the SLA bookkeeping columns every ticket carries.

A policy's business hours are one JSONB document (`{"time_zone", "intervals": [[day, start,
end], ...], "holidays": ["YYYY-MM-DD", ...]}`, days 0 = Monday, minutes since local midnight),
NULL for around the clock. The ticket columns are a mixin of `Ticket`, so that the SLA's share of
the tickets table is declared here, beside the policies.

A ticket's targets each have a due time, an optional warning time and a stage (0 pending,
1 warned, 2 breached) that only moves forward. `sla_next_check_time` (the earliest warning or
due time still to be reached while the clock runs; NULL otherwise) is what the breach job scans;
`sla_due_time` (the next pending due time while the clock runs; `NO_DUE_TIME` otherwise) is the
"due soonest" sort key. Both are derived by the writer from the other columns.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, SmallInteger, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from storage.etags import etag_for_version
from storage.models.base import Base, checked_domain, uuid_primary_key

# The sort key of a ticket with no pending due time: after every real one.
NO_DUE_TIME = datetime(9999, 1, 1, tzinfo=UTC)
# A target's stage; it only moves forward.
PENDING, WARNED, BREACHED = 0, 1, 2
# A ticket's target stage column, checked by type (migration 0024).
STAGE = checked_domain("sla_stage", SmallInteger, f"VALUE BETWEEN {PENDING} AND {BREACHED}")


class SlaPolicy(Base):
    """Targets for the tickets of one priority and category ('' = any category without its own policy)."""

    __tablename__ = "sla_policies"
    __table_args__ = (
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority"),
        CheckConstraint("char_length(display_name) BETWEEN 1 AND 100", name="display_name_length"),
        CheckConstraint("char_length(category) <= 64", name="category_length"),
        CheckConstraint("first_response_seconds > 0 AND resolution_seconds >= first_response_seconds", name="targets"),
        CheckConstraint("warning_seconds >= 0 AND warning_seconds < first_response_seconds", name="warning"),
        CheckConstraint("version > 0", name="version_positive"),
        Index("uq_sla_policies_priority_category", "priority", "category", unique=True),
    )

    id: Mapped[uuid.UUID] = uuid_primary_key()
    display_name: Mapped[str] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(SmallInteger)
    category: Mapped[str] = mapped_column(Text, server_default=text("''"))
    first_response_seconds: Mapped[int] = mapped_column(Integer)
    resolution_seconds: Mapped[int] = mapped_column(Integer)
    warning_seconds: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    business_hours: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    create_time: Mapped[datetime] = mapped_column(server_default=func.now())
    update_time: Mapped[datetime] = mapped_column(server_default=func.now())
    version: Mapped[int] = mapped_column(server_default=text("1"))

    @property
    def etag(self) -> str:
        """The etag of this version of the policy (AIP-154)."""
        return etag_for_version(self.version)


class TicketSlaColumns:
    """The SLA columns of `tickets` (a mixin of `Ticket`)."""

    # The policy that set the due times; a deleted policy leaves the due times in place.
    sla_policy_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sla_policies.id", ondelete="SET NULL"))

    # Where the running clock counts from: the creation, moved later by each pause.
    sla_clock_start: Mapped[datetime | None]
    # Set while the clock is stopped (waiting on the customer, resolved, closed).
    sla_paused_since: Mapped[datetime | None]
    first_response_time: Mapped[datetime | None]
    first_response_due_time: Mapped[datetime | None]
    first_response_warn_time: Mapped[datetime | None]
    first_response_sla: Mapped[int] = mapped_column(STAGE, server_default=text("0"))
    resolution_due_time: Mapped[datetime | None]
    resolution_warn_time: Mapped[datetime | None]
    resolution_sla: Mapped[int] = mapped_column(STAGE, server_default=text("0"))
    sla_next_check_time: Mapped[datetime | None]
    sla_due_time: Mapped[datetime] = mapped_column(server_default=text("'9999-01-01 00:00:00+00'"))
