"""The ticket desk's parts, built once per process from its stores."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from server.core.metrics import Metrics
from server.settings import Settings
from server.sla.bookkeeping import SlaBookkeeping
from server.tickets.conversation import TicketConversation
from server.tickets.domain import TicketDesk
from server.tickets.hooks import TicketAssignmentHook
from server.tickets.live import LiveTickets
from server.tickets.satisfaction import TicketSatisfaction
from server.tickets.servicer import TicketServicer
from storage.db import Database


@dataclass(frozen=True, slots=True)
class Tickets:
    """The desk, the conversation (messages and notes), live changes (WatchTickets) and their servicer."""

    desk: TicketDesk
    conversation: TicketConversation
    live: LiveTickets
    servicer: TicketServicer

    @classmethod
    def create(
        cls,
        *,
        settings: Settings,
        database: Database,
        redis: Redis,
        metrics: Metrics,
        sla: SlaBookkeeping,
        assignment: TicketAssignmentHook | None = None,
    ) -> Tickets:
        """Builds every part; the live feed runs once `live.start()` is called."""
        live = LiveTickets(settings=settings, database=database, redis=redis, metrics=metrics)
        desk = TicketDesk(database=database, changes=live.feed, sla=sla, assignment=assignment)
        conversation = TicketConversation(database=database, changes=live.feed, sla=sla)
        satisfaction = TicketSatisfaction(database=database, changes=live.feed)
        servicer = TicketServicer(desk=desk, conversation=conversation, watch=live.watch, satisfaction=satisfaction)
        return cls(desk=desk, conversation=conversation, live=live, servicer=servicer)
