"""Tickets, their conversation (messages and internal notes) and their audit trail (events).

Full-text search keeps two tsvectors per ticket, maintained by the repository in the same
statement as the change: `search_public` (subject, description, public messages) is what a
customer's query searches; `search_staff` adds the internal notes. A customer's query therefore
cannot match text that only appears in an internal note.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, TypeAlias, get_args

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Sequence,
    SmallInteger,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from storage.etags import etag_for_version
from storage.models.base import Base, checked_domain, uuid_primary_key
from storage.models.sla import TicketSlaColumns

# Human ticket numbers (#1001, #1002, ...): a sequence, so numbers never repeat even after deletes.
TICKET_NUMBER_SEQUENCE = Sequence("ticket_number_seq", start=1001, metadata=Base.metadata)

TICKET_STATUSES = ("open", "in_progress", "waiting_on_customer", "resolved", "closed")
# What an audited change is: the type writers name, and the column's CHECK list derived from it.
EventType: TypeAlias = Literal[
    "created",
    "updated",
    "status_changed",
    "priority_changed",
    "assignee_changed",
    "category_changed",
    "tags_changed",
    "message_added",
    "note_added",
    # Recorded by the SLA breach job (no actor).
    "first_response_sla_warning",
    "first_response_sla_breached",
    "resolution_sla_warning",
    "resolution_sla_breached",
    "rated",
]
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
AUTHOR_ROLES = ("customer", "agent", "admin")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# Single-column rules are checked by type, the column's domain (migrations 0023 and 0024; see
# `checked_domain`): a CreateTicket wrote 16 table CHECKs (tickets, events, change log), a quarter
# of its database work. Table CHECKs remain for the rules spanning columns, and the tag count.
EVENT_TYPE = checked_domain("ticket_event_type", Text, _in("VALUE", EVENT_TYPES))
STATUS = checked_domain("ticket_status", Text, _in("VALUE", TICKET_STATUSES))
PRIORITY = checked_domain("ticket_priority", SmallInteger, "VALUE BETWEEN 1 AND 4")
RATING = checked_domain("satisfaction_rating", SmallInteger, "VALUE BETWEEN 1 AND 5")
SUBJECT = checked_domain("ticket_subject", Text, "char_length(VALUE) BETWEEN 1 AND 200")
DESCRIPTION = checked_domain("ticket_description", Text, "char_length(VALUE) BETWEEN 1 AND 20000")
CATEGORY = checked_domain("ticket_category", Text, "char_length(VALUE) <= 64")
VERSION = checked_domain("ticket_version", Integer, "VALUE > 0")
MESSAGE_COUNT = checked_domain("message_count", Integer, "VALUE >= 0")
RATING_COMMENT = checked_domain("rating_comment", Text, "char_length(VALUE) <= 1000")
EVENT_COMMENT = checked_domain("event_comment", Text, "char_length(VALUE) <= 1000")


class Ticket(TicketSlaColumns, Base):
    """A support request of one customer. `priority` is 1 (low) to 4 (urgent) so it sorts naturally."""

    __tablename__ = "tickets"
    __table_args__ = (
        # The tag count stays a table check: retyping `tags` would rebuild its GIN index (migration 0024).
        CheckConstraint("cardinality(tags) <= 20", name="tags_count"),
        # Each count is at least 0 by its type.
        CheckConstraint("message_count >= public_message_count", name="message_counts"),
        CheckConstraint("(status = 'closed') = (close_time IS NOT NULL)", name="close_time_when_closed"),
        CheckConstraint("(rating IS NULL) = (rate_time IS NULL)", name="rate_time_with_rating"),
        Index("uq_tickets_number", "number", unique=True),
        # A customer's own list, by status.
        Index("ix_tickets_customer_id_status", "customer_id", "status"),
        # "My tickets" of an agent, by status.
        Index("ix_tickets_assignee_id_status", "assignee_id", "status"),
        # The default order (create_time desc) and created-range filters.
        Index("ix_tickets_create_time_id", "create_time", "id"),
        # The agent queue: unassigned open/in-progress tickets, most urgent first, then oldest.
        Index(
            "ix_tickets_queue",
            text("priority DESC"),
            "create_time",
            "id",
            postgresql_where=text("assignee_id IS NULL AND status IN ('open', 'in_progress')"),
        ),
        Index("ix_tickets_tags", "tags", postgresql_using="gin"),
        # The retention job: closed tickets, oldest close first.
        Index("ix_tickets_close_time_closed", "close_time", postgresql_where=text("status = 'closed'")),
        Index("ix_tickets_search_public", "search_public", postgresql_using="gin"),
        Index("ix_tickets_search_staff", "search_staff", postgresql_using="gin"),
        # One ticket per chat: turning a chat into a ticket twice finds the first one.
        Index(
            "uq_tickets_source_chat_id",
            "source_chat_id",
            unique=True,
            postgresql_where=text("source_chat_id IS NOT NULL"),
        ),
        # "Due soonest" (ListTickets `due_time`), and the breach job's scan of what is due.
        Index("ix_tickets_sla_due_time_id", "sla_due_time", "id"),
        Index(
            "ix_tickets_sla_next_check_time",
            "sla_next_check_time",
            postgresql_where=text("sla_next_check_time IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_primary_key()
    number: Mapped[int] = mapped_column(Integer, server_default=TICKET_NUMBER_SEQUENCE.next_value())
    subject: Mapped[str] = mapped_column(SUBJECT)
    description: Mapped[str] = mapped_column(DESCRIPTION)
    priority: Mapped[int] = mapped_column(PRIORITY, server_default=text("2"))
    status: Mapped[str] = mapped_column(STATUS, server_default=text("'open'"))
    category: Mapped[str] = mapped_column(CATEGORY, server_default=text("''"))
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    # A customer's tickets stay with them: deleting a user who has tickets is refused.
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # A deleted agent's tickets go back to the queue.
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Messages the customer sees, and all messages including internal notes.
    public_message_count: Mapped[int] = mapped_column(MESSAGE_COUNT, server_default=text("0"))
    message_count: Mapped[int] = mapped_column(MESSAGE_COUNT, server_default=text("0"))
    create_time: Mapped[datetime] = mapped_column(server_default=func.now())
    update_time: Mapped[datetime] = mapped_column(server_default=func.now())
    resolve_time: Mapped[datetime | None]
    close_time: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(VERSION, server_default=text("1"))
    # The customer's satisfaction rating (1-5) once resolved; NULL until rated.
    rating: Mapped[int | None] = mapped_column(RATING)
    rating_comment: Mapped[str | None] = mapped_column(RATING_COMMENT)
    rate_time: Mapped[datetime | None]
    search_public: Mapped[str] = mapped_column(TSVECTOR, server_default=text("''::tsvector"))
    search_staff: Mapped[str] = mapped_column(TSVECTOR, server_default=text("''::tsvector"))
    # The chat this ticket was made from (ChatService.CreateTicketFromChat), if any.
    source_chat_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("chats.id", ondelete="SET NULL", use_alter=True)
    )

    @property
    def etag(self) -> str:
        """The etag of this version of the ticket (AIP-154)."""
        return etag_for_version(self.version)


class TicketMessage(Base):
    """One reply or internal note; `seq` gives the conversation a stable order."""

    __tablename__ = "ticket_messages"
    __table_args__ = (
        CheckConstraint("char_length(body) BETWEEN 1 AND 20000", name="body_length"),
        CheckConstraint(_in("author_role", AUTHOR_ROLES), name="author_role"),
        CheckConstraint("NOT (internal AND author_role = 'customer')", name="customers_write_no_notes"),
        Index("ix_ticket_messages_ticket_id_seq", "ticket_id", "seq"),
    )

    id: Mapped[uuid.UUID] = uuid_primary_key()
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=False))
    # Messages exist only with their ticket (DeleteTicket removes them).
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    # The conversation is a record: deleting a user who wrote in it is refused.
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    author_role: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(server_default=text("false"))
    create_time: Mapped[datetime] = mapped_column(server_default=func.now())


class TicketEvent(Base):
    """One audited change of a ticket; only the columns its `type` names are set."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_id_seq", "ticket_id", "seq"),)

    id: Mapped[uuid.UUID] = uuid_primary_key()
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=False))
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(EVENT_TYPE)
    # The audit trail outlives a deleted user: the actor becomes "unknown".
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    create_time: Mapped[datetime] = mapped_column(server_default=func.now())
    old_status: Mapped[str | None] = mapped_column(STATUS)
    new_status: Mapped[str | None] = mapped_column(STATUS)
    old_priority: Mapped[int | None] = mapped_column(PRIORITY)
    new_priority: Mapped[int | None] = mapped_column(PRIORITY)
    # Plain ids, no foreign keys: the trail records who it was even after the user is gone.
    old_assignee_id: Mapped[uuid.UUID | None]
    new_assignee_id: Mapped[uuid.UUID | None]
    old_category: Mapped[str | None] = mapped_column(Text)
    new_category: Mapped[str | None] = mapped_column(Text)
    added_tags: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    removed_tags: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    message_id: Mapped[uuid.UUID | None]
    updated_fields: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    comment: Mapped[str | None] = mapped_column(EVENT_COMMENT)
    rating: Mapped[int | None] = mapped_column(RATING)
