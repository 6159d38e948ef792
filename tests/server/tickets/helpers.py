"""Helpers for ticket tests: the cast of users, and short ways to create and move tickets."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import TypeAlias

import grpc.aio
from google.rpc import error_details_pb2

from helpdesk.v1 import auth_service_pb2_grpc, ticket_pb2, ticket_service_pb2, ticket_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role
from tests.support import SignedIn, error_details, register, sign_in_as

TicketStub: TypeAlias = "ticket_service_pb2_grpc.TicketServiceAsyncStub"


@dataclass(frozen=True)
class Cast:
    """Everyone an access test needs."""

    customer_a: SignedIn
    customer_b: SignedIn
    agent_a: SignedIn
    agent_b: SignedIn
    admin: SignedIn

    def by_name(self) -> dict[str, SignedIn]:
        """Every member by fixture name."""
        return {
            "customer_a": self.customer_a,
            "customer_b": self.customer_b,
            "agent_a": self.agent_a,
            "agent_b": self.agent_b,
            "admin": self.admin,
        }


async def make_cast(app: HelpdeskApp, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub) -> Cast:
    """Signs in two customers, two agents and an administrator."""
    customer_a, customer_b, agent_a, agent_b, admin = await asyncio.gather(
        register(auth_stub),
        register(auth_stub),
        sign_in_as(app, auth_stub, Role.AGENT),
        sign_in_as(app, auth_stub, Role.AGENT),
        sign_in_as(app, auth_stub, Role.ADMIN),
    )
    return Cast(customer_a, customer_b, agent_a, agent_b, admin)


async def open_ticket(
    stub: TicketStub,
    owner: SignedIn,
    *,
    subject: str = "Printer on fire",
    description: str = "It started smoking after the update.",
    priority: ticket_pb2.TicketPriority.ValueType = ticket_pb2.TICKET_PRIORITY_UNSPECIFIED,
    tags: tuple[str, ...] = (),
    category: str = "",
) -> ticket_pb2.Ticket:
    """A new ticket opened by customer `owner` for themselves."""
    return await stub.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(
                subject=subject, description=description, priority=priority, tags=tags, category=category
            ),
            request_id=str(uuid.uuid4()),
        ),
        metadata=owner.metadata,
    )


async def move_to(
    stub: TicketStub, ticket_id: str, status: ticket_pb2.TicketStatus.ValueType, actor: SignedIn
) -> ticket_pb2.Ticket:
    """ChangeTicketStatus as `actor`."""
    return await stub.ChangeTicketStatus(
        ticket_service_pb2.ChangeTicketStatusRequest(id=ticket_id, status=status), metadata=actor.metadata
    )


def error_info(error: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo:
    """The ErrorInfo detail of a failed call."""
    for detail in error_details(error):
        if isinstance(detail, error_details_pb2.ErrorInfo):
            return detail
    raise AssertionError(f"no ErrorInfo in {error!r}")
