"""The retention policy (`retention_policy`, one row): how long finished conversations are kept, and the job's lease.

The lease (`job_holder`, `job_lease_until`) is how one retention job at a time runs across every
replica: a process takes it (or renews its own) before each batch, and a process that dies
leaves it to expire, after which another one takes over where the deletions stopped.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.etags import etag_for_version
from storage.models.base import Base

MAX_RETENTION_DAYS = 36_500


class RetentionPolicyRow(Base):
    """The single row: the periods (0 = keep forever), who set them, the job's lease and its last pass."""

    __tablename__ = "retention_policy"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(
            f"closed_ticket_days BETWEEN 0 AND {MAX_RETENTION_DAYS}"
            f" AND ended_chat_days BETWEEN 0 AND {MAX_RETENTION_DAYS}",
            name="days_range",
        ),
        CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    closed_ticket_days: Mapped[int] = mapped_column(server_default=text("0"))
    ended_chat_days: Mapped[int] = mapped_column(server_default=text("0"))
    update_time: Mapped[datetime | None]
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(server_default=text("1"))
    job_holder: Mapped[str | None] = mapped_column(Text)
    job_lease_until: Mapped[datetime | None]
    last_run_time: Mapped[datetime | None]
    last_run_deleted_tickets: Mapped[int] = mapped_column(server_default=text("0"))
    last_run_deleted_chats: Mapped[int] = mapped_column(server_default=text("0"))

    @property
    def etag(self) -> str:
        """The etag of this version of the policy (AIP-154)."""
        return etag_for_version(self.version)
