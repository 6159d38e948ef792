"""CreateTicketFromChat: the transcript as the first message, the customer kept, both linked, made once."""

from __future__ import annotations

import asyncio

import grpc
import grpc.aio
import pytest

from helpdesk.v1 import chat_pb2, chat_service_pb2, ticket_pb2, ticket_service_pb2
from tests.server.assignment.desk_support import Desk
from tests.server.chat.chat_support import reason, send_request
from tests.support import SignedIn, bad_fields


async def _conversation(desk: Desk, customer: SignedIn, agent: SignedIn) -> chat_pb2.Chat:
    """An ACTIVE chat of `customer` with `agent`, three messages in."""
    chat = await desk.start_chat(customer)
    await desk.first.chats.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat.id), metadata=agent.metadata)
    await desk.first.chats.SendChatMessage(send_request(chat.id, "Hi, how can I help?"), metadata=agent.metadata)
    await desk.first.chats.SendChatMessage(send_request(chat.id, "My invoice is wrong."), metadata=customer.metadata)
    return chat


def _request(chat_id: str, **fields: object) -> chat_service_pb2.CreateTicketFromChatRequest:
    return chat_service_pb2.CreateTicketFromChatRequest(id=chat_id, **fields)  # type: ignore[arg-type]


async def test_a_chat_becomes_a_ticket_of_its_customer_with_the_transcript_first(desk: Desk) -> None:
    customer, agent = await desk.customer(), await desk.agent()
    chat = await _conversation(desk, customer, agent)

    ticket = await desk.first.chats.CreateTicketFromChat(
        _request(chat.id, subject="Wrong invoice", priority=ticket_pb2.TICKET_PRIORITY_HIGH, category="billing"),
        metadata=agent.metadata,
    )

    assert (ticket.customer_id, ticket.assignee_id, ticket.source_chat_id) == (customer.user_id, agent.user_id, chat.id)
    assert (ticket.subject, ticket.priority, ticket.category) == (
        "Wrong invoice",
        ticket_pb2.TICKET_PRIORITY_HIGH,
        "billing",
    )
    assert ticket.status == ticket_pb2.TICKET_STATUS_OPEN
    assert (await desk.chat(chat.id)).ticket_id == ticket.id
    # The customer sees the ticket and the conversation in it, in order.
    messages = await desk.first.tickets.ListTicketMessages(
        ticket_service_pb2.ListTicketMessagesRequest(ticket_id=ticket.id), metadata=customer.metadata
    )
    (first,) = messages.messages
    lines = first.body.splitlines()
    assert [line.split("] ", 1)[1] for line in lines if line.startswith("[")] == [
        "Test Customer (customer): Hello?",
        "Test agent (agent): Hi, how can I help?",
        "Test Customer (customer): My invoice is wrong.",
    ]
    assert not first.internal


async def test_making_it_again_returns_the_same_ticket_even_at_once_on_two_replicas(desk: Desk) -> None:
    customer, agent, colleague = await desk.customer(), await desk.agent(), await desk.agent()
    chat = await _conversation(desk, customer, agent)

    made = await asyncio.gather(
        *(
            desk.replicas[i % 2].chats.CreateTicketFromChat(_request(chat.id), metadata=who.metadata)
            for i, who in enumerate((agent, colleague, agent, desk.admin))
        )
    )

    assert len({ticket.id for ticket in made}) == 1
    listed = await desk.first.tickets.ListTickets(
        ticket_service_pb2.ListTicketsRequest(customer_id=customer.user_id), metadata=desk.admin.metadata
    )
    assert [t.id for t in listed.tickets] == [made[0].id]
    # The default subject comes from the chat's topic.
    assert made[0].subject == "Chat: Help"


async def test_after_the_chat_ended_too_but_not_before_anything_was_said(desk: Desk) -> None:
    customer, agent = await desk.customer(), await desk.agent()
    chat = await _conversation(desk, customer, agent)
    await desk.first.chats.EndChat(chat_service_pb2.EndChatRequest(id=chat.id), metadata=customer.metadata)
    ticket = await desk.first.chats.CreateTicketFromChat(_request(chat.id), metadata=agent.metadata)
    assert ticket.source_chat_id == chat.id

    silent = await desk.first.chats.StartChat(
        chat_service_pb2.StartChatRequest(), metadata=(await desk.customer()).metadata
    )
    with pytest.raises(grpc.aio.AioRpcError) as empty:
        await desk.first.chats.CreateTicketFromChat(_request(silent.chat.id), metadata=agent.metadata)
    assert (empty.value.code(), reason(empty.value)) == (grpc.StatusCode.FAILED_PRECONDITION, "CHAT_HAS_NO_MESSAGES")


async def test_a_long_conversation_keeps_its_opening_and_says_what_is_left_out(desk: Desk) -> None:
    customer, agent = await desk.customer(), await desk.agent()
    chat = await _conversation(desk, customer, agent)
    for i in range(8):
        await desk.first.chats.SendChatMessage(send_request(chat.id, f"{i} " + "x" * 3990), metadata=customer.metadata)

    ticket = await desk.first.chats.CreateTicketFromChat(_request(chat.id), metadata=agent.metadata)

    messages = await desk.first.tickets.ListTicketMessages(
        ticket_service_pb2.ListTicketMessagesRequest(ticket_id=ticket.id), metadata=agent.metadata
    )
    body = messages.messages[0].body
    assert len(body) <= 20_000
    assert "My invoice is wrong." in body
    assert body.endswith(f"… 4 more message(s) in chat {chat.id}.")


async def test_a_missing_chat_is_not_found_and_bad_fields_are_named(desk: Desk) -> None:
    agent = await desk.agent()
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await desk.first.chats.CreateTicketFromChat(
            _request("00000000-0000-4000-8000-000000000000"), metadata=agent.metadata
        )
    assert missing.value.code() is grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await desk.first.chats.CreateTicketFromChat(
            _request("nope", subject="x" * 201, category="y" * 65), metadata=agent.metadata
        )
    assert bad_fields(bad.value) == {"id", "subject", "category"}
