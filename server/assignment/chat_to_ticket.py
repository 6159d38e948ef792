"""Turning a chat into a ticket: the transcript as the first message, the customer kept, both linked.

Idempotent: the chat's row lock serialises concurrent calls, and a chat that already has its
ticket answers with it (a unique index on `tickets.source_chat_id` backs this up).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from helpdesk.v1 import ticket_pb2
from server.chat.validation import parse_chat_id
from server.core.context import Principal
from server.core.errors import FailedPrecondition, NotFound
from server.core.validation import FieldChecks
from server.tickets.changes import ChangeListener, log_change
from server.tickets.convert import priority_from_proto, ticket_to_proto
from server.tickets.domain import reread
from server.tickets.transitions import Priority, Status
from server.tickets.validation import check_category, check_subject
from storage.db import Database
from storage.repositories.chat import ChatView, MessageView
from storage.repositories.ticket_records import NewEvent
from storage.unit_of_work import UnitOfWork

_log = logging.getLogger(__name__)

# A ticket message holds at most 20,000 characters; the transcript keeps its opening within that.
MAX_TRANSCRIPT = 20_000
# Messages read for the transcript (each at most 4,000 characters: far more than fits).
MAX_TRANSCRIPT_MESSAGES = 2_000
_ROLE_NAMES = {"customer": "customer", "agent": "agent", "admin": "agent"}


class ChatTickets:
    """Makes (once) the ticket of a chat, for an agent or administrator."""

    def __init__(self, *, database: Database) -> None:
        self._database = database
        self._changes: ChangeListener | None = None

    def connect(self, *, changes: ChangeListener) -> None:
        """Where to report the new tickets (the WatchTickets feed)."""
        self._changes = changes

    async def create_ticket(
        self, *, principal: Principal, chat_id: str, subject: str, priority: int, category: str
    ) -> ticket_pb2.Ticket:
        """The chat's ticket: the one made earlier, or a new one assigned to the caller."""
        checks = FieldChecks()
        parsed = checks.run(lambda: parse_chat_id(chat_id, field="id"))
        level = checks.run(lambda: priority_from_proto(priority, field="priority"))
        clean_subject = checks.run(lambda: check_subject(subject, field="subject")) if subject.strip() else ""
        clean_category = checks.run(lambda: check_category(category, field="category"))
        checks.raise_if_any()
        assert parsed is not None
        assert clean_category is not None
        async with self._database.unit_of_work() as uow:
            chat = await uow.chats.get_for_update(chat_id=parsed)
            if chat is None:
                raise NotFound("chat not found")
            if chat.ticket_id is not None:
                # Made by an earlier call (a retry, or a colleague's): the same ticket again.
                return ticket_to_proto(await reread(uow, chat.ticket_id), staff=True)
            view = await uow.chats.get_view(chat_id=parsed)
            messages = await uow.chats.list_messages(chat_id=parsed, limit=MAX_TRANSCRIPT_MESSAGES)
            if view is None or not messages:
                raise FailedPrecondition(
                    "the chat has no messages yet: there is nothing to make a ticket of", reason="CHAT_HAS_NO_MESSAGES"
                )
            ticket_id = await self._add_ticket(
                uow,
                principal=principal,
                view=view,
                transcript=transcript(view, messages, total=chat.last_seq),
                subject=clean_subject or _default_subject(view),
                priority=level or Priority.MEDIUM,
                category=clean_category,
            )
            await uow.chats.link_ticket(chat_id=parsed, ticket_id=ticket_id)
            ticket = await reread(uow, ticket_id)
            await log_change(uow, listener=self._changes, kind="created", before=None, after=ticket)
        _log.info("ticket #%d made from chat %s by %s", ticket.number, parsed, principal.user_id)
        return ticket_to_proto(ticket, staff=True)

    async def _add_ticket(
        self,
        uow: UnitOfWork,
        *,
        principal: Principal,
        view: ChatView,
        transcript: str,
        subject: str,
        priority: Priority,
        category: str,
    ) -> uuid.UUID:
        chat = view.chat
        ticket_id, message_id = uuid.uuid4(), uuid.uuid4()
        started = chat.create_time.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        description = f"Opened from the live chat of {view.customer_name} started {started}"
        if chat.topic:
            description += f" about: {chat.topic}"
        await uow.tickets.add(
            ticket_id=ticket_id,
            subject=subject,
            description=description + ". The conversation is the first message.",
            priority=int(priority),
            category=category,
            tags=[],
            customer_id=chat.customer_id,
        )
        # Not a change anyone sees: the link is part of the ticket's creation.
        await uow.tickets.update(
            ticket_id=ticket_id, changes={"source_chat_id": chat.id, "assignee_id": principal.user_id}, public=False
        )
        await uow.tickets.add_message(
            message_id=message_id,
            ticket_id=ticket_id,
            author_id=principal.user_id,
            author_role=principal.role.value,
            body=transcript,
            internal=False,
        )
        actor = principal.user_id
        await uow.tickets.add_events(
            events=[
                NewEvent(
                    ticket_id=ticket_id,
                    type="created",
                    actor_id=actor,
                    new_status=Status.OPEN.value,
                    new_priority=int(priority),
                ),
                NewEvent(ticket_id=ticket_id, type="assignee_changed", actor_id=actor, new_assignee_id=actor),
                NewEvent(ticket_id=ticket_id, type="message_added", actor_id=actor, message_id=message_id),
            ]
        )
        return ticket_id


def _default_subject(view: ChatView) -> str:
    topic = view.chat.topic.strip()
    return f"Chat: {topic}"[:200] if topic else f"Chat with {view.customer_name}"[:200]


def transcript(view: ChatView, messages: Sequence[MessageView], *, total: int) -> str:
    """The conversation as plain text, one line per message; the opening part when it is too long."""
    lines = [f"Live chat with {view.customer_name}" + (f" ({view.chat.topic})" if view.chat.topic else ""), ""]
    size = sum(len(line) + 1 for line in lines)
    shown = 0
    for item in messages:
        line = f"[{_clock(item.message.create_time)}] {item.sender_name} ({_ROLE_NAMES[item.sender_role.value]}): "
        line += item.message.body
        # Room kept for the closing note below.
        if size + len(line) + 1 > MAX_TRANSCRIPT - 100:
            break
        lines.append(line)
        size += len(line) + 1
        shown += 1
    if shown < total:
        lines += ["", f"… {total - shown} more message(s) in chat {view.chat.id}."]
    return "\n".join(lines)


def _clock(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
