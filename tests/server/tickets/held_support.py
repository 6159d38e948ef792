"""Two replicas answering GetTicket from memory: what the held-ticket tests of tickets and SLA share."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Collection

import grpc.aio
from sqlalchemy import update

from helpdesk.v1 import (
    auth_service_pb2_grpc,
    privacy_service_pb2_grpc,
    ticket_pb2,
    ticket_service_pb2,
    ticket_service_pb2_grpc,
    user_service_pb2_grpc,
)
from server.app import HelpdeskApp
from server.tickets.encoded import encode_ticket
from server.tickets.held import EVERY_TICKET, HeldTickets
from storage.models import Ticket
from storage.repositories import TicketRepository
from tests.support import SignedIn


class Replica:
    """One server, the stubs of a channel to it, and the tickets it holds."""

    def __init__(self, app: HelpdeskApp, channel: grpc.aio.Channel) -> None:
        self.app = app
        self.auth = auth_service_pb2_grpc.AuthServiceStub(channel)
        self.tickets = ticket_service_pb2_grpc.TicketServiceStub(channel)
        self.users = user_service_pb2_grpc.UserServiceStub(channel)
        self.privacy = privacy_service_pb2_grpc.PrivacyServiceStub(channel)

    @property
    def held(self) -> HeldTickets:
        """The replica's held tickets."""
        assert self.app.tickets is not None
        return self.app.tickets.live.held

    @property
    def live(self) -> bool:
        """Whether the replica holds tickets (its invalidation subscription is live)."""
        return self.held.entries.live

    async def get(self, ticket_id: str, reader: SignedIn) -> ticket_pb2.Ticket:
        """GetTicket as `reader`."""
        return await self.tickets.GetTicket(ticket_service_pb2.GetTicketRequest(id=ticket_id), metadata=reader.metadata)

    def dropped(self, ticket_id: str) -> asyncio.Event:
        """An event set when this replica forgets the ticket (a write here, an announcement, or every ticket)."""
        event = asyncio.Event()

        def seen(keys: Collection[str]) -> None:
            if ticket_id in keys or EVERY_TICKET in keys:
                event.set()

        self.held.entries.drop_listeners.add(seen)
        return event


async def change_behind_the_caches(app: HelpdeskApp, ticket_id: str, description: str) -> None:
    """Changes the row in PostgreSQL as an edit would (a new version), without telling any replica."""
    async with app.resources.database.unit_of_work() as uow:
        await uow.session.execute(
            update(Ticket)
            .where(Ticket.id == uuid.UUID(ticket_id))
            .values(description=description, version=Ticket.version + 1)
        )


async def held_by(replica: Replica, ticket_id: str, reader: SignedIn) -> ticket_pb2.Ticket:
    """Makes `replica` hold the ticket, and proves it answers from memory: a change behind its back goes unseen."""
    first = await replica.get(ticket_id, reader)
    assert replica.held.get(ticket_id) is not None
    await change_behind_the_caches(replica.app, ticket_id, f"Changed behind the caches {uuid.uuid4().hex[:6]}")
    assert await replica.get(ticket_id, reader) == first
    return first


async def from_postgresql(app: HelpdeskApp, ticket_id: str, *, staff: bool) -> ticket_pb2.Ticket | None:
    """The reply GetTicket would build from the row as PostgreSQL has it now (None: no such ticket)."""
    async with app.resources.database.read_connection() as connection:
        views = await TicketRepository(connection).views([uuid.UUID(ticket_id)])
    view = views.get(uuid.UUID(ticket_id))
    return None if view is None else ticket_pb2.Ticket.FromString(encode_ticket(view, staff=staff))
