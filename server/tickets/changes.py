"""Logging ticket changes for WatchTickets, in the change's own transaction, and waking watchers after commit."""

from __future__ import annotations

import functools
import uuid
from typing import Protocol

from storage.repositories.ticket_records import TicketRecord
from storage.unit_of_work import UnitOfWork


class ChangeListener(Protocol):
    """Told about each logged change once it has committed (the watch feed wakes its streams)."""

    async def committed(self, position: int) -> None:
        """The change at `position` is committed."""


async def log_change(
    uow: UnitOfWork,
    *,
    listener: ChangeListener | None,
    kind: str,
    before: TicketRecord | None,
    after: TicketRecord | None,
    message_id: uuid.UUID | None = None,
    internal: bool = False,
) -> None:
    """Appends the change to the log (call it last in the unit of work) and wakes `listener` after commit."""
    position = await uow.ticket_changes.append(
        kind=kind, before=before, after=after, message_id=message_id, internal=internal
    )
    if listener is not None:
        uow.after_commit(functools.partial(listener.committed, position))
