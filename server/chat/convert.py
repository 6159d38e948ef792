"""Chat rows -> protobuf messages. Events travel between replicas as these messages, so the domain builds them."""

from __future__ import annotations

import uuid
from datetime import datetime

from google.protobuf import timestamp_pb2

from helpdesk.v1 import chat_event_pb2, chat_pb2, user_pb2
from server.core.context import Role
from server.core.timestamps import to_timestamp
from storage.models import ChatState
from storage.repositories.chat import ChatView, MessageView

STATE_TO_PROTO = {
    ChatState.WAITING: chat_pb2.CHAT_STATUS_WAITING,
    ChatState.ACTIVE: chat_pb2.CHAT_STATUS_ACTIVE,
    ChatState.ENDED: chat_pb2.CHAT_STATUS_ENDED,
}
STATE_FROM_PROTO = {value: key for key, value in STATE_TO_PROTO.items()}
ROLE_TO_PROTO = {
    Role.CUSTOMER: user_pb2.ROLE_CUSTOMER,
    Role.AGENT: user_pb2.ROLE_AGENT,
    Role.ADMIN: user_pb2.ROLE_ADMIN,
}


def stamp(value: datetime) -> timestamp_pb2.Timestamp:
    """A protobuf Timestamp for an aware datetime."""
    result = timestamp_pb2.Timestamp()
    result.FromDatetime(value)
    return result


def chat_to_proto(view: ChatView, *, queue_position: int = 0) -> chat_pb2.Chat:
    """The API view of a chat."""
    chat = view.chat
    message = chat_pb2.Chat(
        id=str(chat.id),
        status=STATE_TO_PROTO[chat.status],
        customer_id=str(chat.customer_id),
        customer_display_name=view.customer_name,
        agent_id=str(chat.agent_id) if chat.agent_id else "",
        agent_display_name=view.agent_name if chat.agent_id else "",
        topic=chat.topic,
        queue_position=queue_position,
        last_seq=chat.last_seq,
        customer_last_read_seq=chat.customer_last_read_seq,
        agent_last_read_seq=chat.agent_last_read_seq,
        rating=chat.rating or 0,
        feedback=chat.feedback or "",
        ended_by_id=str(chat.ended_by_id) if chat.ended_by_id else "",
        ticket_id=str(chat.ticket_id) if chat.ticket_id else "",
    )
    message.create_time.FromDatetime(chat.create_time)
    message.update_time.FromDatetime(chat.update_time)
    for name in ("accept_time", "end_time", "rate_time"):
        value = getattr(chat, name)
        if value is not None:
            getattr(message, name).FromDatetime(value)
    return message


def message_to_proto(view: MessageView) -> chat_pb2.ChatMessage:
    """A message as its sender sees it (with `request_id`); see `for_viewer`."""
    row = view.message
    message = chat_pb2.ChatMessage(
        id=str(row.id),
        chat_id=str(row.chat_id),
        seq=row.seq,
        sender_id=str(row.sender_id),
        sender_display_name=view.sender_name,
        sender_role=ROLE_TO_PROTO[view.sender_role],
        body=row.body,
        request_id=row.request_id or "",
        # Built by arithmetic: Timestamp.FromDatetime costs several times more, on every message sent.
        create_time=to_timestamp(row.create_time),
    )
    return message


def for_viewer(message: chat_pb2.ChatMessage, viewer_id: uuid.UUID) -> chat_pb2.ChatMessage:
    """The message as `viewer_id` may see it: `request_id` is shown to its sender only."""
    if not message.request_id or message.sender_id == str(viewer_id):
        return message
    copy = chat_pb2.ChatMessage()
    copy.CopyFrom(message)
    copy.request_id = ""
    return copy


def event_for_viewer(event: chat_event_pb2.ChatEvent, viewer_id: uuid.UUID) -> chat_event_pb2.ChatEvent:
    """A stream event as `viewer_id` may see it."""
    if event.WhichOneof("event") != "message":
        return event
    message = for_viewer(event.message, viewer_id)
    return event if message is event.message else chat_event_pb2.ChatEvent(message=message)
