"""What one WatchTickets stream may see and asked to see, and the stream elements it gets.

Visibility first (customers: their own tickets, never internal notes, and nothing at all in a
view of breached tickets: SLA state is the staff's), then the request's filters, applied to a
change's ticket before and after it: a change is sent when the ticket matched either way, with
`matches_filter` saying whether it matches after. A list view that adds matching tickets and
drops the others therefore stays exact. Every filtered value, the SLA breach included, is the
one the change log recorded for that change, so a replay answers what the live stream did.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from helpdesk.v1 import ticket_change_pb2
from server.core.context import Principal
from server.tickets.convert import message_to_proto, ticket_fields
from server.tickets.validation import parse_ticket_id, parse_user_id
from server.tickets.watch_feed import ResolvedChange
from storage.repositories.ticket_changes import ChangeRecord

_KINDS = {
    "created": ticket_change_pb2.TICKET_CHANGE_KIND_CREATED,
    "updated": ticket_change_pb2.TICKET_CHANGE_KIND_UPDATED,
    "message_added": ticket_change_pb2.TICKET_CHANGE_KIND_MESSAGE_ADDED,
    "deleted": ticket_change_pb2.TICKET_CHANGE_KIND_DELETED,
}
# `assignee` values: any assignee, or nobody.
ANY = "any"
NOBODY = "none"


def encode_cursor(position: int) -> str:
    """The opaque cursor of a change-log position."""
    return str(position)


@dataclass(frozen=True, slots=True)
class WatchFilter:
    """One stream's viewer and filters (statuses and priorities as stored: text and 1-4)."""

    viewer: uuid.UUID
    staff: bool
    statuses: frozenset[str] = frozenset()
    priorities: frozenset[int] = frozenset()
    assignee: uuid.UUID | str = ANY
    customer_id: uuid.UUID | None = None
    tag: str = ""
    category: str = ""
    ticket_id: uuid.UUID | None = None
    sla_breached: bool = False

    @classmethod
    def build(
        cls,
        *,
        principal: Principal,
        statuses: Collection[str],
        priorities: Collection[int],
        assignee_id: str,
        customer_id: str,
        tag: str,
        category: str,
        ticket_id: str,
        sla_breached: bool = False,
    ) -> WatchFilter:
        """The filter of a request; ids are checked and named by their request field."""
        assignee: uuid.UUID | str = ANY
        if assignee_id == "me":
            assignee = principal.user_id
        elif assignee_id == NOBODY:
            assignee = NOBODY
        elif assignee_id:
            assignee = parse_user_id(assignee_id, field="assignee_id")
        return cls(
            viewer=principal.user_id,
            staff=principal.is_staff,
            statuses=frozenset(statuses),
            priorities=frozenset(priorities),
            assignee=assignee,
            customer_id=parse_user_id(customer_id, field="customer_id") if customer_id else None,
            tag=tag,
            category=category,
            ticket_id=parse_ticket_id(ticket_id, field="ticket_id") if ticket_id else None,
            sla_breached=sla_breached,
        )

    def visible(self, change: ChangeRecord) -> bool:
        """Whether the viewer may know of this change at all."""
        if self.staff:
            return True
        # Whether a customer's own ticket breached is not theirs to learn: such a view stays empty.
        return change.customer_id == self.viewer and not change.internal and not self.sla_breached

    def _matches(
        self,
        change: ChangeRecord,
        status: str | None,
        priority: int | None,
        assignee: uuid.UUID | None,
        category: str | None,
        tags: list[str] | None,
        breached: bool | None,
    ) -> bool:
        if status is None:  # no ticket on this side of the change
            return False
        if self.sla_breached and not breached:  # NULL: logged before breaches were recorded
            return False
        if self.ticket_id is not None and change.ticket_id != self.ticket_id:
            return False
        if self.customer_id is not None and change.customer_id != self.customer_id:
            return False
        if self.statuses and status not in self.statuses:
            return False
        if self.priorities and priority not in self.priorities:
            return False
        if self.assignee == NOBODY:
            if assignee is not None:
                return False
        elif self.assignee != ANY and assignee != self.assignee:
            return False
        if self.category and category != self.category:
            return False
        return not self.tag or self.tag in (tags or ())

    def concerns(self, resolved: ResolvedChange) -> bool:
        """Whether the change is this viewer's to see and touches the watched view (before or after it)."""
        change = resolved.change
        if not self.visible(change):
            return False
        return self._matches_after(change) or self._matches(
            change,
            change.old_status,
            change.old_priority,
            change.old_assignee_id,
            change.old_category,
            change.old_tags,
            change.old_sla_breached,
        )

    def _matches_after(self, change: ChangeRecord) -> bool:
        return self._matches(
            change,
            change.new_status,
            change.new_priority,
            change.new_assignee_id,
            change.new_category,
            change.new_tags,
            change.new_sla_breached,
        )

    def element(self, resolved: ResolvedChange) -> ticket_change_pb2.TicketChange | None:
        """The stream element for this viewer, or None when the change is not theirs to see."""
        change = resolved.change
        if not self.concerns(resolved):
            return None
        after = self._matches_after(change)
        if change.kind != "deleted" and resolved.ticket is None:
            # Deleted since: its DELETED change follows in the log and drops it.
            return None
        key = (self.staff, after)
        view = resolved.views.get(key)
        if view is None:
            view = resolved.views[key] = build_element(resolved, staff=self.staff, matches_filter=after)
        return view


def build_element(resolved: ResolvedChange, *, staff: bool, matches_filter: bool) -> ticket_change_pb2.TicketChange:
    """The stream element of a change for staff or for the ticket's customer."""
    change = resolved.change
    fields: dict[str, Any] = {}
    if resolved.ticket is not None and change.kind != "deleted":
        fields["ticket"] = ticket_fields(resolved.ticket, staff=staff)
    if resolved.message is not None and (staff or not resolved.message.internal):
        fields["message"] = message_to_proto(resolved.message)
    element = ticket_change_pb2.TicketChange(
        kind=_KINDS[change.kind],
        cursor=encode_cursor(change.position),
        ticket_id=str(change.ticket_id),
        matches_filter=matches_filter,
        **fields,
    )
    element.change_time.FromDatetime(change.commit_time)
    return element


def marker(kind: ticket_change_pb2.TicketChangeKind.ValueType, position: int) -> ticket_change_pb2.TicketChange:
    """A CAUGHT_UP or HEARTBEAT element at `position`, stamped with the server's clock."""
    element = ticket_change_pb2.TicketChange(kind=kind, cursor=encode_cursor(position))
    element.change_time.FromDatetime(datetime.now(UTC))
    return element
