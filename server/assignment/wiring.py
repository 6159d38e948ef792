"""Automatic assignment of one process, with the periodic sweep that HelpdeskApp starts and stops.

Built before tickets and chat (they tell it what happens), then connected to them (it reports
through them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

from redis.asyncio import Redis

from server.assignment.chat_to_ticket import ChatTickets
from server.assignment.chats import ChatAcceptor, ChatAssigner
from server.assignment.domain import AssignmentDesk
from server.assignment.online import OnlineAgents
from server.assignment.servicer import AssignmentServicer
from server.assignment.tickets import TicketAssigner, assigns_tickets
from server.settings import Settings
from server.tickets.changes import ChangeListener
from storage.db import Database
from storage.repositories.assignment import TicketSettings
from storage.unit_of_work import UnitOfWork

_log = logging.getLogger(__name__)


class Assignment:
    """The assigners, the settings desk and its servicer; the hooks tickets and chat call."""

    def __init__(self, *, settings: Settings, database: Database, redis: Redis) -> None:
        online = OnlineAgents(redis)
        self.tickets = TicketAssigner(database=database, online=online)
        self.chats = ChatAssigner(database=database, online=online)
        self.desk = AssignmentDesk(database=database, online=online, tickets=self.tickets, chats=self.chats)
        self.servicer = AssignmentServicer(desk=self.desk)
        self.chat_tickets = ChatTickets(database=database)
        self._sweep_seconds = settings.assignment_sweep_seconds
        self._sweeper: asyncio.Task[None] | None = None

    def connect(self, *, ticket_changes: ChangeListener, chat_acceptor: ChatAcceptor) -> None:
        """Reports ticket assignments to the WatchTickets feed and accepts chats through live chat."""
        self.tickets.connect(changes=ticket_changes)
        self.chat_tickets.connect(changes=ticket_changes)
        self.chats.connect(acceptor=chat_acceptor)

    # --- the hooks of tickets (TicketAssignmentHook) and chat (ChatAssignmentHook) -----------

    def assigns_new_ticket(self, settings: TicketSettings, *, category: str) -> bool:
        """Whether a new ticket of `category` is opted in to automatic assignment under `settings`."""
        return assigns_tickets(settings, category=category)

    async def ticket_opened(self, uow: UnitOfWork, *, ticket_id: uuid.UUID, category: str) -> None:
        """Assigns a new ticket within its creating transaction, when it is opted in."""
        await self.tickets.ticket_opened(uow, ticket_id=ticket_id, category=category)

    async def tickets_freed(self) -> None:
        """Hands out waiting tickets."""
        await self.tickets.tickets_freed()

    async def chats_freed(self) -> None:
        """Hands out waiting chats."""
        await self.chats.chats_freed()

    async def agent_online(self, user_id: uuid.UUID) -> None:
        """Hands out waiting tickets and chats (the agent may take some)."""
        await self.tickets.tickets_freed()
        await self.chats.chats_freed()

    # --- the sweep ---------------------------------------------------------------------------

    def start(self) -> None:
        """Starts the periodic sweep: work that no event handed out (a replica died after its commit)."""
        if self._sweeper is None and self._sweep_seconds > 0:
            self._sweeper = asyncio.create_task(self._sweep(), name="assignment-sweep")

    async def stop(self) -> None:
        """Stops the sweep."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_seconds)
            # Each logs its own failure; the next sweep tries again.
            await self.tickets.tickets_freed()
            await self.chats.chats_freed()
