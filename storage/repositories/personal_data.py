"""Everything stored about one person: read for an export, anonymised for an erasure, audited in `privacy_events`.

The places personal data lives, all handled here: `users` (email, name, password hash, sign-in
time), `auth_sessions` (client address, user agent) and `refresh_tokens`, the customer's
`tickets` (subject, description, rating comment, both search documents), every `ticket_messages` body on them and
the `ticket_events` comments, the customer's `chats` (topic, feedback) and every `chat_messages`
body (and client request id) in them. Ids, times, statuses, counts, ratings and votes stay:
they are what reports count, and they say nothing once the account is anonymous.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, literal_column, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.roles import Role
from storage.models import (
    Article,
    ArticleVote,
    AuthSession,
    Chat,
    ChatMessage,
    PrivacyEvent,
    RefreshToken,
    Ticket,
    TicketEvent,
    TicketMessage,
    User,
)
from storage.repositories.chat import ChatView, MessageView
from storage.repositories.ticket_records import MessageRecord, TicketRecord, select_messages, select_tickets

# What replaces erased text (non-empty where the schema requires text).
ERASED_TEXT = "[erased]"
ERASED_DISPLAY_NAME = "Erased customer"

_chat_customer = aliased(User, name="export_chat_customer")
_chat_agent = aliased(User, name="export_chat_agent")


@dataclass(frozen=True, slots=True)
class VoteRow:
    """One of the person's article votes, with the article's current title."""

    article_id: uuid.UUID
    article_title: str
    vote: ArticleVote


@dataclass(frozen=True, slots=True)
class ErasureFigures:
    """How much one erasure anonymised; what the audit record keeps instead of the data."""

    tickets: list[uuid.UUID]
    ticket_messages: int
    chats: int
    chat_messages: int
    sessions_ended: list[uuid.UUID]

    def as_json(self) -> dict[str, Any]:
        """The counts, for the audit record."""
        return {
            "tickets": len(self.tickets),
            "ticket_messages": self.ticket_messages,
            "chats": self.chats,
            "chat_messages": self.chat_messages,
            "sessions_ended": len(self.sessions_ended),
        }


class PersonalDataRepository:
    """Reads one person's data whole, and anonymises a customer's; the domain decides who may."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def read_one_snapshot(self) -> datetime:
        """Makes every later read of this transaction see one moment (call it first); returns that moment."""
        await self._session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        moment: datetime | None = await self._session.scalar(select(func.now()))
        assert moment is not None
        return moment

    # --- export ---------------------------------------------------------------------------------

    async def tickets_of(self, *, customer_id: uuid.UUID) -> list[TicketRecord]:
        """The customer's tickets, oldest first."""
        statement = select_tickets().where(Ticket.customer_id == customer_id).order_by(Ticket.create_time, Ticket.id)
        return [TicketRecord._make(row) for row in await self._session.execute(statement)]

    async def public_messages_of(self, *, ticket_ids: list[uuid.UUID]) -> list[MessageRecord]:
        """The public messages of these tickets, by ticket and conversation order."""
        if not ticket_ids:
            return []
        statement = (
            select_messages()
            .where(TicketMessage.ticket_id.in_(ticket_ids), TicketMessage.internal.is_(False))
            .order_by(TicketMessage.ticket_id, TicketMessage.seq)
        )
        return [MessageRecord._make(row) for row in await self._session.execute(statement)]

    async def chats_of(self, *, customer_id: uuid.UUID) -> list[ChatView]:
        """The customer's chats with their participants' names, oldest first."""
        statement = (
            select(Chat, _chat_customer.display_name, _chat_agent.display_name)
            .join(_chat_customer, _chat_customer.id == Chat.customer_id)
            .outerjoin(_chat_agent, _chat_agent.id == Chat.agent_id)
            .where(Chat.customer_id == customer_id)
            .order_by(Chat.create_time, Chat.id)
        )
        return [
            ChatView(chat, customer, agent or "") for chat, customer, agent in await self._session.execute(statement)
        ]

    async def chat_messages_of(self, *, chat_ids: list[uuid.UUID]) -> list[MessageView]:
        """Every message of these chats, by chat and seq."""
        if not chat_ids:
            return []
        statement = (
            select(ChatMessage, User.display_name, User.role)
            .join(User, User.id == ChatMessage.sender_id)
            .where(ChatMessage.chat_id.in_(chat_ids))
            .order_by(ChatMessage.chat_id, ChatMessage.seq)
        )
        return [
            MessageView(message, name, Role(role)) for message, name, role in await self._session.execute(statement)
        ]

    async def votes_of(self, *, user_id: uuid.UUID) -> list[VoteRow]:
        """The person's article votes, oldest first."""
        statement = (
            select(ArticleVote, Article.title)
            .join(Article, Article.id == ArticleVote.article_id)
            .where(ArticleVote.user_id == user_id)
            .order_by(ArticleVote.create_time, ArticleVote.article_id)
        )
        return [VoteRow(vote.article_id, title, vote) for vote, title in await self._session.execute(statement)]

    async def sessions_of(self, *, user_id: uuid.UUID) -> list[AuthSession]:
        """The person's sign-in sessions, newest first."""
        statement = (
            select(AuthSession)
            .where(AuthSession.user_id == user_id)
            .order_by(AuthSession.create_time.desc(), AuthSession.id)
        )
        return list(await self._session.scalars(statement))

    # --- erasure --------------------------------------------------------------------------------

    async def erase_customer(self, *, customer_id: uuid.UUID, password_hash: str) -> ErasureFigures:
        """Anonymises everything of the customer (locked by the caller) and ends their sessions.

        `password_hash` replaces theirs: the hash of a secret nobody keeps, so no password matches.
        """
        own_tickets = select(Ticket.id).where(Ticket.customer_id == customer_id).scalar_subquery()
        own_chats = select(Chat.id).where(Chat.customer_id == customer_id).scalar_subquery()
        tickets = list(
            await self._session.scalars(
                update(Ticket)
                .where(Ticket.customer_id == customer_id)
                .values(
                    subject=ERASED_TEXT,
                    description=ERASED_TEXT,
                    # The rating stays (a report figure); the words around it go.
                    rating_comment=None,
                    search_public=literal_column("''::tsvector"),
                    search_staff=literal_column("''::tsvector"),
                    version=Ticket.version + 1,
                )
                .returning(Ticket.id)
            )
        )
        ticket_messages = await self._count(
            update(TicketMessage).where(TicketMessage.ticket_id.in_(own_tickets)).values(body=ERASED_TEXT)
        )
        await self._session.execute(
            update(TicketEvent)
            .where(TicketEvent.ticket_id.in_(own_tickets), TicketEvent.comment.is_not(None))
            .values(comment=None)
        )
        chats = await self._count(
            update(Chat)
            .where(Chat.customer_id == customer_id)
            .values(topic="", feedback=None, version=Chat.version + 1)
        )
        chat_messages = await self._count(
            update(ChatMessage).where(ChatMessage.chat_id.in_(own_chats)).values(body=ERASED_TEXT, request_id=None)
        )
        ended = list(
            await self._session.scalars(
                update(AuthSession)
                .where(AuthSession.user_id == customer_id, AuthSession.revoke_time.is_(None))
                .values(revoke_time=func.now(), revoke_reason="erased")
                .returning(AuthSession.id)
            )
        )
        await self._session.execute(
            update(AuthSession).where(AuthSession.user_id == customer_id).values(client_ip=None, user_agent=None)
        )
        sessions = select(AuthSession.id).where(AuthSession.user_id == customer_id).scalar_subquery()
        await self._session.execute(delete(RefreshToken).where(RefreshToken.session_id.in_(sessions)))
        await self._session.execute(
            update(User)
            .where(User.id == customer_id)
            .values(
                email=func.concat("erased-", User.id, "@erased.invalid"),
                display_name=ERASED_DISPLAY_NAME,
                password_hash=password_hash,
                active=False,
                last_login_time=None,
                erase_time=func.now(),
                update_time=func.now(),
                version=User.version + 1,
            )
        )
        return ErasureFigures(
            tickets=tickets,
            ticket_messages=ticket_messages,
            chats=chats,
            chat_messages=chat_messages,
            sessions_ended=ended,
        )

    async def _count(self, statement: Any) -> int:
        result = await self._session.execute(statement)
        return int(result.rowcount)  # type: ignore[attr-defined]

    # --- audit ----------------------------------------------------------------------------------

    async def record_erasure(
        self, *, actor_id: uuid.UUID, subject_id: uuid.UUID, figures: ErasureFigures
    ) -> PrivacyEvent:
        """Writes the one audit record of an erasure."""
        statement = (
            insert(PrivacyEvent)
            .values(type="customer_erased", actor_id=actor_id, subject_id=subject_id, figures=figures.as_json())
            .returning(PrivacyEvent)
        )
        return (await self._session.scalars(statement)).one()

    async def erasure_of(self, *, subject_id: uuid.UUID) -> PrivacyEvent | None:
        """The audit record of the person's erasure, if they were erased."""
        statement = select(PrivacyEvent).where(
            PrivacyEvent.subject_id == subject_id, PrivacyEvent.type == "customer_erased"
        )
        return (await self._session.scalars(statement)).one_or_none()
