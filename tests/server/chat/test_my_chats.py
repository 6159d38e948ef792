"""WatchQueue's `my_chats`: an agent's own ACTIVE chats, live across replicas, caught up on reconnect.

A chat handed over on one replica reaches the receiving agent's stream on another; the list is
always whole, so a reconnecting agent has caught up with its first two events; nobody sees
another agent's list; and a change made while Redis is down still arrives (by resync).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
import grpc.aio
import pytest

from devstack.redis import EmbeddedRedis
from helpdesk.v1 import auth_service_pb2_grpc, chat_event_pb2, chat_pb2, chat_service_pb2, chat_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role
from server.settings import Settings
from tests.server.chat.chat_support import replica, send_request
from tests.support import SignedIn, register, sign_in_as

if TYPE_CHECKING:
    Stub = chat_service_pb2_grpc.ChatServiceAsyncStub


def _watch(stub: Stub, user: SignedIn) -> Any:
    return stub.WatchQueue(chat_service_pb2.WatchQueueRequest(), metadata=user.metadata)


async def _next_my_chats(stream: Any, *, within: float = 10.0) -> list[chat_pb2.Chat]:
    """The chats of the stream's next `my_chats` event (other events skipped)."""
    async with asyncio.timeout(within):
        while True:
            event = await stream.read()
            assert event is not grpc.aio.EOF, "stream ended"
            assert isinstance(event, chat_event_pb2.QueueEvent)
            if event.WhichOneof("event") == "my_chats":
                return list(event.my_chats.chats)


async def _opening(stream: Any) -> list[chat_pb2.Chat]:
    """Reads the stream's first two events, the queue's snapshot and then the caller's chats."""
    first = await stream.read()
    assert first.WhichOneof("event") == "snapshot"
    second = await stream.read()
    assert second.WhichOneof("event") == "my_chats"
    return list(second.my_chats.chats)


async def _accepted_chat(stub: Stub, customer: SignedIn, agent: SignedIn) -> str:
    chat = (await stub.StartChat(chat_service_pb2.StartChatRequest(topic="refund"), metadata=customer.metadata)).chat
    await stub.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat.id), metadata=agent.metadata)
    return str(chat.id)


@dataclass
class Replicas:
    """Two replicas' chat stubs; a customer's chat that Ana accepted on A; Bruno, another agent."""

    auth: auth_service_pb2_grpc.AuthServiceAsyncStub
    on_a: Stub
    on_b: Stub
    customer: SignedIn
    ana: SignedIn
    bruno: SignedIn
    chat_id: str


async def _chat_on_two_replicas(
    app_a: HelpdeskApp, channel_a: grpc.aio.Channel, channel_b: grpc.aio.Channel
) -> Replicas:
    auth = auth_service_pb2_grpc.AuthServiceStub(channel_a)
    on_a = chat_service_pb2_grpc.ChatServiceStub(channel_a)
    customer = await register(auth)
    ana = await sign_in_as(app_a, auth, Role.AGENT)
    bruno = await sign_in_as(app_a, auth, Role.AGENT)
    chat_id = await _accepted_chat(on_a, customer, ana)
    return Replicas(auth, on_a, chat_service_pb2_grpc.ChatServiceStub(channel_b), customer, ana, bruno, chat_id)


@pytest.fixture
async def replicas(app: HelpdeskApp, channel: grpc.aio.Channel, settings: Settings) -> AsyncIterator[Replicas]:
    """The module's server (A) and another replica (B) on the same PostgreSQL and Redis, with Ana's chat."""
    async with replica(settings) as (_, other_channel):
        yield await _chat_on_two_replicas(app, channel, other_channel)


async def test_a_transfer_on_one_replica_reaches_the_receiving_agent_on_another(replicas: Replicas) -> None:
    on_a, on_b, customer, ana, bruno = replicas.on_a, replicas.on_b, replicas.customer, replicas.ana, replicas.bruno
    chat_id = replicas.chat_id
    ana_watch = _watch(on_a, ana)
    bruno_watch = _watch(on_b, bruno)
    assert [chat.id for chat in await _opening(ana_watch)] == [chat_id]
    assert await _opening(bruno_watch) == []

    await on_a.TransferChat(
        chat_service_pb2.TransferChatRequest(id=chat_id, agent_id=bruno.user_id), metadata=ana.metadata
    )
    [handed] = await _next_my_chats(bruno_watch)
    assert (handed.id, handed.agent_id, handed.status) == (chat_id, bruno.user_id, chat_pb2.CHAT_STATUS_ACTIVE)
    assert await _next_my_chats(ana_watch) == []

    # The list keeps what the console counts unread: the customer's messages and the agent's receipt.
    await on_a.SendChatMessage(send_request(chat_id, "still there?"), metadata=customer.metadata)
    [talking] = await _next_my_chats(bruno_watch)
    assert (talking.last_seq, talking.agent_last_read_seq) == (1, 0)
    await on_b.MarkRead(chat_service_pb2.MarkReadRequest(chat_id=chat_id, last_read_seq=1), metadata=bruno.metadata)
    [read] = await _next_my_chats(bruno_watch)
    assert read.agent_last_read_seq == 1

    await on_a.EndChat(chat_service_pb2.EndChatRequest(id=chat_id), metadata=customer.metadata)
    assert await _next_my_chats(bruno_watch) == []
    ana_watch.cancel()
    bruno_watch.cancel()


async def test_a_reconnecting_agent_catches_up_with_what_it_missed(replicas: Replicas) -> None:
    bruno, chat_id = replicas.bruno, replicas.chat_id
    dropped = _watch(replicas.on_b, bruno)
    assert await _opening(dropped) == []
    dropped.cancel()
    # Handed over while Bruno's console is offline.
    await replicas.on_a.TransferChat(
        chat_service_pb2.TransferChatRequest(id=chat_id, agent_id=bruno.user_id), metadata=replicas.ana.metadata
    )
    again = _watch(replicas.on_b, bruno)
    assert [chat.id for chat in await _opening(again)] == [chat_id]
    again.cancel()


async def test_an_agent_sees_only_their_own_chats_and_customers_cannot_watch(
    app: HelpdeskApp, replicas: Replicas
) -> None:
    on_a, on_b, customer, bruno, chat_id = (
        replicas.on_a,
        replicas.on_b,
        replicas.customer,
        replicas.bruno,
        replicas.chat_id,
    )
    carla = await sign_in_as(app, replicas.auth, Role.AGENT)

    refused = _watch(on_a, customer)
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await refused.read()
    assert denied.value.code() is grpc.StatusCode.PERMISSION_DENIED

    watches = {"bruno": _watch(on_b, bruno), "carla here": _watch(on_a, carla), "carla there": _watch(on_b, carla)}
    for stream in watches.values():
        assert await _opening(stream) == []  # Ana's chat is no one else's
    await on_a.TransferChat(
        chat_service_pb2.TransferChatRequest(id=chat_id, agent_id=bruno.user_id), metadata=replicas.ana.metadata
    )
    assert [chat.id for chat in await _next_my_chats(watches["bruno"])] == [chat_id]
    await on_a.SendChatMessage(send_request(chat_id, "hello Bruno"), metadata=customer.metadata)
    assert [chat.last_seq for chat in await _next_my_chats(watches["bruno"])] == [1]
    # Carla's streams, on both replicas, heard of none of it: only heartbeats came meanwhile.
    for name in ("carla here", "carla there"):
        async with asyncio.timeout(10):
            while True:
                event = await watches[name].read()
                assert event.WhichOneof("event") != "my_chats", name
                if event.WhichOneof("event") == "heartbeat":
                    break
    for stream in watches.values():
        stream.cancel()


async def test_a_transfer_while_redis_is_down_still_arrives(settings: Settings, tmp_path: Path) -> None:
    redis = EmbeddedRedis(tmp_path / "redis", persist=False)
    redis.start()
    try:
        own = settings.replace(redis_url=redis.url)
        async with replica(own) as (app_a, channel_a), replica(own) as (_, channel_b):
            replicas = await _chat_on_two_replicas(app_a, channel_a, channel_b)
            bruno = replicas.bruno
            bruno_watch = _watch(replicas.on_b, bruno)
            assert await _opening(bruno_watch) == []

            redis.stop()
            await replicas.on_a.TransferChat(
                chat_service_pb2.TransferChatRequest(id=replicas.chat_id, agent_id=bruno.user_id),
                metadata=replicas.ana.metadata,
            )
            # Replica B polls PostgreSQL while Redis is away, and reads Bruno's chats again.
            assert [chat.id for chat in await _next_my_chats(bruno_watch, within=15)] == [replicas.chat_id]
            bruno_watch.cancel()
    finally:
        redis.stop()
