"""Chat messages: committed with a per-chat, gap-free `seq` before they are acknowledged.

A send locks the chat row, takes `last_seq + 1` and inserts the message in one transaction, so
seqs are assigned in commit order and a reader that sees seq N also sees every seq below it.
A `request_id` is looked up after the lock is taken: concurrent retries of one send queue on the
lock and the later ones find the first one's message (UNIQUE (chat_id, request_id) backs this up).
"""

from __future__ import annotations

import functools
import uuid

from helpdesk.v1 import chat_event_pb2, chat_pb2
from server.chat.convert import message_to_proto
from server.chat.fanout import ChatFanout
from server.chat.rules import ensure_not_ended, ensure_participant, ensure_visible
from server.chat.typing_indicators import TypingIndicators
from server.chat.validation import check_body, check_request_id, parse_chat_id
from server.core.context import Principal
from server.core.errors import AlreadyExists, InvalidArgument, NotFound
from storage.db import Database
from storage.pagination import decode_page_token, encode_page_token, resolve_page_size
from storage.repositories.chat import MessageView, send_message
from storage.unit_of_work import UnitOfWork

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


async def append_message(
    uow: UnitOfWork,
    *,
    chat_id: uuid.UUID,
    principal: Principal,
    body: str,
    request_id: str | None,
    fanout: ChatFanout,
    typing: TypingIndicators,
) -> MessageView:
    """Adds a message to a chat (or returns the one sent earlier with `request_id`).

    One UPDATE locks the chat and takes the next seq; any refusal below raises, which rolls the
    transaction back and gives the seq back. The message reaches streams after commit.
    """
    chat = ensure_visible(await uow.chats.take_next_seq(chat_id=chat_id), principal)
    if request_id is not None:
        # Looked up under the chat's lock: a concurrent retry waited for the first attempt to commit.
        earlier = await uow.chats.find_message_by_request_id(chat_id=chat.id, request_id=request_id)
        if earlier is not None:
            if earlier.sender_id != principal.user_id:
                raise AlreadyExists("another participant's message used this request_id", reason="REQUEST_ID_TAKEN")
            await uow.chats.give_back_seq(chat_id=chat.id)
            return await _view(uow, earlier.chat_id, earlier.seq)
    ensure_participant(chat, principal)
    ensure_not_ended(chat)
    sender = await uow.users.get(user_id=principal.user_id)
    if sender is None:
        raise NotFound("sender not found")
    row = await uow.chats.add_message(
        chat_id=chat.id, seq=chat.last_seq, sender_id=principal.user_id, body=body, request_id=request_id
    )
    view = MessageView(row, sender.display_name, sender.role)
    # The chat's agent counts the customer's messages unread in their list of chats (WatchQueue).
    agent_id = chat.agent_id if chat.agent_id != principal.user_id else None
    uow.after_commit(
        functools.partial(
            deliver, view=view, message=message_to_proto(view), agent_id=agent_id, fanout=fanout, typing=typing
        )
    )
    return view


async def deliver(
    *,
    view: MessageView,
    message: chat_pb2.ChatMessage,
    agent_id: uuid.UUID | None,
    fanout: ChatFanout,
    typing: TypingIndicators,
) -> None:
    """Tells the chat's streams of the committed `message` (and its agent's list, if `agent_id`); clears typing.

    One round trip to Redis for all three; a fourth only if the sender's typing indicator was showing.
    """
    chat_id, sender_id = view.message.chat_id, view.message.sender_id
    event = chat_event_pb2.ChatEvent(message=message)
    if await fanout.publish_message(chat_id, event, agent_id=agent_id, sender_id=sender_id):
        await typing.announce_cleared(chat_id=chat_id, user_id=sender_id)


async def _view(uow: UnitOfWork, chat_id: uuid.UUID, seq: int) -> MessageView:
    views = await uow.chats.list_messages(chat_id=chat_id, after_seq=seq - 1, limit=1)
    return views[0]


class ChatMessages:
    """Sending and listing the messages of a chat."""

    def __init__(self, *, database: Database, fanout: ChatFanout, typing: TypingIndicators) -> None:
        self._database = database
        self._fanout = fanout
        self._typing = typing

    async def send(self, *, principal: Principal, chat_id: str, body: str, request_id: str) -> chat_pb2.ChatMessage:
        """Commits a message and returns it with its `seq` (the original one for a repeated `request_id`)."""
        parsed = parse_chat_id(chat_id, field="chat_id")
        text = check_body(body, field="body")
        key = check_request_id(request_id)
        async with self._database.read_connection() as connection:
            sent = await send_message(
                connection, chat_id=parsed, sender_id=principal.user_id, body=text, request_id=key
            )
        if sent is not None:
            view, agent = sent
            message = message_to_proto(view)
            await deliver(
                view=view,
                message=message,
                agent_id=agent if agent != principal.user_id else None,
                fanout=self._fanout,
                typing=self._typing,
            )
            return message
        # Not the plain case (or a concurrent retry): the general way gives the precise answer.
        async with self._database.unit_of_work() as uow:
            view = await append_message(
                uow,
                chat_id=parsed,
                principal=principal,
                body=text,
                request_id=key,
                fanout=self._fanout,
                typing=self._typing,
            )
        return message_to_proto(view)

    async def list_messages(
        self, *, principal: Principal, chat_id: str, page_size: int, page_token: str, after_seq: int, order_by: str
    ) -> tuple[list[chat_pb2.ChatMessage], str]:
        """A page of messages by seq (or newest first with `seq desc`) and the next page's token."""
        parsed = parse_chat_id(chat_id, field="chat_id")
        size = resolve_page_size(page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        order = " ".join(order_by.split()).lower()
        if order not in ("", "seq", "seq asc", "seq desc"):
            raise InvalidArgument.field("order_by", "must be `seq` or `seq desc`")
        descending = order == "seq desc"
        if after_seq < 0:
            raise InvalidArgument.field("after_seq", "must not be negative")
        filters = {"chat_id": str(parsed), "after_seq": after_seq, "desc": descending}
        position = decode_page_token(page_token, filters=filters)
        cursor: int | None = None
        if position is not None:
            try:
                cursor = int(position[0])
            except (ValueError, IndexError):
                raise InvalidArgument.field("page_token", "is not a page token returned by this method") from None
        async with self._database.unit_of_work() as uow:
            ensure_visible(await uow.chats.get(chat_id=parsed), principal)
            if descending:
                views = await uow.chats.list_messages(
                    chat_id=parsed, after_seq=after_seq, before_seq=cursor, descending=True, limit=size + 1
                )
            else:
                views = await uow.chats.list_messages(
                    chat_id=parsed, after_seq=max(after_seq, cursor or 0), limit=size + 1
                )
        messages = [_for(principal, message_to_proto(v)) for v in views[:size]]
        token = ""
        if len(views) > size:
            token = encode_page_token(position=[str(views[size - 1].message.seq)], filters=filters)
        return messages, token


def _for(principal: Principal, message: chat_pb2.ChatMessage) -> chat_pb2.ChatMessage:
    if message.sender_id != str(principal.user_id):
        message.request_id = ""
    return message
