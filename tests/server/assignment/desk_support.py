"""Helpers of the automatic-assignment tests: a desk of two replicas, its people, and short calls."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import grpc.aio
from google.protobuf import field_mask_pb2

from helpdesk.v1 import (
    agent_pb2,
    assignment_pb2,
    assignment_service_pb2,
    assignment_service_pb2_grpc,
    auth_service_pb2_grpc,
    chat_pb2,
    chat_service_pb2,
    chat_service_pb2_grpc,
    ticket_pb2,
    ticket_service_pb2,
    ticket_service_pb2_grpc,
    user_pb2,
    user_service_pb2,
    user_service_pb2_grpc,
)
from server.app import HelpdeskApp
from server.core.context import Role
from tests.support import SignedIn, register, sign_in_as


class Replica:
    """The stubs of one server replica."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.auth: auth_service_pb2_grpc.AuthServiceAsyncStub = auth_service_pb2_grpc.AuthServiceStub(channel)
        self.tickets: ticket_service_pb2_grpc.TicketServiceAsyncStub = ticket_service_pb2_grpc.TicketServiceStub(
            channel
        )
        self.chats: chat_service_pb2_grpc.ChatServiceAsyncStub = chat_service_pb2_grpc.ChatServiceStub(channel)
        self.assignment: assignment_service_pb2_grpc.AssignmentServiceAsyncStub = (
            assignment_service_pb2_grpc.AssignmentServiceStub(channel)
        )
        self.users: user_service_pb2_grpc.UserServiceAsyncStub = user_service_pb2_grpc.UserServiceStub(channel)


@dataclass
class Desk:
    """Two replicas on one database, an administrator, and the agents a test signed in."""

    app: HelpdeskApp
    replicas: tuple[Replica, Replica]
    admin: SignedIn
    agents: list[SignedIn] = field(default_factory=list)

    @classmethod
    async def open(cls, app: HelpdeskApp, *, replicas: tuple[Replica, Replica]) -> Desk:
        """A desk with a fresh administrator."""
        return cls(app, replicas, await sign_in_as(app, replicas[0].auth, Role.ADMIN))

    @property
    def first(self) -> Replica:
        """The first replica."""
        return self.replicas[0]

    async def agent(self, *, role: Role = Role.AGENT) -> SignedIn:
        """A new agent (OFFLINE until set otherwise)."""
        person = await sign_in_as(self.app, self.first.auth, role)
        self.agents.append(person)
        return person

    async def deactivate(self, person: SignedIn) -> None:
        """Deactivates the user, as the administrator."""
        request = user_service_pb2.UpdateUserRequest(user=user_pb2.User(id=person.user_id, active=False))
        request.update_mask.paths.append("active")
        await self.first.users.UpdateUser(request, metadata=self.admin.metadata)
        self.agents.remove(person)

    async def customer(self) -> SignedIn:
        """A new customer."""
        return await register(self.first.auth)

    async def set_availability(
        self, agent: SignedIn, availability: agent_pb2.AgentAvailability.ValueType, *, replica: int = 0
    ) -> agent_pb2.Agent:
        """SetAvailability as `agent`, on one replica."""
        request = chat_service_pb2.SetAvailabilityRequest(availability=availability)
        return await self.replicas[replica].chats.SetAvailability(request, metadata=agent.metadata)

    async def online(self, *agents: SignedIn) -> None:
        """Sets the agents ONLINE."""
        for agent in agents:
            await self.set_availability(agent, agent_pb2.AGENT_AVAILABILITY_ONLINE)

    async def everyone_offline(self) -> None:
        """Sets every agent of the test OFFLINE."""
        for agent in self.agents:
            await self.set_availability(agent, agent_pb2.AGENT_AVAILABILITY_OFFLINE)

    async def configure(self, **values: Any) -> assignment_pb2.AssignmentSettings:
        """UpdateAssignmentSettings as the administrator, naming exactly the fields given."""
        request = assignment_service_pb2.UpdateAssignmentSettingsRequest(
            settings=assignment_pb2.AssignmentSettings(**values),
            update_mask=field_mask_pb2.FieldMask(paths=sorted(values)),
        )
        return await self.first.assignment.UpdateAssignmentSettings(request, metadata=self.admin.metadata)

    async def limit(self, agent: SignedIn, **values: int) -> assignment_pb2.AgentCapacity:
        """UpdateAgentCapacity as the administrator (`ticket_capacity`, `chat_limit`)."""
        capacity = assignment_pb2.AgentCapacity(agent_id=agent.user_id)
        for name, value in values.items():
            setattr(capacity, name, value)
        request = assignment_service_pb2.UpdateAgentCapacityRequest(
            capacity=capacity,
            update_mask=field_mask_pb2.FieldMask(paths=sorted(values)),
        )
        return await self.first.assignment.UpdateAgentCapacity(request, metadata=self.admin.metadata)

    async def open_ticket(self, customer: SignedIn, *, replica: int = 0, category: str = "") -> ticket_pb2.Ticket:
        """CreateTicket as `customer` on one replica."""
        request = ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(subject="Cannot sign in", description="It says no.", category=category),
            request_id=str(uuid.uuid4()),
        )
        return await self.replicas[replica].tickets.CreateTicket(request, metadata=customer.metadata)

    async def open_tickets(self, count: int, *, category: str = "") -> list[ticket_pb2.Ticket]:
        """`count` tickets of as many customers, created all at once, alternately on the two replicas."""
        customers = await asyncio.gather(*(self.customer() for _ in range(count)))
        return list(
            await asyncio.gather(
                *(self.open_ticket(customer, replica=i % 2, category=category) for i, customer in enumerate(customers))
            )
        )

    async def ticket(self, ticket_id: str) -> ticket_pb2.Ticket:
        """GetTicket as the administrator."""
        request = ticket_service_pb2.GetTicketRequest(id=ticket_id)
        return await self.first.tickets.GetTicket(request, metadata=self.admin.metadata)

    async def tickets(self, tickets: Iterable[ticket_pb2.Ticket]) -> list[ticket_pb2.Ticket]:
        """The tickets as they are now."""
        return list(await asyncio.gather(*(self.ticket(t.id) for t in tickets)))

    async def start_chat(self, customer: SignedIn, *, replica: int = 0) -> chat_pb2.Chat:
        """StartChat (with a first message) as `customer` on one replica."""
        request = chat_service_pb2.StartChatRequest(topic="Help", message="Hello?", request_id=str(uuid.uuid4()))
        response = await self.replicas[replica].chats.StartChat(request, metadata=customer.metadata)
        return response.chat

    async def chat(self, chat_id: str) -> chat_pb2.Chat:
        """GetChat as the administrator."""
        request = chat_service_pb2.GetChatRequest(id=chat_id)
        return await self.first.chats.GetChat(request, metadata=self.admin.metadata)

    async def chats(self, chats: Iterable[chat_pb2.Chat]) -> list[chat_pb2.Chat]:
        """The chats as they are now."""
        return list(await asyncio.gather(*(self.chat(c.id) for c in chats)))


def shares(items: Iterable[Any], *, field_name: str = "assignee_id") -> Counter[str]:
    """How many items each agent got (unassigned ones under "")."""
    return Counter(getattr(item, field_name) for item in items)
