"""Automatic chat assignment: the longest-waiting chat to an ONLINE agent below their limit, one winner always."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import grpc.aio

from helpdesk.v1 import agent_pb2, chat_event_pb2, chat_pb2, chat_service_pb2
from tests.server.assignment.desk_support import Desk, shares
from tests.server.chat.chat_support import reason

ACTIVE, WAITING = chat_pb2.CHAT_STATUS_ACTIVE, chat_pb2.CHAT_STATUS_WAITING


async def next_event(stream: Any) -> chat_event_pb2.QueueEvent:
    """The next queue event that is not a heartbeat."""
    while True:
        event: chat_event_pb2.QueueEvent = await stream.read()
        if event.WhichOneof("event") != "heartbeat":
            return event


async def test_the_longest_waiting_chat_goes_first_and_the_limit_holds(desk: Desk) -> None:
    agent = await desk.agent()
    await desk.online(agent)
    await desk.limit(agent, chat_limit=1)
    await desk.configure(chats_enabled=True)
    customers = [await desk.customer() for _ in range(3)]

    chats = [await desk.start_chat(customer, replica=i % 2) for i, customer in enumerate(customers)]

    first, second, third = await desk.chats(chats)
    assert (first.status, first.agent_id) == (ACTIVE, agent.user_id)
    assert (second.status, third.status) == (WAITING, WAITING)
    # Ending the chat frees the agent: the next longest-waiting chat is theirs at once.
    await desk.first.chats.EndChat(chat_service_pb2.EndChatRequest(id=first.id), metadata=agent.metadata)
    first, second, third = await desk.chats(chats)
    assert (second.status, second.agent_id, third.status) == (ACTIVE, agent.user_id, WAITING)


async def test_chats_started_at_once_on_two_replicas_fill_every_limit_exactly(desk: Desk) -> None:
    agents = [await desk.agent() for _ in range(2)]
    await desk.online(*agents)
    await desk.configure(chats_enabled=True, default_chat_limit=2)
    customers = await asyncio.gather(*(desk.customer() for _ in range(7)))

    chats = await asyncio.gather(*(desk.start_chat(c, replica=i % 2) for i, c in enumerate(customers)))

    now = await desk.chats(chats)
    assert shares(now, field_name="agent_id") == {agents[0].user_id: 2, agents[1].user_id: 2, "": 3}
    assert {chat.status for chat in now if chat.agent_id} == {ACTIVE}


async def test_an_agent_racing_automatic_assignment_either_wins_or_is_told_it_lost(desk: Desk) -> None:
    automatic, racer = await desk.agent(), await desk.agent()
    await desk.configure(chats_enabled=True, default_chat_limit=50)
    customers = await asyncio.gather(*(desk.customer() for _ in range(8)))
    chats = await asyncio.gather(*(desk.start_chat(c, replica=i % 2) for i, c in enumerate(customers)))
    assert {chat.status for chat in await desk.chats(chats)} == {WAITING}

    async def accept(chat: chat_pb2.Chat, replica: int) -> grpc.aio.AioRpcError | None:
        try:
            await desk.replicas[replica].chats.AcceptChat(
                chat_service_pb2.AcceptChatRequest(id=chat.id), metadata=racer.metadata
            )
        except grpc.aio.AioRpcError as error:
            return error
        return None

    _, *outcomes = await asyncio.gather(
        desk.set_availability(automatic, agent_pb2.AGENT_AVAILABILITY_ONLINE, replica=1),
        *(accept(chat, i % 2) for i, chat in enumerate(chats)),
    )

    for chat, error in zip(await desk.chats(chats), outcomes, strict=True):
        assert not isinstance(error, agent_pb2.Agent)
        assert chat.status == ACTIVE
        if error is None:
            assert chat.agent_id == racer.user_id
        else:
            assert (error.code(), reason(error)) == (grpc.StatusCode.FAILED_PRECONDITION, "CHAT_ALREADY_ACCEPTED")
            assert chat.agent_id == automatic.user_id


async def test_waiting_chats_go_to_an_agent_who_comes_online_and_the_queue_says_so(desk: Desk) -> None:
    away = await desk.agent()
    await desk.set_availability(away, agent_pb2.AGENT_AVAILABILITY_AWAY)
    await desk.configure(chats_enabled=True)
    chat = await desk.start_chat(await desk.customer())
    assert (await desk.chat(chat.id)).status == WAITING

    agent = await desk.agent()
    queue = desk.first.chats.WatchQueue(chat_service_pb2.WatchQueueRequest(), metadata=agent.metadata)
    async with asyncio.timeout(10):
        snapshot = await next_event(queue)
        assert [c.id for c in snapshot.snapshot.chats] == [chat.id]
        assert list((await next_event(queue)).my_chats.chats) == []
        await desk.set_availability(agent, agent_pb2.AGENT_AVAILABILITY_ONLINE, replica=1)
        removed = await next_event(queue)
        mine = await next_event(queue)
    queue.cancel()

    # The agent learns from the queue that the chat went to them, and their own list has it.
    assert (removed.chat_removed.id, removed.chat_removed.agent_id) == (chat.id, agent.user_id)
    assert [c.id for c in mine.my_chats.chats] == [chat.id]
    assert (await desk.chat(chat.id)).agent_id == agent.user_id
