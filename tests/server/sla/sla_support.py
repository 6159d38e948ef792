"""A clock the SLA tests move by hand, and short ways to make policies and read SLA events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TypeAlias

from google.protobuf import duration_pb2

from helpdesk.v1 import (
    sla_policy_pb2,
    sla_service_pb2,
    sla_service_pb2_grpc,
    ticket_event_pb2,
    ticket_pb2,
    ticket_service_pb2,
)
from tests.server.tickets.helpers import TicketStub
from tests.support import SignedIn

SlaStub: TypeAlias = "sla_service_pb2_grpc.SlaServiceAsyncStub"
HOUR = timedelta(hours=1)
SLA_EVENTS = frozenset(
    {
        "TICKET_EVENT_TYPE_FIRST_RESPONSE_SLA_WARNING",
        "TICKET_EVENT_TYPE_FIRST_RESPONSE_SLA_BREACHED",
        "TICKET_EVENT_TYPE_RESOLUTION_SLA_WARNING",
        "TICKET_EVENT_TYPE_RESOLUTION_SLA_BREACHED",
    }
)


class FakeClock:
    """The SLA's notion of now: starts at the real time, moves only when told."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Moves the clock forward."""
        self.now += delta

    def set(self, when: datetime) -> None:
        """Jumps to `when` (forward or back)."""
        self.now = when.astimezone(UTC)


def new_category() -> str:
    """A category no other test uses, so that each test's policy applies to its own tickets only."""
    return f"sla-{uuid.uuid4().hex[:10]}"


async def make_policy(
    stub: SlaStub,
    admin: SignedIn,
    *,
    category: str,
    priority: ticket_pb2.TicketPriority.ValueType = ticket_pb2.TICKET_PRIORITY_MEDIUM,
    first_response: timedelta = HOUR,
    resolution: timedelta = 8 * HOUR,
    warning: timedelta = timedelta(0),
    business_hours: sla_policy_pb2.BusinessHours | None = None,
) -> sla_policy_pb2.SlaPolicy:
    """Creates a policy for `priority` and `category`."""
    policy = sla_policy_pb2.SlaPolicy(
        display_name=f"Policy {category}",
        priority=priority,
        category=category,
        first_response_target=duration_pb2.Duration(seconds=int(first_response.total_seconds())),
        resolution_target=duration_pb2.Duration(seconds=int(resolution.total_seconds())),
        warning_window=duration_pb2.Duration(seconds=int(warning.total_seconds())),
    )
    if business_hours is not None:
        policy.business_hours.CopyFrom(business_hours)
    return await stub.CreateSlaPolicy(
        sla_service_pb2.CreateSlaPolicyRequest(sla_policy=policy), metadata=admin.metadata
    )


async def sla_events(stub: TicketStub, ticket_id: str, reader: SignedIn) -> list[str]:
    """The SLA event types of a ticket, oldest first."""
    response = await stub.ListTicketEvents(
        ticket_service_pb2.ListTicketEventsRequest(ticket_id=ticket_id, page_size=200), metadata=reader.metadata
    )
    names = [ticket_event_pb2.TicketEventType.Name(event.type) for event in response.events]
    return [name for name in names if name in SLA_EVENTS]
