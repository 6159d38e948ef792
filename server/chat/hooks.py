"""What live chat tells automatic assignment, which lives outside this domain (and may be absent)."""

from __future__ import annotations

import uuid
from typing import Protocol

from helpdesk.v1 import ticket_pb2
from server.core.context import Principal


class ChatAssignmentHook(Protocol):
    """Told, after the fact, when waiting work may now find an agent."""

    async def chats_freed(self) -> None:
        """A chat started waiting, or an agent's ACTIVE chats dropped."""

    async def agent_online(self, user_id: uuid.UUID) -> None:
        """The agent just set themselves ONLINE."""


class TicketFromChat(Protocol):
    """Makes the ticket of a chat (CreateTicketFromChat), which the ticket desk's side knows how to do."""

    async def create_ticket(
        self, *, principal: Principal, chat_id: str, subject: str, priority: int, category: str
    ) -> ticket_pb2.Ticket:
        """The chat's ticket, made by the first call (`priority` as the API's TicketPriority value)."""
        ...
