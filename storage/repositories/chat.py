"""Reads and writes of `chats` and `chat_messages`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NamedTuple, cast

import asyncpg
from sqlalchemy import Select, func, or_, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.roles import Role
from storage.db import DriverStatement, ReadConnection, first_row
from storage.models import Chat, ChatMessage, ChatState, User

ChatOrderField = Literal["create_time", "update_time"]


@dataclass(frozen=True, slots=True)
class ChatView:
    """A chat with the display names of its customer and agent."""

    chat: Chat
    customer_name: str
    agent_name: str


class SentMessage(NamedTuple):
    """A message as `send_message` wrote it: the columns of `ChatMessage` a reader uses."""

    id: uuid.UUID
    chat_id: uuid.UUID
    seq: int
    sender_id: uuid.UUID
    body: str
    request_id: str | None
    create_time: datetime


@dataclass(frozen=True, slots=True)
class MessageView:
    """A message with its sender's display name and role."""

    message: ChatMessage | SentMessage
    sender_name: str
    sender_role: Role


@dataclass(frozen=True, slots=True)
class ChatPulse:
    """What a poller compares to notice changes of a chat: its counter, status and version."""

    chat_id: uuid.UUID
    last_seq: int
    status: ChatState
    version: int


@dataclass(frozen=True, slots=True)
class StaffMember:
    """An active agent or administrator with their load (ACTIVE chats)."""

    user_id: uuid.UUID
    display_name: str
    role: Role
    active_chat_count: int


_customer = aliased(User, name="chat_customer")
_agent = aliased(User, name="chat_agent")


def _view_select() -> Select[Chat, str, str]:
    return (
        select(Chat, _customer.display_name, _agent.display_name)
        .join(_customer, _customer.id == Chat.customer_id)
        .outerjoin(_agent, _agent.id == Chat.agent_id)
    )


def _bump() -> dict[str, Any]:
    return {"version": Chat.version + 1, "update_time": func.now()}


# SendChatMessage in one statement, in autocommit on a driver connection: the chat row's UPDATE
# takes its lock and next seq, the INSERT writes the message, the statement's commit releases the
# lock (seqs stay in commit order and gap-free: the statement is all or nothing). It writes only
# for the plain case: the sender exists and takes part in the chat, which has not ended, and no
# message of the chat has the request id. Anything else writes nothing and goes the general way,
# which gives the precise answer (NotFound, NOT_A_PARTICIPANT, CHAT_ENDED, the earlier message).
_SEND = """
    WITH sender AS (
        SELECT display_name, role FROM users WHERE id = $3::uuid
    ), chat AS (
        UPDATE chats SET last_seq = last_seq + 1, update_time = now()
        WHERE id = $1::uuid AND status <> 'ended' AND (customer_id = $3 OR agent_id = $3)
          AND EXISTS (SELECT 1 FROM sender) {earlier}
        RETURNING id, last_seq, agent_id
    ), message AS (
        INSERT INTO chat_messages (id, chat_id, seq, sender_id, body, request_id)
        SELECT $2::uuid, chat.id, chat.last_seq, $3::uuid, $4::text, $5::text FROM chat
        RETURNING id, chat_id, seq, sender_id, body, request_id, create_time
    )
    SELECT m.id, m.chat_id, m.seq, m.sender_id, m.body, m.request_id, m.create_time,
           sender.display_name, sender.role, chat.agent_id
    FROM message AS m, chat, sender
"""
# Run through `first_row`: on a connection that has them prepared, straight on asyncpg's protocol.
_SEND_WITH_KEY = DriverStatement(
    sql=_SEND.format(
        earlier="AND NOT EXISTS (SELECT 1 FROM chat_messages WHERE chat_id = $1::uuid AND request_id = $5::text)"
    ),
    names=(),
    defaults={},
)
_SEND_WITHOUT_KEY = DriverStatement(sql=_SEND.format(earlier=""), names=(), defaults={})


async def send_message(
    connection: ReadConnection,
    *,
    chat_id: uuid.UUID,
    sender_id: uuid.UUID,
    body: str,
    request_id: str | None,
) -> tuple[MessageView, uuid.UUID | None] | None:
    """Commits a message in one statement: the message with its sender, and the chat's agent.

    None, with nothing written, unless it is the plain case (see `_SEND`). A concurrent send with
    the same request id that committed while this one waited for the chat's lock makes the
    INSERT break the (chat_id, request_id) uniqueness: also None, nothing written, so that the
    general way finds that message and answers with it.
    """
    statement = _SEND_WITHOUT_KEY if request_id is None else _SEND_WITH_KEY
    try:
        # asyncpg's Record reads by position, as a Row does.
        row = cast(
            "Sequence[Any] | None",
            await first_row(connection, statement, (chat_id, uuid.uuid4(), sender_id, body, request_id)),
        )
    except asyncpg.UniqueViolationError:
        return None
    if row is None:
        return None
    message = SentMessage(row[0], row[1], row[2], row[3], row[4], row[5], row[6])
    return MessageView(message, row[7], Role(row[8])), row[9]


class ChatRepository:
    """Chats and their messages. Every state change is a conditional UPDATE: races have one winner."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- chats -------------------------------------------------------------------------------

    async def add(self, *, chat_id: uuid.UUID, customer_id: uuid.UUID, topic: str) -> Chat | None:
        """Inserts a WAITING chat; None (nothing changed) if the customer already has an open chat."""
        statement = (
            insert(Chat)
            .values(id=chat_id, customer_id=customer_id, topic=topic, status=ChatState.WAITING)
            .on_conflict_do_nothing(
                # Literal SQL: the predicate must match the partial unique index's predicate.
                index_elements=[Chat.customer_id],
                index_where=text("status IN ('waiting', 'active')"),
            )
            .returning(Chat)
        )
        return (await self._session.scalars(statement)).one_or_none()

    async def get(self, *, chat_id: uuid.UUID) -> Chat | None:
        """The chat, if it exists (fresh from the database)."""
        statement = select(Chat).where(Chat.id == chat_id)
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one_or_none()

    async def get_view(self, *, chat_id: uuid.UUID) -> ChatView | None:
        """The chat with display names, if it exists."""
        row = (
            await self._session.execute(
                _view_select().where(Chat.id == chat_id), execution_options={"populate_existing": True}
            )
        ).one_or_none()
        return None if row is None else ChatView(row[0], row[1], row[2] or "")

    async def get_for_update(self, *, chat_id: uuid.UUID) -> Chat | None:
        """The chat, row-locked until commit (serialises sends, so seqs are assigned in commit order)."""
        statement = select(Chat).where(Chat.id == chat_id).with_for_update()
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one_or_none()

    async def get_open_for_customer(self, *, customer_id: uuid.UUID) -> Chat | None:
        """The customer's WAITING or ACTIVE chat, if any."""
        statement = select(Chat).where(
            Chat.customer_id == customer_id, Chat.status.in_([ChatState.WAITING, ChatState.ACTIVE])
        )
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one_or_none()

    async def queue_position(self, *, chat: Chat) -> int:
        """1-based place of a WAITING chat in the queue (oldest first); 0 if it is not waiting."""
        if chat.status is not ChatState.WAITING:
            return 0
        statement = select(func.count()).where(
            Chat.status == ChatState.WAITING,
            tuple_(Chat.create_time, Chat.id) < tuple_(chat.create_time, chat.id),
        )
        return int((await self._session.execute(statement)).scalar_one()) + 1

    async def queue_positions(self, *, chats: Sequence[Chat]) -> dict[uuid.UUID, int]:
        """`queue_position` for a page of chats in one query (chats not waiting are absent: 0)."""
        waiting = [chat.id for chat in chats if chat.status is ChatState.WAITING]
        if not waiting:
            return {}
        ranked = (
            select(Chat.id, func.row_number().over(order_by=(Chat.create_time, Chat.id)).label("position"))
            .where(Chat.status == ChatState.WAITING)
            .subquery()
        )
        rows = await self._session.execute(select(ranked.c.id, ranked.c.position).where(ranked.c.id.in_(waiting)))
        return {row.id: int(row.position) for row in rows}

    async def list_waiting(self, *, limit: int = 1000) -> list[ChatView]:
        """WAITING chats, oldest first."""
        statement = (
            _view_select().where(Chat.status == ChatState.WAITING).order_by(Chat.create_time, Chat.id).limit(limit)
        )
        rows = await self._session.execute(statement)
        return [ChatView(chat, customer, agent or "") for chat, customer, agent in rows]

    async def list_page(
        self,
        *,
        limit: int,
        order_field: ChatOrderField = "create_time",
        descending: bool = True,
        after: tuple[datetime, uuid.UUID] | None = None,
        statuses: Sequence[ChatState] = (),
        customer_id: uuid.UUID | None = None,
        agent_id: uuid.UUID | None = None,
        without_agent: bool = False,
    ) -> list[ChatView]:
        """Up to `limit` chats ordered by (`order_field`, id), strictly after the keyset `after`."""
        column = Chat.create_time if order_field == "create_time" else Chat.update_time
        statement = _view_select()
        if statuses:
            statement = statement.where(Chat.status.in_(list(statuses)))
        if customer_id is not None:
            statement = statement.where(Chat.customer_id == customer_id)
        if agent_id is not None:
            statement = statement.where(Chat.agent_id == agent_id)
        if without_agent:
            statement = statement.where(Chat.agent_id.is_(None))
        if after is not None:
            key = tuple_(column, Chat.id)
            bound = tuple_(after[0], after[1])
            statement = statement.where(key < bound if descending else key > bound)
        if descending:
            statement = statement.order_by(column.desc(), Chat.id.desc())
        else:
            statement = statement.order_by(column, Chat.id)
        rows = await self._session.execute(statement.limit(limit))
        return [ChatView(chat, customer, agent or "") for chat, customer, agent in rows]

    async def accept(self, *, chat_id: uuid.UUID, agent_id: uuid.UUID) -> Chat | None:
        """WAITING -> ACTIVE with `agent_id`; None if the chat is not (or no longer) waiting."""
        statement = (
            update(Chat)
            .where(Chat.id == chat_id, Chat.status == ChatState.WAITING)
            .values(status=ChatState.ACTIVE, agent_id=agent_id, accept_time=func.now(), **_bump())
            .returning(Chat)
        )
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one_or_none()

    async def transfer(self, *, chat_id: uuid.UUID, agent_id: uuid.UUID) -> Chat | None:
        """Hands an ACTIVE chat to `agent_id` (their read receipt starts over); None if not ACTIVE."""
        statement = (
            update(Chat)
            .where(Chat.id == chat_id, Chat.status == ChatState.ACTIVE)
            .values(agent_id=agent_id, agent_last_read_seq=0, **_bump())
            .returning(Chat)
        )
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one_or_none()

    async def end(self, *, chat_id: uuid.UUID, ended_by_id: uuid.UUID) -> Chat | None:
        """Ends an open chat; None if it had already ended."""
        statement = (
            update(Chat)
            .where(Chat.id == chat_id, Chat.status != ChatState.ENDED)
            .values(status=ChatState.ENDED, end_time=func.now(), ended_by_id=ended_by_id, **_bump())
            .returning(Chat)
        )
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one_or_none()

    async def rate(self, *, chat_id: uuid.UUID, rating: int, feedback: str) -> Chat | None:
        """Records the rating of an ENDED, unrated chat; None otherwise."""
        statement = (
            update(Chat)
            .where(Chat.id == chat_id, Chat.status == ChatState.ENDED, Chat.rating.is_(None))
            .values(rating=rating, feedback=feedback, rate_time=func.now(), **_bump())
            .returning(Chat)
        )
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one_or_none()

    async def mark_read(self, *, chat_id: uuid.UUID, as_customer: bool, seq: int) -> int | None:
        """Raises the customer's or agent's read receipt to `seq` (never lowers it); the new value."""
        column = Chat.customer_last_read_seq if as_customer else Chat.agent_last_read_seq
        statement = (
            update(Chat)
            .where(Chat.id == chat_id, seq <= Chat.last_seq)
            .values({column: func.greatest(column, seq), "update_time": func.now(), "version": Chat.version + 1})
            .returning(column)
        )
        value = (await self._session.execute(statement)).scalar_one_or_none()
        return None if value is None else int(value)

    async def link_ticket(self, *, chat_id: uuid.UUID, ticket_id: uuid.UUID) -> None:
        """Records the ticket made from the chat (not a change its streams are told of)."""
        await self._session.execute(update(Chat).where(Chat.id == chat_id).values(ticket_id=ticket_id))

    async def pulses(self, *, chat_ids: Sequence[uuid.UUID]) -> list[ChatPulse]:
        """Counter, status and version of each existing chat in `chat_ids`."""
        if not chat_ids:
            return []
        statement = select(Chat.id, Chat.last_seq, Chat.status, Chat.version).where(Chat.id.in_(list(chat_ids)))
        rows = await self._session.execute(statement)
        return [ChatPulse(chat_id, last_seq, status, version) for chat_id, last_seq, status, version in rows]

    # --- messages ----------------------------------------------------------------------------

    async def take_next_seq(self, *, chat_id: uuid.UUID) -> Chat | None:
        """Locks the chat and takes its next `seq` in one statement; the chat after it (None if missing).

        The row lock is held until the transaction ends, so seqs are assigned in commit order; a
        rollback gives the seq back (no gap).
        """
        statement = (
            update(Chat)
            .where(Chat.id == chat_id)
            .values(last_seq=Chat.last_seq + 1, update_time=func.now())
            .returning(Chat)
        )
        return (await self._session.scalars(statement, execution_options={"populate_existing": True})).one_or_none()

    async def give_back_seq(self, *, chat_id: uuid.UUID) -> None:
        """Undoes `take_next_seq` within the same transaction (a send that turned out to be a retry)."""
        await self._session.execute(update(Chat).where(Chat.id == chat_id).values(last_seq=Chat.last_seq - 1))

    async def next_seq(self, *, chat_id: uuid.UUID) -> int:
        """Takes the chat's next `seq` (for seeding; senders use `take_next_seq`)."""
        chat = await self.take_next_seq(chat_id=chat_id)
        if chat is None:
            raise LookupError(f"no chat {chat_id}")
        return chat.last_seq

    async def add_message(
        self, *, chat_id: uuid.UUID, seq: int, sender_id: uuid.UUID, body: str, request_id: str | None
    ) -> ChatMessage:
        """Inserts a message with a `seq` taken by `take_next_seq`."""
        statement = (
            insert(ChatMessage)
            .values(id=uuid.uuid4(), chat_id=chat_id, seq=seq, sender_id=sender_id, body=body, request_id=request_id)
            .returning(ChatMessage)
        )
        return (await self._session.scalars(statement)).one()

    async def find_message_by_request_id(self, *, chat_id: uuid.UUID, request_id: str) -> ChatMessage | None:
        """The message a send with this request id committed, if any."""
        statement = select(ChatMessage).where(ChatMessage.chat_id == chat_id, ChatMessage.request_id == request_id)
        return (await self._session.scalars(statement)).one_or_none()

    async def list_messages(
        self,
        *,
        chat_id: uuid.UUID,
        limit: int,
        after_seq: int = 0,
        before_seq: int | None = None,
        descending: bool = False,
    ) -> list[MessageView]:
        """Up to `limit` messages with after_seq < seq (< before_seq), by seq."""
        statement = (
            select(ChatMessage, User.display_name, User.role)
            .join(User, User.id == ChatMessage.sender_id)
            .where(ChatMessage.chat_id == chat_id, ChatMessage.seq > after_seq)
        )
        if before_seq is not None:
            statement = statement.where(ChatMessage.seq < before_seq)
        order = ChatMessage.seq.desc() if descending else ChatMessage.seq
        rows = await self._session.execute(statement.order_by(order).limit(limit))
        return [MessageView(message, name, role) for message, name, role in rows]

    # --- staff -------------------------------------------------------------------------------

    async def list_staff(self) -> list[StaffMember]:
        """Every active agent and administrator with their number of ACTIVE chats."""
        load = (
            select(Chat.agent_id, func.count().label("n"))
            .where(Chat.status == ChatState.ACTIVE)
            .group_by(Chat.agent_id)
            .subquery()
        )
        statement = (
            select(User.id, User.display_name, User.role, func.coalesce(load.c.n, 0))
            .outerjoin(load, load.c.agent_id == User.id)
            .where(User.active, or_(User.role == Role.AGENT, User.role == Role.ADMIN))
        )
        rows = await self._session.execute(statement)
        return [StaffMember(user_id, name, role, int(count)) for user_id, name, role, count in rows]

    async def get_staff(self, *, user_id: uuid.UUID) -> User | None:
        """The user if they are an active agent or administrator."""
        statement = select(User).where(
            User.id == user_id, User.active, or_(User.role == Role.AGENT, User.role == Role.ADMIN)
        )
        return (await self._session.scalars(statement)).one_or_none()
