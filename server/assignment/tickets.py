"""Automatic assignment of tickets: new ones as they are created, waiting ones when an agent can take them."""

from __future__ import annotations

import uuid

from server.assignment.online import OnlineAgents
from server.assignment.round_robin import drain, drain_after_commit, next_in_turn, room_left, took
from server.tickets.changes import ChangeListener, log_change
from server.tickets.domain import reread
from storage.db import Database
from storage.models import AssignmentSettings
from storage.repositories.assignment import Candidate, TicketSettings
from storage.repositories.ticket_records import NewEvent
from storage.unit_of_work import UnitOfWork

# Tickets handed out per transaction when draining a backlog (each batch holds the lock briefly).
BATCH = 50


def assigns_tickets(settings: AssignmentSettings | TicketSettings, *, category: str | None = None) -> bool:
    """Whether new tickets (of `category`; None: of some category) are assigned automatically."""
    if settings.tickets_enabled:
        return True
    if category is None:
        return bool(settings.ticket_categories)
    return category in settings.ticket_categories


class TicketAssigner:
    """Hands tickets to ONLINE agents below their capacity, round robin, one decision at a time."""

    def __init__(self, *, database: Database, online: OnlineAgents) -> None:
        self._database = database
        self._online = online
        self._changes: ChangeListener | None = None

    def connect(self, *, changes: ChangeListener) -> None:
        """Where to report the assignments a drain makes (the WatchTickets feed)."""
        self._changes = changes

    async def ticket_opened(self, uow: UnitOfWork, *, ticket_id: uuid.UUID, category: str) -> None:
        """Assigns the ticket just added in `uow` if its category is opted in and someone can take it."""
        settings = await uow.assignment.settings()
        if not assigns_tickets(settings, category=category):
            return
        candidates = await self._candidates(uow, settings)
        agent = next_in_turn(candidates)
        if agent is not None:
            await _assign(uow, ticket_id=ticket_id, agent=agent)

    async def tickets_freed(self) -> None:
        """Hands out waiting tickets; a failure is logged (the periodic sweep tries again)."""
        await drain_after_commit(self._drain_batch, what="tickets")

    async def drain(self) -> int:
        """Assigns unassigned OPEN/IN_PROGRESS tickets of opted-in categories while agents have room."""
        return await drain(self._drain_batch, what="tickets")

    async def _drain_batch(self) -> tuple[int, bool]:
        async with self._database.unit_of_work() as uow:
            settings = await uow.assignment.settings()
            if not assigns_tickets(settings):
                return 0, False
            candidates = await self._candidates(uow, settings)
            room = room_left(candidates)
            if room == 0:
                return 0, False
            tickets = await uow.assignment.claim_unassigned_tickets(
                every_category=settings.tickets_enabled,
                categories=settings.ticket_categories,
                limit=min(room, BATCH),
            )
            assigned = 0
            for ticket in tickets:
                agent = next_in_turn(candidates)
                if agent is None:
                    break
                await _assign(uow, ticket_id=ticket.id, agent=agent)
                await log_change(
                    uow, listener=self._changes, kind="updated", before=ticket, after=await reread(uow, ticket.id)
                )
                assigned += 1
            return assigned, assigned == BATCH

    async def _candidates(self, uow: UnitOfWork, settings: AssignmentSettings) -> list[Candidate]:
        """ONLINE staff with loads and turns read under the tickets lock (held until commit)."""
        online = await self._online.among(await uow.assignment.staff_ids())
        if not online:
            return []
        # From here every automatic ticket assignment, on any replica, waits for this one to commit.
        await uow.assignment.lock_tickets()
        return await uow.assignment.ticket_candidates(user_ids=online, default_limit=settings.default_ticket_capacity)


async def _assign(uow: UnitOfWork, *, ticket_id: uuid.UUID, agent: Candidate) -> None:
    """Assigns the (unassigned) ticket to `agent` as the system, recording the event and the agent's turn."""
    await uow.tickets.update(ticket_id=ticket_id, changes={"assignee_id": agent.user_id})
    await uow.tickets.add_events(
        events=[NewEvent(ticket_id=ticket_id, type="assignee_changed", actor_id=None, new_assignee_id=agent.user_id)]
    )
    took(agent, turn=await uow.assignment.take_ticket_turn(user_id=agent.user_id))
