"""Delivery across replicas, through a Redis outage, and to slow consumers: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
import grpc.aio
import pytest

from devstack.redis import EmbeddedRedis
from helpdesk.v1 import auth_service_pb2_grpc, chat_event_pb2, chat_service_pb2, chat_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role
from server.settings import Settings
from tests.server.chat.chat_support import next_event, reason, replica, send_request
from tests.support import SignedIn, register, sign_in_as

if TYPE_CHECKING:
    Stub = chat_service_pb2_grpc.ChatServiceAsyncStub


async def _active_chat(app: HelpdeskApp, channel: grpc.aio.Channel) -> tuple[str, SignedIn, SignedIn]:
    auth = auth_service_pb2_grpc.AuthServiceStub(channel)
    stub = chat_service_pb2_grpc.ChatServiceStub(channel)
    customer = await register(auth)
    agent = await sign_in_as(app, auth, Role.AGENT)
    chat = (await stub.StartChat(chat_service_pb2.StartChatRequest(), metadata=customer.metadata)).chat
    await stub.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat.id), metadata=agent.metadata)
    return chat.id, customer, agent


async def _read_messages_until_error(stream: Any, seqs: list[int]) -> None:
    async with asyncio.timeout(30):
        while True:
            event = await stream.read()
            assert isinstance(event, chat_event_pb2.ChatEvent)
            if event.WhichOneof("event") == "message":
                seqs.append(event.message.seq)


async def test_two_replicas_share_a_chat_live(app: HelpdeskApp, channel: grpc.aio.Channel, settings: Settings) -> None:
    chat_id, customer, agent = await _active_chat(app, channel)
    async with replica(settings) as (_, other_channel):
        on_a = chat_service_pb2_grpc.ChatServiceStub(channel)
        on_b = chat_service_pb2_grpc.ChatServiceStub(other_channel)
        customer_stream = on_a.StreamChat(
            chat_service_pb2.StreamChatRequest(chat_id=chat_id), metadata=customer.metadata
        )
        agent_stream = on_b.StreamChat(chat_service_pb2.StreamChatRequest(chat_id=chat_id), metadata=agent.metadata)
        await asyncio.sleep(0.5)
        for i in range(10):
            await on_b.SendChatMessage(send_request(chat_id, f"agent {i}"), metadata=agent.metadata)
            await on_a.SendChatMessage(send_request(chat_id, f"customer {i}"), metadata=customer.metadata)
        await on_b.SetTyping(chat_service_pb2.SetTypingRequest(chat_id=chat_id, typing=True), metadata=agent.metadata)
        for stream in (customer_stream, agent_stream):
            seqs = [(await next_event(stream, kind="message", within=5)).message.seq for _ in range(20)]
            assert seqs == list(range(1, 21))
        assert (await next_event(customer_stream, kind="typing", within=5)).typing.user_id == agent.user_id
        await on_b.EndChat(chat_service_pb2.EndChatRequest(id=chat_id), metadata=agent.metadata)
        assert (await next_event(customer_stream, kind="status_change", within=5)).status_change.chat.status == 3
        customer_stream.cancel()
        agent_stream.cancel()


async def test_redis_restart_falls_back_to_polling_and_loses_nothing(settings: Settings, tmp_path: Path) -> None:
    redis = EmbeddedRedis(tmp_path / "redis", persist=False)
    redis.start()
    try:
        own = settings.replace(redis_url=redis.url)
        async with replica(own) as (app_a, channel_a), replica(own) as (_, channel_b):
            chat_id, customer, agent = await _active_chat(app_a, channel_a)
            on_a = chat_service_pb2_grpc.ChatServiceStub(channel_a)
            on_b = chat_service_pb2_grpc.ChatServiceStub(channel_b)
            stream = on_a.StreamChat(chat_service_pb2.StreamChatRequest(chat_id=chat_id), metadata=customer.metadata)
            await asyncio.sleep(0.5)
            received: list[int] = []

            async def read(count: int) -> None:
                for _ in range(count):
                    received.append((await next_event(stream, kind="message", within=15)).message.seq)

            for i in range(5):
                await on_b.SendChatMessage(send_request(chat_id, f"before {i}"), metadata=agent.metadata)
            await read(5)

            redis.stop()
            for i in range(5):
                await on_b.SendChatMessage(send_request(chat_id, f"during {i}"), metadata=agent.metadata)
            await read(5)
            assert not app_a.chat or not app_a.chat.fanout.redis_healthy

            redis.start()
            for _ in range(100):
                if app_a.chat is not None and app_a.chat.fanout.redis_healthy:
                    break
                await asyncio.sleep(0.1)
            for i in range(5):
                await on_b.SendChatMessage(send_request(chat_id, f"after {i}"), metadata=agent.metadata)
            await read(5)
            assert received == list(range(1, 16))
            assert app_a.chat is not None
            assert app_a.chat.fanout.redis_healthy
            stream.cancel()
    finally:
        redis.stop()


async def test_slow_consumer_is_cut_off_and_resumes_without_loss(settings: Settings) -> None:
    async with replica(settings.replace(chat_stream_buffer=8)) as (app, channel):
        chat_id, customer, agent = await _active_chat(app, channel)
        stub = chat_service_pb2_grpc.ChatServiceStub(channel)
        # A reader whose flow-control window stays small (no BDP probing): the server must hold back.
        slow_channel = grpc.aio.insecure_channel(f"127.0.0.1:{app.port}", options=[("grpc.http2.bdp_probe", 0)])
        slow = chat_service_pb2_grpc.ChatServiceStub(slow_channel)
        stream = slow.StreamChat(chat_service_pb2.StreamChatRequest(chat_id=chat_id), metadata=customer.metadata)
        await next_event(stream, kind="heartbeat", within=10)
        # Large messages fill the transport's flow-control windows quickly; then the inbox overflows.
        body = "x" * 4000
        total = 400
        for start in range(0, total, 50):
            await asyncio.gather(
                *(stub.SendChatMessage(send_request(chat_id, body), metadata=agent.metadata) for _ in range(50))
            )
            del start
        seqs: list[int] = []
        with pytest.raises(grpc.aio.AioRpcError) as cut:
            await _read_messages_until_error(stream, seqs)
        assert cut.value.code() is grpc.StatusCode.UNAVAILABLE
        assert reason(cut.value) == "SLOW_CONSUMER"
        assert seqs == list(range(1, len(seqs) + 1))
        assert len(seqs) < total
        resumed = stub.StreamChat(
            chat_service_pb2.StreamChatRequest(chat_id=chat_id, after_seq=seqs[-1] if seqs else 0),
            metadata=customer.metadata,
        )
        rest = [(await next_event(resumed, kind="message", within=10)).message.seq for _ in range(total - len(seqs))]
        assert seqs + rest == list(range(1, total + 1))
        resumed.cancel()
        await slow_channel.close()
