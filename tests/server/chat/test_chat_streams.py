"""StreamChat, Converse, typing, read receipts, WatchQueue, presence and transfer through the real server."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any

import grpc
import grpc.aio
import pytest

from helpdesk.v1 import (
    agent_pb2,
    auth_service_pb2_grpc,
    chat_event_pb2,
    chat_pb2,
    chat_service_pb2,
    chat_service_pb2_grpc,
)
from server.app import HelpdeskApp
from server.core.context import Role
from tests.server.chat.chat_support import next_event, reason, send_request
from tests.support import SignedIn, register, sign_in_as

if TYPE_CHECKING:
    Stub = chat_service_pb2_grpc.ChatServiceAsyncStub


async def _active_chat(
    app: HelpdeskApp, stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> tuple[str, SignedIn, SignedIn]:
    customer = await register(auth_stub)
    agent = await sign_in_as(app, auth_stub, Role.AGENT)
    chat = (await stub.StartChat(chat_service_pb2.StartChatRequest(topic="t"), metadata=customer.metadata)).chat
    await stub.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat.id), metadata=agent.metadata)
    return chat.id, customer, agent


async def test_conversation_typing_receipts_end(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    chat_id, customer, agent = await _active_chat(app, chat_stub, auth_stub)
    customer_stream = chat_stub.StreamChat(
        chat_service_pb2.StreamChatRequest(chat_id=chat_id), metadata=customer.metadata
    )
    agent_stream = chat_stub.StreamChat(chat_service_pb2.StreamChatRequest(chat_id=chat_id), metadata=agent.metadata)
    await asyncio.sleep(0.3)

    await chat_stub.SetTyping(chat_service_pb2.SetTypingRequest(chat_id=chat_id, typing=True), metadata=agent.metadata)
    typing = await next_event(customer_stream, kind="typing")
    assert typing.typing.user_id == agent.user_id
    assert typing.typing.typing
    assert typing.typing.HasField("expire_time")

    key = str(uuid.uuid4())
    await chat_stub.SendChatMessage(send_request(chat_id, "Hello from the agent", key), metadata=agent.metadata)
    seen_by_customer = await next_event(customer_stream, kind="message")
    assert seen_by_customer.message.body == "Hello from the agent"
    assert seen_by_customer.message.seq == 1
    assert seen_by_customer.message.request_id == ""
    seen_by_agent = await next_event(agent_stream, kind="message")
    assert seen_by_agent.message.request_id == key
    # Sending clears the sender's typing indicator.
    cleared = await next_event(customer_stream, kind="typing")
    assert not cleared.typing.typing

    receipt = await chat_stub.MarkRead(
        chat_service_pb2.MarkReadRequest(chat_id=chat_id, last_read_seq=1), metadata=customer.metadata
    )
    assert receipt.last_read_seq == 1
    read = await next_event(agent_stream, kind="read_receipt")
    assert read.read_receipt.user_id == customer.user_id
    assert read.read_receipt.last_read_seq == 1
    lower = await chat_stub.MarkRead(
        chat_service_pb2.MarkReadRequest(chat_id=chat_id, last_read_seq=0), metadata=customer.metadata
    )
    assert lower.last_read_seq == 1
    with pytest.raises(grpc.aio.AioRpcError) as beyond:
        await chat_stub.MarkRead(
            chat_service_pb2.MarkReadRequest(chat_id=chat_id, last_read_seq=5), metadata=customer.metadata
        )
    assert beyond.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    got = await chat_stub.GetChat(chat_service_pb2.GetChatRequest(id=chat_id), metadata=agent.metadata)
    assert got.customer_last_read_seq == 1
    assert got.agent_last_read_seq == 0

    await chat_stub.EndChat(chat_service_pb2.EndChatRequest(id=chat_id), metadata=customer.metadata)
    for stream in (customer_stream, agent_stream):
        change = await next_event(stream, kind="status_change")
        assert change.status_change.chat.status == chat_pb2.CHAT_STATUS_ENDED
        assert change.status_change.previous_status == chat_pb2.CHAT_STATUS_ACTIVE
        async with asyncio.timeout(5):
            assert await stream.read() is grpc.aio.EOF


async def test_replay_then_live_without_gap_or_duplicate(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    chat_id, customer, agent = await _active_chat(app, chat_stub, auth_stub)
    for i in range(5):
        await chat_stub.SendChatMessage(send_request(chat_id, f"before {i}"), metadata=customer.metadata)
    stream = chat_stub.StreamChat(
        chat_service_pb2.StreamChatRequest(chat_id=chat_id, after_seq=2), metadata=agent.metadata
    )
    sender = asyncio.gather(
        *(
            chat_stub.SendChatMessage(send_request(chat_id, f"during {i}"), metadata=customer.metadata)
            for i in range(20)
        )
    )
    seqs = [(await next_event(stream, kind="message")).message.seq for _ in range(23)]
    await sender
    assert seqs == list(range(3, 26))
    stream.cancel()


async def test_heartbeats_keep_an_idle_stream_alive(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    chat_id, customer, _ = await _active_chat(app, chat_stub, auth_stub)
    stream = chat_stub.StreamChat(chat_service_pb2.StreamChatRequest(chat_id=chat_id), metadata=customer.metadata)
    beat = await next_event(stream, kind="heartbeat", within=10)
    assert beat.heartbeat.HasField("server_time")
    stream.cancel()


async def test_strangers_cannot_stream_send_read_or_rate(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    chat_id, _, _ = await _active_chat(app, chat_stub, auth_stub)
    stranger = await register(auth_stub)
    calls: list[Any] = [
        chat_stub.GetChat(chat_service_pb2.GetChatRequest(id=chat_id), metadata=stranger.metadata),
        chat_stub.SendChatMessage(send_request(chat_id, "hi"), metadata=stranger.metadata),
        chat_stub.ListChatMessages(
            chat_service_pb2.ListChatMessagesRequest(chat_id=chat_id), metadata=stranger.metadata
        ),
        chat_stub.RateChat(chat_service_pb2.RateChatRequest(id=chat_id, rating=1), metadata=stranger.metadata),
        chat_stub.EndChat(chat_service_pb2.EndChatRequest(id=chat_id), metadata=stranger.metadata),
        chat_stub.SetTyping(
            chat_service_pb2.SetTypingRequest(chat_id=chat_id, typing=True), metadata=stranger.metadata
        ),
        chat_stub.MarkRead(chat_service_pb2.MarkReadRequest(chat_id=chat_id), metadata=stranger.metadata),
    ]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as denied:
            await call
        assert denied.value.code() is grpc.StatusCode.NOT_FOUND
    stream = chat_stub.StreamChat(chat_service_pb2.StreamChatRequest(chat_id=chat_id), metadata=stranger.metadata)
    with pytest.raises(grpc.aio.AioRpcError) as streamed:
        await stream.read()
    assert streamed.value.code() is grpc.StatusCode.NOT_FOUND


async def test_converse_join_send_typing_mark_read(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    chat_id, customer, agent = await _active_chat(app, chat_stub, auth_stub)
    await chat_stub.SendChatMessage(send_request(chat_id, "earlier"), metadata=customer.metadata)
    call = chat_stub.Converse(metadata=agent.metadata)
    await call.write(chat_service_pb2.ConverseRequest(join=chat_service_pb2.ConverseRequest.Join(chat_id=chat_id)))
    replayed = await next_event(call, kind="message")
    assert replayed.message.body == "earlier"
    key = str(uuid.uuid4())
    await call.write(
        chat_service_pb2.ConverseRequest(
            send=chat_service_pb2.ConverseRequest.Send(body="on the stream", request_id=key)
        )
    )
    mine = await next_event(call, kind="message")
    assert mine.message.seq == 2
    assert mine.message.request_id == key
    assert mine.message.sender_id == agent.user_id
    await call.write(chat_service_pb2.ConverseRequest(typing=chat_service_pb2.ConverseRequest.Typing(typing=True)))
    assert (await next_event(call, kind="typing")).typing.user_id == agent.user_id
    await call.write(
        chat_service_pb2.ConverseRequest(mark_read=chat_service_pb2.ConverseRequest.MarkRead(last_read_seq=2))
    )
    assert (await next_event(call, kind="read_receipt")).read_receipt.last_read_seq == 2
    # A refused action ends the stream with the unary method's error.
    await call.write(chat_service_pb2.ConverseRequest(send=chat_service_pb2.ConverseRequest.Send(body="  ")))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await next_event(call, kind="message")
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT


async def test_converse_must_join_first(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    _, _, agent = await _active_chat(app, chat_stub, auth_stub)
    call = chat_stub.Converse(metadata=agent.metadata)
    await call.write(chat_service_pb2.ConverseRequest(typing=chat_service_pb2.ConverseRequest.Typing(typing=True)))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call.read()
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT


async def test_watch_queue_snapshot_then_changes(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    agent = await sign_in_as(app, auth_stub, Role.AGENT)
    customer = await register(auth_stub)
    queue = chat_stub.WatchQueue(chat_service_pb2.WatchQueueRequest(), metadata=agent.metadata)
    first = await queue.read()
    assert isinstance(first, chat_event_pb2.QueueEvent)
    assert first.WhichOneof("event") == "snapshot"
    chat = (await chat_stub.StartChat(chat_service_pb2.StartChatRequest(), metadata=customer.metadata)).chat
    async with asyncio.timeout(10):
        while True:
            event = await queue.read()
            assert isinstance(event, chat_event_pb2.QueueEvent)
            if event.WhichOneof("event") == "chat_added" and event.chat_added.id == chat.id:
                break
    await chat_stub.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat.id), metadata=agent.metadata)
    async with asyncio.timeout(10):
        while True:
            event = await queue.read()
            assert isinstance(event, chat_event_pb2.QueueEvent)
            if event.WhichOneof("event") == "chat_removed" and event.chat_removed.id == chat.id:
                assert event.chat_removed.status == chat_pb2.CHAT_STATUS_ACTIVE
                break
    queue.cancel()
    customer_queue = chat_stub.WatchQueue(chat_service_pb2.WatchQueueRequest(), metadata=customer.metadata)
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await customer_queue.read()
    assert denied.value.code() is grpc.StatusCode.PERMISSION_DENIED


async def test_availability_presence_and_load(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    _chat_id, _, agent = await _active_chat(app, chat_stub, auth_stub)
    me = await chat_stub.SetAvailability(
        chat_service_pb2.SetAvailabilityRequest(availability=agent_pb2.AGENT_AVAILABILITY_ONLINE),
        metadata=agent.metadata,
    )
    assert me.availability == agent_pb2.AGENT_AVAILABILITY_ONLINE
    assert me.HasField("availability_expire_time")
    assert me.active_chat_count == 1
    online = await chat_stub.ListAgents(
        chat_service_pb2.ListAgentsRequest(availabilities=[agent_pb2.AGENT_AVAILABILITY_ONLINE]),
        metadata=agent.metadata,
    )
    assert agent.user_id in {a.id for a in online.agents}
    everyone = await chat_stub.ListAgents(chat_service_pb2.ListAgentsRequest(page_size=200), metadata=agent.metadata)
    ranks = [a.availability for a in everyone.agents]
    assert ranks == sorted(ranks)
    off = await chat_stub.SetAvailability(
        chat_service_pb2.SetAvailabilityRequest(availability=agent_pb2.AGENT_AVAILABILITY_OFFLINE),
        metadata=agent.metadata,
    )
    assert off.availability == agent_pb2.AGENT_AVAILABILITY_OFFLINE
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await chat_stub.SetAvailability(chat_service_pb2.SetAvailabilityRequest(), metadata=agent.metadata)
    assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT


async def test_transfer_to_another_agent(
    app: HelpdeskApp, chat_stub: Stub, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub
) -> None:
    chat_id, customer, agent = await _active_chat(app, chat_stub, auth_stub)
    colleague = await sign_in_as(app, auth_stub, Role.AGENT)
    stream = chat_stub.StreamChat(chat_service_pb2.StreamChatRequest(chat_id=chat_id), metadata=customer.metadata)
    await asyncio.sleep(0.3)
    with pytest.raises(grpc.aio.AioRpcError) as not_theirs:
        await chat_stub.TransferChat(
            chat_service_pb2.TransferChatRequest(id=chat_id, agent_id=colleague.user_id), metadata=colleague.metadata
        )
    assert not_theirs.value.code() is grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as to_customer:
        await chat_stub.TransferChat(
            chat_service_pb2.TransferChatRequest(id=chat_id, agent_id=customer.user_id), metadata=agent.metadata
        )
    assert to_customer.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    moved = await chat_stub.TransferChat(
        chat_service_pb2.TransferChatRequest(id=chat_id, agent_id=colleague.user_id), metadata=agent.metadata
    )
    assert moved.agent_id == colleague.user_id
    change = await next_event(stream, kind="agent_change")
    assert change.agent_change.previous_agent_id == agent.user_id
    assert change.agent_change.chat.agent_id == colleague.user_id
    await chat_stub.SendChatMessage(send_request(chat_id, "I take over"), metadata=colleague.metadata)
    with pytest.raises(grpc.aio.AioRpcError) as former:
        await chat_stub.SendChatMessage(send_request(chat_id, "me?"), metadata=agent.metadata)
    assert reason(former.value) == "NOT_A_PARTICIPANT"
    stream.cancel()
