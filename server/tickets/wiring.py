"""The ticket desk's parts, built once per process from its stores."""

from __future__ import annotations

from dataclasses import dataclass

from server.tickets.conversation import TicketConversation
from server.tickets.domain import TicketDesk
from server.tickets.servicer import TicketServicer
from storage.db import Database


@dataclass(frozen=True, slots=True)
class Tickets:
    """The desk (tickets and their lifecycle), the conversation (messages and notes) and their servicer."""

    desk: TicketDesk
    conversation: TicketConversation
    servicer: TicketServicer

    @classmethod
    def create(cls, *, database: Database) -> Tickets:
        """Builds every part; nothing runs in the background."""
        desk = TicketDesk(database=database)
        conversation = TicketConversation(database=database)
        return cls(desk=desk, conversation=conversation, servicer=TicketServicer(desk=desk, conversation=conversation))
