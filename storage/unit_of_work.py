"""One transaction per RPC, with the repositories bound to it and callbacks run after commit."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import (
    ArticleRepository,
    AssignmentRepository,
    AuthSessionRepository,
    CannedResponseRepository,
    ChatRepository,
    IdempotencyRepository,
    MacroRepository,
    PersonalDataRepository,
    RefreshTokenRepository,
    ReportRepository,
    RetentionRepository,
    SlaPolicyRepository,
    TicketChangeRepository,
    TicketRepository,
    TicketSlaRepository,
    UserRepository,
)

_log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[None]]


class UnitOfWork:
    """The repositories of one transaction. Made by `Database.unit_of_work()`, which commits it."""

    def __init__(self, session: AsyncSession, *, read_only: bool = False) -> None:
        self.session = session
        # Made by `Database.read_only()`: no transaction, so nothing to run "after commit".
        self.read_only = read_only
        self.users = UserRepository(session)
        self.sessions = AuthSessionRepository(session)
        self.refresh_tokens = RefreshTokenRepository(session)
        self.idempotency = IdempotencyRepository(session)
        self.tickets = TicketRepository(session)
        self.ticket_changes = TicketChangeRepository(session)
        self.ticket_sla = TicketSlaRepository(session)
        self.sla_policies = SlaPolicyRepository(session)
        self.articles = ArticleRepository(session)
        self.chats = ChatRepository(session)
        self.assignment = AssignmentRepository(session)
        self.canned_responses = CannedResponseRepository(session)
        self.macros = MacroRepository(session)
        self.personal_data = PersonalDataRepository(session)
        self.retention = RetentionRepository(session)
        self.reports = ReportRepository(session)
        self._after_commit: list[AfterCommit] = []

    def after_commit(self, callback: AfterCommit) -> None:
        """Runs `callback` once the transaction has committed (never if it rolls back).

        For side effects others must only see once the data is durable: events, cache invalidation.
        A failing callback is logged; the committed work stands.
        """
        if self.read_only:
            raise RuntimeError("a read-only unit of work never commits: nothing would run after commit")
        self._after_commit.append(callback)

    async def run_after_commit(self) -> None:
        """Runs the registered callbacks in order (the Database calls this after commit)."""
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                await callback()
            except Exception:  # noqa: BLE001 - the transaction is committed; a side effect must not undo the reply
                _log.exception("after-commit callback %r failed", callback)
