"""WatchTickets across replicas, a Redis outage and a SIGKILLed server: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc.aio
import pytest

from devstack.redis import EmbeddedRedis
from helpdesk.v1 import (
    auth_service_pb2_grpc,
    ticket_service_pb2,
    ticket_service_pb2_grpc,
    user_pb2,
    user_service_pb2,
    user_service_pb2_grpc,
)
from server.app import HelpdeskApp
from server.core.context import Role
from server.settings import Settings
from tests.serve_process import ServeProcess
from tests.server.tickets.helpers import Cast, TicketStub, error_info, open_ticket
from tests.server.tickets.watch_support import CREATED, MESSAGE_ADDED, Watcher, kinds
from tests.support import SignedIn, sign_in_as

Request = ticket_service_pb2.WatchTicketsRequest


@pytest.fixture(scope="module")
def settings(settings: Settings) -> Settings:
    """Fast heartbeats and PostgreSQL polling, to observe the fallback in a test."""
    return settings.replace(chat_heartbeat_seconds=1.0, chat_fallback_poll_seconds=0.3, shutdown_grace_seconds=1.0)


@contextlib.asynccontextmanager
async def _replica(settings: Settings) -> AsyncIterator[tuple[HelpdeskApp, TicketStub]]:
    app = await HelpdeskApp.create(settings.replace(grpc_port=0))
    await app.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
            yield app, ticket_service_pb2_grpc.TicketServiceStub(channel)
    finally:
        await app.stop(grace=0.5)


async def _reply(stub: TicketStub, actor: SignedIn, ticket_id: str, body: str) -> None:
    await stub.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket_id, body=body), metadata=actor.metadata
    )


async def test_a_change_on_replica_a_reaches_a_watcher_on_replica_b(
    ticket_stub: TicketStub, cast: Cast, settings: Settings
) -> None:
    async with _replica(settings) as (_, on_b):
        watcher = Watcher(on_b, cast.agent_b, Request(customer_id=cast.customer_a.user_id))
        await watcher.caught_up()
        ticket = await open_ticket(ticket_stub, cast.customer_a, subject="Across replicas")
        for i in range(19):
            await _reply(ticket_stub, cast.agent_a, ticket.id, f"from A {i}")
        changes = await watcher.wait_for(20, within=5)
        assert kinds(changes) == [CREATED] + [MESSAGE_ADDED] * 19
        assert [c.message.body for c in changes[1:]] == [f"from A {i}" for i in range(19)]
        # Opened at once, each in one statement taking its log position in commit order: B hears
        # of all of them through Redis, each once (its safety poll, every 10 s, comes far later).
        opened = await asyncio.gather(
            *(open_ticket(ticket_stub, cast.customer_a, subject=f"Together {i}") for i in range(30))
        )
        together = (await watcher.wait_for(50, within=5))[20:]
        assert kinds(together) == [CREATED] * 30
        assert sorted(c.ticket.id for c in together) == sorted(t.id for t in opened)
        await watcher.close()


async def test_resume_and_live_delivery_go_on_through_a_redis_outage(
    settings: Settings, cast: Cast, tmp_path: Path
) -> None:
    redis = EmbeddedRedis(tmp_path / "redis", persist=False)
    redis.start()
    try:
        own = settings.replace(redis_url=redis.url)
        async with _replica(own) as (app_a, on_a), _replica(own) as (_, on_b):
            ticket = await open_ticket(on_b, cast.customer_b, subject="Redis goes away")
            watch = Request(ticket_id=ticket.id)
            first = Watcher(on_a, cast.agent_a, watch)
            cursor = await first.caught_up()
            await first.close()

            redis.stop()
            for i in range(50):
                await _reply(on_b, cast.agent_b, ticket.id, f"missed {i}")
            resumed = Watcher(on_a, cast.agent_a, Request(ticket_id=ticket.id, after_cursor=cursor))
            missed = await resumed.wait_for(50, within=15)
            await resumed.caught_up()
            assert [c.message.body for c in missed] == [f"missed {i}" for i in range(50)]

            # Live, with Redis still down: replica A finds B's changes by polling PostgreSQL.
            assert app_a.tickets is not None
            assert not app_a.tickets.live.feed.redis_healthy
            for i in range(5):
                await _reply(on_b, cast.agent_b, ticket.id, f"during {i}")
            await resumed.wait_for(55, within=10)

            redis.start()
            async with asyncio.timeout(15):
                while not app_a.tickets.live.feed.redis_healthy:  # noqa: ASYNC110 - a property, no event to wait on
                    await asyncio.sleep(0.1)
            for i in range(5):
                await _reply(on_b, cast.agent_b, ticket.id, f"after {i}")
            changes = await resumed.wait_for(60, within=10)
            await asyncio.sleep(0.3)
            assert [c.message.body for c in resumed.changes] == (
                [f"missed {i}" for i in range(50)]
                + [f"during {i}" for i in range(5)]
                + [f"after {i}" for i in range(5)]
            )
            assert len(changes) == 60
            await resumed.close()
    finally:
        redis.stop()


@pytest.mark.slow
@pytest.mark.timeout(180)
async def test_a_watcher_resumes_after_its_server_is_killed_and_loses_nothing(
    ticket_stub: TicketStub, cast: Cast, settings: Settings, tmp_path: Path
) -> None:
    serve = ServeProcess(
        database_url=settings.database_url, redis_url=settings.redis_url, log_path=tmp_path / "serve.log"
    )
    serve.start()
    try:
        await serve.wait_serving()
        ticket = await open_ticket(ticket_stub, cast.customer_a, subject="Kill me")
        total = 100
        received: list[str] = []
        cursor = ""
        done = asyncio.Event()

        async def follow() -> None:
            nonlocal cursor
            while not done.is_set():
                try:
                    async with grpc.aio.insecure_channel(f"127.0.0.1:{serve.port}") as channel:
                        stub = ticket_service_pb2_grpc.TicketServiceStub(channel)
                        call = stub.WatchTickets(
                            Request(ticket_id=ticket.id, after_cursor=cursor), metadata=cast.agent_a.metadata
                        )
                        async for change in call:
                            cursor = change.cursor
                            if change.kind == MESSAGE_ADDED:
                                received.append(change.message.body)
                                if len(received) >= total:
                                    done.set()
                                    return
                except grpc.aio.AioRpcError as exc:
                    if exc.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
                        raise
                await asyncio.sleep(0.2)

        reader = asyncio.create_task(follow())
        await asyncio.sleep(0.5)
        for i in range(total):
            await _reply(ticket_stub, cast.agent_b, ticket.id, f"message {i}")
            if i == total // 2:
                serve.kill()
            if i == total // 2 + 20:
                serve.start()
        await serve.wait_serving()
        try:
            async with asyncio.timeout(60):
                await done.wait()
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
        assert received == [f"message {i}" for i in range(total)]
    finally:
        serve.kill()


async def _read_until_error(call: Any, message_ids: list[str], progress: dict[str, str]) -> None:
    while True:
        change = await call.read()
        assert change is not grpc.aio.EOF
        progress["cursor"] = change.cursor
        if change.kind == MESSAGE_ADDED:
            message_ids.append(change.message.id)


async def test_a_slow_consumer_is_cut_off_and_resumes_without_loss(settings: Settings, cast: Cast) -> None:
    async with _replica(settings.replace(chat_stream_buffer=8)) as (app, stub):
        ticket = await open_ticket(stub, cast.customer_a, subject="Firehose")
        # A reader whose flow-control window stays small (no BDP probing): the server must hold back.
        slow_channel = grpc.aio.insecure_channel(f"127.0.0.1:{app.port}", options=[("grpc.http2.bdp_probe", 0)])
        slow = ticket_service_pb2_grpc.TicketServiceStub(slow_channel)
        call: Any = slow.WatchTickets(Request(ticket_id=ticket.id), metadata=cast.agent_a.metadata)
        first = await asyncio.wait_for(call.read(), 10)
        cursor = str(first.cursor)
        # Large messages fill the transport's flow-control windows quickly; then the inbox overflows.
        # Nothing is read until all are sent, so their pace does not matter: they go ten at a time.
        # Replies to one ticket take its row lock one after another, each holding a pooled connection
        # meanwhile; with more in flight than the pool holds (20), the others wait for a connection,
        # and on a loaded machine the 20 ahead of them can outlast the pool timeout (5 s): UNAVAILABLE.
        body = "x" * 4000
        total = 300
        for _ in range(0, total, 10):
            await asyncio.gather(*(_reply(stub, cast.agent_b, ticket.id, body) for _ in range(10)))
        got: list[str] = []
        progress = {"cursor": cursor}
        with pytest.raises(grpc.aio.AioRpcError) as cut:
            await asyncio.wait_for(_read_until_error(call, got, progress), 30)
        cursor = progress["cursor"]
        assert cut.value.code() is grpc.StatusCode.UNAVAILABLE
        assert error_info(cut.value).reason == "SLOW_CONSUMER"
        assert len(got) < total
        resumed = Watcher(stub, cast.agent_a, Request(ticket_id=ticket.id, after_cursor=cursor))
        rest = await resumed.wait_for(total - len(got), within=20)
        await asyncio.sleep(0.3)
        ids = got + [c.message.id for c in rest]
        assert len(ids) == total
        assert len(set(ids)) == total
        await resumed.close()
        await slow_channel.close()


async def test_without_the_revocation_channel_a_heartbeat_ends_a_deactivated_users_stream(
    app: HelpdeskApp,
    settings: Settings,
    cast: Cast,
    auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub,
    user_stub: user_service_pb2_grpc.UserServiceAsyncStub,
    tmp_path: Path,
) -> None:
    redis = EmbeddedRedis(tmp_path / "redis", persist=False)
    redis.start()
    try:
        async with _replica(settings.replace(redis_url=redis.url)) as (replica, on_replica):
            agent = await sign_in_as(app, auth_stub, Role.AGENT)
            watcher = Watcher(on_replica, agent, Request())
            await watcher.caught_up()
            # The replica loses Redis: revocations announced there can no longer reach it.
            redis.stop()
            assert replica.tickets is not None
            async with asyncio.timeout(15):
                while replica.tickets.live.principals.local_layer_live:  # noqa: ASYNC110 - no event to wait on
                    await asyncio.sleep(0.1)
            update = user_service_pb2.UpdateUserRequest(user=user_pb2.User(id=agent.user_id, active=False))
            update.update_mask.paths.append("active")
            await user_stub.UpdateUser(update, metadata=cast.admin.metadata)
            # The next heartbeat asks PostgreSQL instead, and the stream ends.
            error = await watcher.ended(within=5)
            assert error is not None
            assert error.code() is grpc.StatusCode.UNAUTHENTICATED
    finally:
        redis.stop()
