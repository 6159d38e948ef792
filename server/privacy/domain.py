"""Personal data: export (anyone their own, administrators anyone's) and erasure of customers (administrators).

Transport-free. The export is read in one snapshot. The erasure is one transaction: it locks the
customer, anonymises what `PersonalDataRepository.erase_customer` lists, ends their sessions
(forgotten, with the copies of their user record, by every replica's caches after commit, so
access tokens stop at once and no replica shows the erased record), writes the one audit record
and logs a change of each of their tickets, so that open ticket views (WatchTickets) show the
anonymised text without a reload.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from server.core.context import Principal, Role
from server.core.errors import Aborted, FailedPrecondition, NotFound, PermissionDenied
from server.privacy.validation import parse_customer_id, parse_subject, require_etag
from server.tickets.changes import ChangeListener
from server.users.domain import SessionCache
from server.users.passwords import PasswordHasher
from storage.db import Database
from storage.etags import etag_matches
from storage.models import AuthSession, PrivacyEvent, User
from storage.repositories.chat import ChatView, MessageView
from storage.repositories.personal_data import VoteRow
from storage.repositories.ticket_records import MessageRecord, TicketRecord

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Export:
    """One person's data as read in one snapshot."""

    export_time: datetime
    user: User
    tickets: list[tuple[TicketRecord, list[MessageRecord]]]
    chats: list[tuple[ChatView, list[MessageView]]]
    votes: list[VoteRow]
    sessions: list[AuthSession]


def ensure_export_fits(*, size_bytes: int, limit_bytes: int) -> None:
    """Refuses an export larger than one answer may carry, naming both sizes, rather than send a cut copy."""
    if size_bytes > limit_bytes:
        raise FailedPrecondition(
            f"the export is {size_bytes} bytes, more than the {limit_bytes} bytes one answer may carry",
            reason="EXPORT_TOO_LARGE",
            metadata={"size_bytes": str(size_bytes), "limit_bytes": str(limit_bytes)},
        )


class PersonalData:
    """Exports and erasures."""

    def __init__(
        self,
        *,
        database: Database,
        hasher: PasswordHasher,
        sessions: SessionCache,
        changes: ChangeListener | None,
    ) -> None:
        self._database = database
        self._hasher = hasher
        self._sessions = sessions
        self._changes = changes

    async def export(self, *, principal: Principal, user_id: str) -> Export:
        """The data of the caller (or, for an administrator, of `user_id`)."""
        subject = parse_subject(user_id, caller=principal.user_id)
        if subject != principal.user_id and principal.role is not Role.ADMIN:
            # Refused before any lookup: the answer says nothing about whether the user exists.
            raise PermissionDenied("only administrators export another user's data", reason="ROLE_NOT_ALLOWED")
        async with self._database.unit_of_work() as uow:
            data = uow.personal_data
            export_time = await data.read_one_snapshot()
            user = await uow.users.get(user_id=subject)
            if user is None:
                raise NotFound("user not found")
            tickets = await data.tickets_of(customer_id=subject)
            messages = await data.public_messages_of(ticket_ids=[ticket.id for ticket in tickets])
            chats = await data.chats_of(customer_id=subject)
            chat_messages = await data.chat_messages_of(chat_ids=[view.chat.id for view in chats])
            votes = await data.votes_of(user_id=subject)
            sessions = await data.sessions_of(user_id=subject)
        by_ticket: dict[uuid.UUID, list[MessageRecord]] = {}
        for message in messages:
            by_ticket.setdefault(message.ticket_id, []).append(message)
        by_chat: dict[uuid.UUID, list[MessageView]] = {}
        for chat_message in chat_messages:
            by_chat.setdefault(chat_message.message.chat_id, []).append(chat_message)
        return Export(
            export_time=export_time,
            user=user,
            tickets=[(ticket, by_ticket.get(ticket.id, [])) for ticket in tickets],
            chats=[(view, by_chat.get(view.chat.id, [])) for view in chats],
            votes=votes,
            sessions=sessions,
        )

    async def erase(self, *, principal: Principal, user_id: str, etag: str) -> PrivacyEvent:
        """Erases the customer `user_id`; a retry after success answers the first erasure's record."""
        customer_id = parse_customer_id(user_id)
        require_etag(etag)
        # Hashed before the transaction (no connection waits on bcrypt): a secret nobody keeps.
        password_hash = await self._hasher.hash(secrets.token_urlsafe(48)[:64])
        async with self._database.unit_of_work() as uow:
            user = await uow.users.get_for_update(user_id=customer_id)
            if user is None:
                raise NotFound("user not found")
            earlier = await uow.personal_data.erasure_of(subject_id=customer_id)
            if earlier is not None:
                return earlier
            if user.role is not Role.CUSTOMER:
                raise FailedPrecondition(
                    "only customers are erased; deactivate staff accounts instead", reason="NOT_A_CUSTOMER"
                )
            if not etag_matches(etag, user.version):
                raise Aborted("the customer was changed since it was read; read it again", reason="ETAG_MISMATCH")
            figures = await uow.personal_data.erase_customer(customer_id=customer_id, password_hash=password_hash)
            event = await uow.personal_data.record_erasure(
                actor_id=principal.user_id, subject_id=customer_id, figures=figures
            )
            positions = []
            # Last, just before commit: the change log's lock is held until then.
            for ticket_id in figures.tickets:
                ticket = await uow.tickets.get(ticket_id=ticket_id)
                if ticket is not None:
                    positions.append(await uow.ticket_changes.append(kind="updated", before=ticket, after=ticket))

            async def announce() -> None:
                await self._sessions.invalidate(figures.sessions_ended, user_ids=[customer_id])
                if self._changes is not None and positions:
                    await self._changes.committed(max(positions))

            uow.after_commit(announce)
        # Ids and counts only: the log must not keep what was just erased.
        _log.info("customer %s erased by %s: %s", customer_id, principal.user_id, figures.as_json())
        return event
