"""The ticket desk's parts, built once per process from its stores."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from server.core.metrics import Metrics
from server.settings import Settings
from server.tickets.conversation import TicketConversation
from server.tickets.domain import TicketDesk
from server.tickets.encoded import EncodedTickets
from server.tickets.hooks import TicketAssignmentHook, TicketSlaHook
from server.tickets.live import LiveTickets
from server.tickets.satisfaction import TicketSatisfaction
from server.tickets.servicer import TicketServicer
from storage.db import Database

# Serialized tickets kept per process (server.tickets.encoded): a busy desk's open queue and the
# tickets its agents have open come to a few thousand, at about a kilobyte each.
ENCODED_TICKETS_MAX_ENTRIES = 20_000
ENCODED_TICKETS_MAX_BYTES = 32 * 1024 * 1024


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
        sla: TicketSlaHook,
        assignment: TicketAssignmentHook | None = None,
    ) -> Tickets:
        """Builds every part; the live feed runs once `live.start()` is called."""
        live = LiveTickets(settings=settings, database=database, redis=redis, metrics=metrics)
        desk = TicketDesk(database=database, changes=live.feed, sla=sla, assignment=assignment, held=live.held)
        conversation = TicketConversation(database=database, changes=live.feed, sla=sla)
        satisfaction = TicketSatisfaction(database=database, changes=live.feed)
        encoded = EncodedTickets(
            max_entries=ENCODED_TICKETS_MAX_ENTRIES,
            max_bytes=ENCODED_TICKETS_MAX_BYTES,
            hits=metrics.cache_hits.labels(cache="encoded_tickets"),
            misses=metrics.cache_misses.labels(cache="encoded_tickets"),
            page_hits=metrics.cache_hits.labels(cache="encoded_pages"),
        )
        servicer = TicketServicer(
            desk=desk, conversation=conversation, watch=live.watch, satisfaction=satisfaction, encoded=encoded
        )
        return cls(desk=desk, conversation=conversation, live=live, servicer=servicer)
