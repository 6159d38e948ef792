"""What live chat tells automatic assignment, which lives outside this domain (and may be absent)."""

from __future__ import annotations

import uuid
from typing import Protocol


class ChatAssignmentHook(Protocol):
    """Told, after the fact, when waiting work may now find an agent."""

    async def chats_freed(self) -> None:
        """A chat started waiting, or an agent's ACTIVE chats dropped."""

    async def agent_online(self, user_id: uuid.UUID) -> None:
        """The agent just set themselves ONLINE."""
