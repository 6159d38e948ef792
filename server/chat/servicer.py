"""ChatService over gRPC: protobuf in, domain call, protobuf out. No SQL, no Redis, no rules here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc

from helpdesk.v1 import agent_pb2, chat_event_pb2, chat_pb2, chat_service_pb2, chat_service_pb2_grpc, ticket_pb2
from server.chat.convert import STATE_FROM_PROTO
from server.chat.hooks import TicketFromChat
from server.chat.wiring import LiveChat
from server.core.context import require_principal
from server.core.errors import InvalidArgument
from storage.models import ChatState

Context = grpc.aio.ServicerContext[Any, Any]


def _states(values: list[int]) -> list[ChatState]:
    states = []
    for value in values:
        state = STATE_FROM_PROTO.get(chat_pb2.ChatStatus.ValueType(value))
        if state is None:
            raise InvalidArgument.field("statuses", f"unknown chat status {value}")
        states.append(state)
    return states


class ChatServicer(chat_service_pb2_grpc.ChatServiceServicer):
    """Transport for live chat."""

    def __init__(self, *, chat: LiveChat, tickets: TicketFromChat) -> None:
        self._chat = chat
        self._tickets = tickets

    async def StartChat(
        self, request: chat_service_pb2.StartChatRequest, context: Context
    ) -> chat_service_pb2.StartChatResponse:
        """Starts a chat or returns the customer's open one."""
        chat, created, message = await self._chat.sessions.start(
            principal=require_principal(), topic=request.topic, message=request.message, request_id=request.request_id
        )
        return chat_service_pb2.StartChatResponse(chat=chat, created=created, message=message)

    async def GetChat(self, request: chat_service_pb2.GetChatRequest, context: Context) -> chat_pb2.Chat:
        """Returns one chat."""
        return await self._chat.sessions.get(principal=require_principal(), chat_id=request.id)

    async def ListChats(
        self, request: chat_service_pb2.ListChatsRequest, context: Context
    ) -> chat_service_pb2.ListChatsResponse:
        """Lists chats."""
        chats, token = await self._chat.sessions.list_chats(
            principal=require_principal(),
            page_size=request.page_size,
            page_token=request.page_token,
            statuses=_states(list(request.statuses)),
            agent_id=request.agent_id,
            customer_id=request.customer_id,
            order_by=request.order_by,
        )
        return chat_service_pb2.ListChatsResponse(chats=chats, next_page_token=token)

    async def AcceptChat(self, request: chat_service_pb2.AcceptChatRequest, context: Context) -> chat_pb2.Chat:
        """Takes a waiting chat."""
        return await self._chat.sessions.accept(principal=require_principal(), chat_id=request.id)

    async def TransferChat(self, request: chat_service_pb2.TransferChatRequest, context: Context) -> chat_pb2.Chat:
        """Hands a chat to another agent."""
        return await self._chat.sessions.transfer(
            principal=require_principal(), chat_id=request.id, agent_id=request.agent_id
        )

    async def EndChat(self, request: chat_service_pb2.EndChatRequest, context: Context) -> chat_pb2.Chat:
        """Ends a chat."""
        return await self._chat.sessions.end(principal=require_principal(), chat_id=request.id)

    async def RateChat(self, request: chat_service_pb2.RateChatRequest, context: Context) -> chat_pb2.Chat:
        """Rates an ended chat."""
        return await self._chat.sessions.rate(
            principal=require_principal(), chat_id=request.id, rating=request.rating, feedback=request.feedback
        )

    async def SendChatMessage(
        self, request: chat_service_pb2.SendChatMessageRequest, context: Context
    ) -> chat_pb2.ChatMessage:
        """Sends a message."""
        return await self._chat.messages.send(
            principal=require_principal(), chat_id=request.chat_id, body=request.body, request_id=request.request_id
        )

    async def ListChatMessages(
        self, request: chat_service_pb2.ListChatMessagesRequest, context: Context
    ) -> chat_service_pb2.ListChatMessagesResponse:
        """Lists a chat's messages by seq."""
        messages, token = await self._chat.messages.list_messages(
            principal=require_principal(),
            chat_id=request.chat_id,
            page_size=request.page_size,
            page_token=request.page_token,
            after_seq=request.after_seq,
            order_by=request.order_by,
        )
        return chat_service_pb2.ListChatMessagesResponse(messages=messages, next_page_token=token)

    async def StreamChat(
        self, request: chat_service_pb2.StreamChatRequest, context: Context
    ) -> AsyncIterator[chat_event_pb2.ChatEvent]:
        """Follows a chat: replay after `after_seq`, then live."""
        async for event in self._chat.streams.stream(
            principal=require_principal(), chat_id=request.chat_id, after_seq=request.after_seq
        ):
            yield event

    async def Converse(
        self, request_iterator: AsyncIterator[chat_service_pb2.ConverseRequest], context: Context
    ) -> AsyncIterator[chat_event_pb2.ChatEvent]:
        """A chat on one bidirectional stream."""
        async for event in self._chat.streams.converse(principal=require_principal(), requests=request_iterator):
            yield event

    async def SetTyping(
        self, request: chat_service_pb2.SetTypingRequest, context: Context
    ) -> chat_event_pb2.TypingIndicator:
        """Shows or clears the caller's typing indicator."""
        return await self._chat.sessions.set_typing(
            principal=require_principal(), chat_id=request.chat_id, typing=request.typing
        )

    async def MarkRead(self, request: chat_service_pb2.MarkReadRequest, context: Context) -> chat_event_pb2.ReadReceipt:
        """Records a read receipt."""
        return await self._chat.sessions.mark_read(
            principal=require_principal(), chat_id=request.chat_id, last_read_seq=request.last_read_seq
        )

    async def WatchQueue(
        self, request: chat_service_pb2.WatchQueueRequest, context: Context
    ) -> AsyncIterator[chat_event_pb2.QueueEvent]:
        """Follows the queue of waiting chats."""
        async for event in self._chat.queue.watch(principal=require_principal()):
            yield event

    async def SetAvailability(
        self, request: chat_service_pb2.SetAvailabilityRequest, context: Context
    ) -> agent_pb2.Agent:
        """Sets the caller's availability."""
        return await self._chat.presence.set_availability(
            principal=require_principal(), availability=request.availability
        )

    async def CreateTicketFromChat(
        self, request: chat_service_pb2.CreateTicketFromChatRequest, context: Context
    ) -> ticket_pb2.Ticket:
        """Turns a chat into a ticket (once)."""
        return await self._tickets.create_ticket(
            principal=require_principal(),
            chat_id=request.id,
            subject=request.subject,
            priority=request.priority,
            category=request.category,
        )

    async def ListAgents(
        self, request: chat_service_pb2.ListAgentsRequest, context: Context
    ) -> chat_service_pb2.ListAgentsResponse:
        """Lists agents with presence and load."""
        agents, token = await self._chat.presence.list_agents(
            page_size=request.page_size, page_token=request.page_token, availabilities=list(request.availabilities)
        )
        return chat_service_pb2.ListAgentsResponse(agents=agents, next_page_token=token)
