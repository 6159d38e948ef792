"""Logging ticket changes for WatchTickets, in the change's own transaction, and waking watchers after commit."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Collection
from typing import Protocol

from storage.repositories.ticket_records import TicketRecord
from storage.unit_of_work import UnitOfWork


class ChangeListener(Protocol):
    """Told about each change once it has committed (the watch feed wakes its streams, held tickets go)."""

    async def committed(self, position: int, ticket_ids: Collection[uuid.UUID] | None = None) -> None:
        """The logged change at `position` (and any before it) is committed.

        `ticket_ids`: the tickets whose replies it changed; None when not named (all of them).
        """

    async def tickets_changed(self, ticket_ids: Collection[uuid.UUID] | None) -> None:
        """Tickets changed by a committed write that logs no change (None: which is unknown, so all)."""


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
    """Appends the change to the log (call it last in the unit of work) and tells `listener` after commit."""
    position = await uow.ticket_changes.append(
        kind=kind, before=before, after=after, message_id=message_id, internal=internal
    )
    if listener is not None:
        # A ticket just created was never read, so no reply of it is held anywhere.
        changed = () if before is None else (before.id,)
        uow.after_commit(functools.partial(listener.committed, position, changed))
