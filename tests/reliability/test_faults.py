"""Fault injection with real processes: PostgreSQL and Redis stopped and restarted under load, a replica SIGKILLed.

- PostgreSQL (a cluster of this module's own, the session's one is shared) is stopped with a fast
  shutdown while clients write and read: every call fails fast with UNAVAILABLE instead of hanging,
  health reports NOT_SERVING, the pool recovers within 5 s of the restart, and every write a client
  saw acknowledged is in the database exactly once (retried creates carry the same request_id).
- Redis (this module's own) is stopped and restarted: knowledge reads answer from PostgreSQL, chat
  keeps delivering by polling PostgreSQL, sign-in fails closed, the general rate limiter fails open,
  both are logged, and everything works again after the restart.
- Two `helpdesk serve` processes behind one Envoy; one is SIGKILLed while clients read through the
  gateway and follow chats: idempotent calls started after the kill succeed on the survivor,
  chat streams resume and deliver every message exactly once, retried sends are stored once.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import grpc
import grpc.aio
import pytest
from grpc_health.v1 import health_pb2_grpc

from devstack.postgres import SUPERUSER, EmbeddedPostgres
from devstack.redis import EmbeddedRedis
from helpdesk.client import HelpdeskClient, HelpdeskError, ResumableChatStream
from helpdesk.v1 import (
    auth_service_pb2,
    auth_service_pb2_grpc,
    chat_service_pb2,
    chat_service_pb2_grpc,
    knowledge_service_pb2,
    knowledge_service_pb2_grpc,
    ticket_message_pb2,
    ticket_pb2,
    ticket_service_pb2,
    ticket_service_pb2_grpc,
)
from server.app import HelpdeskApp
from server.core.context import Role
from server.settings import RateBudget, Settings
from storage import redis_keys
from storage.migrations import upgrade_to_head
from storage.redis import create_redis
from tests.reliability.fault_support import (
    NOT_SERVING,
    SERVING,
    CallLog,
    eventually,
    quiet_port,
    wait_for_health,
)
from tests.serve_process import ServeProcess
from tests.server.chat.chat_support import next_event, reason, send_request
from tests.server.knowledge.kb_support import create_article, search
from tests.support import SignedIn, local_gateway_options, register, running_gateway, sign_in_as

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

# A call that fails because a dependency is down must say so at once, far inside any deadline.
FAIL_FAST_SECONDS = 3.0
# After a dependency is back, calls must succeed again within this.
RECOVERY_SECONDS = 5.0
# The deadline every load call carries: a hang would show as DEADLINE_EXCEEDED, not as a pass.
CALL_DEADLINE_SECONDS = 10.0


@pytest.fixture(scope="module")
async def own_postgres() -> AsyncIterator[EmbeddedPostgres]:
    """A PostgreSQL cluster of this module alone (it gets stopped), with a migrated `helpdesk` database."""
    # Under /tmp like the session's cluster: PostgreSQL runs as its own user when we are root.
    data_dir = Path(tempfile.mkdtemp(prefix="helpdesk-fault-pg-", dir="/tmp"))
    server = EmbeddedPostgres(data_dir / "data")
    await asyncio.to_thread(server.start)
    try:
        await asyncio.to_thread(server.ensure_database, "helpdesk")
        await asyncio.to_thread(upgrade_to_head, server.url("helpdesk"))
        yield server
    finally:
        await asyncio.to_thread(server.stop)
        shutil.rmtree(data_dir, ignore_errors=True)


class TicketWriter:
    """A customer creating tickets and messages and reading them back, retrying until acknowledged.

    Every logical write keeps its request_id across retries, and the loop only checks `stop`
    between logical operations, so when it ends every write it attempted was acknowledged.
    """

    def __init__(self, name: str, stub: ticket_service_pb2_grpc.TicketServiceAsyncStub, who: SignedIn) -> None:
        self.name = name
        self.stub = stub
        self.who = who
        self.log = CallLog()
        self.tickets: list[tuple[str, str]] = []  # acknowledged (ticket id, subject)
        self.messages: list[tuple[str, str]] = []  # acknowledged (message id, body)

    async def _until_ok(self, kind: str, request: object, method: str) -> object:
        call = getattr(self.stub, method)
        while True:
            try:
                return await self.log.attempt(
                    kind,
                    lambda: call(request, metadata=self.who.metadata, timeout=CALL_DEADLINE_SECONDS),
                )
            except grpc.aio.AioRpcError as error:
                # Only "the database is down" is expected here; anything else fails the run.
                if error.code() != grpc.StatusCode.UNAVAILABLE:
                    raise
            await asyncio.sleep(0.1)

    async def run(self, stop: asyncio.Event) -> None:
        """Writes and reads until `stop` is set (finishing the operation in progress)."""
        number = 0
        while not stop.is_set():
            number += 1
            subject = f"load {self.name} #{number}"
            create = ticket_service_pb2.CreateTicketRequest(
                ticket=ticket_pb2.Ticket(subject=subject, description="Written during a fault drill."),
                request_id=str(uuid.uuid4()),
            )
            ticket = await self._until_ok("create", create, "CreateTicket")
            assert isinstance(ticket, ticket_pb2.Ticket)
            assert ticket.subject == subject
            self.tickets.append((ticket.id, subject))
            body = f"load-msg {self.name} #{number}"
            add = ticket_service_pb2.AddTicketMessageRequest(
                ticket_id=ticket.id, body=body, request_id=str(uuid.uuid4())
            )
            message = await self._until_ok("add_message", add, "AddTicketMessage")
            assert isinstance(message, ticket_message_pb2.TicketMessage)
            self.messages.append((message.id, body))
            got = await self._until_ok("get", ticket_service_pb2.GetTicketRequest(id=ticket.id), "GetTicket")
            assert isinstance(got, ticket_pb2.Ticket)
            assert got.id == ticket.id
            await self._until_ok("list", ticket_service_pb2.ListTicketsRequest(page_size=5), "ListTickets")


async def test_postgres_stop_and_restart_under_load(settings: Settings, own_postgres: EmbeddedPostgres) -> None:
    app = await HelpdeskApp.create(settings.replace(database_url=own_postgres.url("helpdesk")))
    await app.start()
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
            auth = auth_service_pb2_grpc.AuthServiceStub(channel)
            tickets = ticket_service_pb2_grpc.TicketServiceStub(channel)
            health = health_pb2_grpc.HealthStub(channel)
            writers = [TicketWriter(f"w{i}", tickets, await register(auth)) for i in range(4)]
            tasks = [asyncio.create_task(w.run(stop)) for w in writers]

            def every_writer(predicate: Callable[[TicketWriter], bool]) -> bool:
                return all(predicate(w) for w in writers)

            await eventually(
                lambda: every_writer(lambda w: len(w.messages) >= 2), within=30, what="a healthy warm-up", workers=tasks
            )
            await asyncio.to_thread(own_postgres.stop)
            stopped = time.monotonic()
            await wait_for_health(health, NOT_SERVING, within=10)
            # Long enough that every client keeps hitting the outage for a while.
            await eventually(
                lambda: every_writer(lambda w: len(w.log.between(stopped, time.monotonic())) >= 10),
                within=15,
                what="every writer attempting calls during the outage",
                workers=tasks,
            )
            restarting = time.monotonic()
            await asyncio.to_thread(own_postgres.start)
            restarted = time.monotonic()
            await eventually(
                lambda: every_writer(lambda w: w.log.first_ok_after(restarted) is not None),
                within=30,
                what="every writer succeeding after the restart",
                workers=tasks,
            )
            await wait_for_health(health, SERVING, within=10)
            acknowledged_at_restart = sum(len(w.tickets) for w in writers)
            await eventually(
                lambda: sum(len(w.tickets) for w in writers) >= acknowledged_at_restart + 8,
                within=30,
                what="writes flowing again",
                workers=tasks,
            )
            stop.set()
            async with asyncio.timeout(30):
                await asyncio.gather(*tasks)
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await app.stop(grace=1.0)

    calls = [c for w in writers for c in w.log.calls]
    during = [c for w in writers for c in w.log.between(stopped, restarting)]
    assert len(during) >= 40
    assert {c.code for c in during} == {grpc.StatusCode.UNAVAILABLE}
    assert {c.code for c in calls} <= {grpc.StatusCode.OK, grpc.StatusCode.UNAVAILABLE}
    slowest = max(calls, key=lambda c: c.seconds)
    assert slowest.seconds < FAIL_FAST_SECONDS, f"a call took {slowest.seconds:.2f}s: {slowest}"
    for writer in writers:
        first_ok = writer.log.first_ok_after(restarted)
        assert first_ok is not None
        assert first_ok.ended - restarted < RECOVERY_SECONDS, (
            f"{writer.name} recovered {first_ok.ended - restarted:.2f}s after the restart"
        )

    connection = await asyncpg.connect(host=str(own_postgres.socket_dir), user=SUPERUSER, database="helpdesk")
    try:
        stored_tickets = await connection.fetch(
            "SELECT id::text AS id, subject FROM tickets WHERE subject LIKE 'load %'"
        )
        stored_messages = await connection.fetch(
            "SELECT id::text AS id, body FROM ticket_messages WHERE body LIKE 'load-msg %'"
        )
    finally:
        await connection.close()
    acknowledged_tickets = {subject: ticket_id for w in writers for ticket_id, subject in w.tickets}
    acknowledged_messages = {body: message_id for w in writers for message_id, body in w.messages}
    # Exactly once: each acknowledged write is stored once, under the id the client was given, and
    # nothing else was stored (every attempted write was driven to an acknowledgement).
    ticket_copies = Counter(row["subject"] for row in stored_tickets)
    assert {s: n for s, n in ticket_copies.items() if n != 1} == {}
    assert {row["subject"]: row["id"] for row in stored_tickets} == acknowledged_tickets
    message_copies = Counter(row["body"] for row in stored_messages)
    assert {b: n for b, n in message_copies.items() if n != 1} == {}
    assert {row["body"]: row["id"] for row in stored_messages} == acknowledged_messages


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[EmbeddedRedis]:
    """A Redis of this test alone (it gets stopped and restarted)."""
    server = EmbeddedRedis(tmp_path / "redis", port=quiet_port(), persist=False)
    await asyncio.to_thread(server.start)
    yield server
    await asyncio.to_thread(server.stop)


# Searches are the limited call this test watches: a burst of 3, then nothing for minutes.
SEARCH_BURST = 3


async def _searches_until_refused(stub: knowledge_service_pb2_grpc.KnowledgeServiceAsyncStub, word: str) -> int:
    """Searches anonymously until the limiter refuses; returns how many were answered (at most 10)."""
    for answered in range(10):
        try:
            await stub.SearchArticles(knowledge_service_pb2.SearchArticlesRequest(query=word), timeout=5)
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.RESOURCE_EXHAUSTED:
                raise
            return answered
    return 10


async def test_redis_stop_and_restart_degrades_and_recovers(
    settings: Settings, own_redis: EmbeddedRedis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    generous = RateBudget(per_second=1000, burst=1000)
    limited = settings.replace(
        redis_url=own_redis.url,
        rate_limit_enabled=True,
        rate_limit_per_ip=generous,
        rate_limit_per_user=generous,
        rate_limit_login=generous,
        rate_limit_register=generous,
        rate_limit_start_chat=generous,
        rate_limit_search=RateBudget(per_second=0.01, burst=SEARCH_BURST),
        chat_fallback_poll_seconds=0.2,
    )
    app = await HelpdeskApp.create(limited)
    await app.start()
    # The agent writes through another replica: only Redis or the PostgreSQL poller can tell this one.
    other = await HelpdeskApp.create(limited)
    await other.start()
    live_chat = app.chat
    assert live_chat is not None
    watcher = create_redis(own_redis.url)
    try:
        async with (
            grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel,
            grpc.aio.insecure_channel(f"127.0.0.1:{other.port}") as other_channel,
        ):
            auth = auth_service_pb2_grpc.AuthServiceStub(channel)
            kb = knowledge_service_pb2_grpc.KnowledgeServiceStub(channel)
            chat = chat_service_pb2_grpc.ChatServiceStub(channel)
            agent_chat = chat_service_pb2_grpc.ChatServiceStub(other_channel)
            health = health_pb2_grpc.HealthStub(channel)
            agent = await sign_in_as(app, auth, Role.AGENT)
            customer = await register(auth)
            word = "drill" + uuid.uuid4().hex[:8]
            article = await create_article(kb, agent, title=f"Fault drill {word}", publish=True)
            started = await chat.StartChat(
                chat_service_pb2.StartChatRequest(topic="drill", request_id=str(uuid.uuid4())),
                metadata=customer.metadata,
            )
            chat_id = started.chat.id
            await chat.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat_id), metadata=agent.metadata)
            stream = chat.StreamChat(chat_service_pb2.StreamChatRequest(chat_id=chat_id), metadata=customer.metadata)
            received: list[tuple[int, str]] = []

            async def say_and_hear(body: str) -> None:
                sent = await agent_chat.SendChatMessage(send_request(chat_id, body), metadata=agent.metadata, timeout=5)
                event = await next_event(stream, kind="message", within=15)
                received.append((event.message.seq, event.message.body))
                assert (event.message.seq, event.message.body) == (sent.seq, body)

            # Healthy: live chat, and the search budget is enforced.
            await say_and_hear("before the outage")
            assert await _searches_until_refused(kb, word) == SEARCH_BURST

            await asyncio.to_thread(own_redis.stop)

            # Sign-in fails closed, quickly, with a reason the client can show.
            began = time.monotonic()
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await auth.Login(
                    auth_service_pb2.LoginRequest(email=customer.email, password=customer.password), timeout=10
                )
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
            assert reason(refused.value) == "LOGIN_LIMITER_UNAVAILABLE"
            assert time.monotonic() - began < FAIL_FAST_SECONDS
            # The general limiter fails open: well past the search burst, every search is answered,
            # from PostgreSQL (the cache is down), as are article reads and signed-in calls.
            for _ in range(2 * SEARCH_BURST):
                assert await search(kb, word) == [article.title]
            got = await kb.GetArticle(knowledge_service_pb2.GetArticleRequest(id=article.id), timeout=5)
            assert got.title == article.title
            me = await auth.GetCurrentUser(
                auth_service_pb2.GetCurrentUserRequest(), metadata=customer.metadata, timeout=5
            )
            assert me.id == customer.user_id
            # Chat keeps delivering across replicas by polling PostgreSQL.
            await say_and_hear("during the outage")
            assert not live_chat.fanout.redis_healthy
            # Health: the replica is out of rotation, the services that work without Redis say so.
            await wait_for_health(health, NOT_SERVING, within=10)
            for service in ("helpdesk.v1.KnowledgeService", "helpdesk.v1.ChatService"):
                await wait_for_health(health, SERVING, service=service, within=1)
            logged = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
            assert any(
                name == "server.auth.login_limiter" and level >= logging.ERROR and "fail closed" in message
                for name, level, message in logged
            ), logged
            assert any(
                name == "server.core.rate_limit" and level >= logging.WARNING and "letting calls through" in message
                for name, level, message in logged
            ), logged

            await asyncio.to_thread(own_redis.start)
            restarted = time.monotonic()

            async def signs_in() -> bool:
                try:
                    await auth.Login(
                        auth_service_pb2.LoginRequest(email=customer.email, password=customer.password), timeout=5
                    )
                except grpc.aio.AioRpcError as error:
                    if error.code() != grpc.StatusCode.UNAVAILABLE:
                        raise
                    return False
                return True

            while not await signs_in():
                assert time.monotonic() - restarted < RECOVERY_SECONDS, "sign-in did not recover"
                await asyncio.sleep(0.1)
            await wait_for_health(health, SERVING, within=10)
            await eventually(lambda: live_chat.fanout.redis_healthy, within=10, what="chat back on Redis")
            await say_and_hear("after the outage")
            # The limiter enforces again (Redis came back empty: a fresh burst), and the cache fills again.
            assert await _searches_until_refused(kb, word) == SEARCH_BURST
            # Any cached version of the article (the key ends with its cache version).
            cached_article = redis_keys.knowledge_article(uuid.UUID(article.id), 0).rsplit(":", 1)[0] + ":*"
            for _ in range(100):
                await kb.GetArticle(knowledge_service_pb2.GetArticleRequest(id=article.id), timeout=5)
                if await watcher.keys(cached_article):
                    break
                await asyncio.sleep(0.1)
            assert await watcher.keys(cached_article), "the knowledge cache was not used again"
            stream.cancel()
    finally:
        await watcher.aclose()
        await other.stop(grace=1.0)
        await app.stop(grace=1.0)

    seqs = [seq for seq, _ in received]
    assert seqs == list(range(seqs[0], seqs[0] + 3))
    assert [body for _, body in received] == ["before the outage", "during the outage", "after the outage"]


@pytest.fixture
async def replicas(settings: Settings, tmp_path: Path) -> AsyncIterator[list[ServeProcess]]:
    """Two `helpdesk serve` processes on the module's PostgreSQL and Redis; killed at the end whatever happens."""
    processes = [
        ServeProcess(
            database_url=settings.database_url,
            redis_url=settings.redis_url,
            log_path=tmp_path / f"replica-{index}.log",
            extra_env={
                # Every call reaches the servers from Envoy's address; the limiter has its own tests.
                "HELPDESK_RATE_LIMIT_ENABLED": "false",
                "HELPDESK_CHAT_HEARTBEAT_SECONDS": "1",
            },
        )
        for index in range(2)
    ]
    try:
        for process in processes:
            process.start()
        await asyncio.gather(*(process.wait_serving() for process in processes))
        yield processes
    finally:
        for process in processes:
            process.kill()


CUSTOMERS = 4
MESSAGES_PER_CHAT = 30
PASSWORD = "correct horse battery"


def _transport_reset(error: HelpdeskError) -> bool:
    """A call cut off by its server dying after the response headers (Envoy resets the stream)."""
    return error.status_code == grpc.StatusCode.INTERNAL and "RST_STREAM" in (error.details() or "")


async def _follow(stream: ResumableChatStream, messages: list[tuple[int, str]], events: list[str]) -> None:
    async for event in stream:
        kind = event.WhichOneof("event")
        events.append(str(kind))
        if kind == "message":
            messages.append((event.message.seq, event.message.body))


async def test_a_replica_killed_behind_envoy_loses_and_duplicates_nothing(
    app: HelpdeskApp, replicas: list[ServeProcess], repo_root: Path, tmp_path: Path
) -> None:
    agent_email = f"agent-{uuid.uuid4().hex[:10]}@example.com"
    await app.users.create_user(
        email=agent_email, password=PASSWORD, display_name="Drill Agent", role=Role.AGENT, active=True, request_id=None
    )
    victim, survivor = replicas
    options = local_gateway_options(
        *(replica.port for replica in replicas),
        descriptor_path=repo_root / "clients" / "descriptors" / "helpdesk.binpb",
        health_check_interval_seconds=1.0,
    )
    async with running_gateway(tmp_path / "envoy", options) as envoy:
        address = f"127.0.0.1:{envoy.port}"
        agent = HelpdeskClient(address)
        customers = [HelpdeskClient(address) for _ in range(CUSTOMERS)]
        readers: list[asyncio.Task[None]] = []
        streams: list[ResumableChatStream] = []
        try:
            await agent.sign_in(agent_email, PASSWORD)
            chat_ids: list[str] = []
            ticket_ids: list[str] = []
            for number, customer in enumerate(customers):
                await customer.register(f"drill-{uuid.uuid4().hex[:10]}@example.com", PASSWORD, f"Customer {number}")
                started = await customer.chat.StartChat(
                    chat_service_pb2.StartChatRequest(topic="drill", request_id=str(uuid.uuid4()))
                )
                chat_ids.append(started.chat.id)
                await agent.chat.AcceptChat(chat_service_pb2.AcceptChatRequest(id=started.chat.id))
                ticket = await customer.tickets.CreateTicket(
                    ticket_service_pb2.CreateTicketRequest(
                        ticket=ticket_pb2.Ticket(subject="drill", description="A replica dies."),
                        request_id=str(uuid.uuid4()),
                    )
                )
                ticket_ids.append(ticket.id)

            # Opened back to back, Envoy's round robin puts streams on both replicas.
            received: list[list[tuple[int, str]]] = [[] for _ in customers]
            events: list[list[str]] = [[] for _ in customers]
            streams = [customer.stream_chat(chat_id) for customer, chat_id in zip(customers, chat_ids, strict=True)]
            readers = [asyncio.create_task(_follow(stream, received[i], events[i])) for i, stream in enumerate(streams)]
            await eventually(lambda: all(events), within=15, what="every stream open", workers=readers)

            acknowledged: list[list[tuple[int, str]]] = [[] for _ in customers]
            sent = 0
            killed = asyncio.Event()

            async def send_all(index: int) -> None:
                nonlocal sent
                for number in range(MESSAGES_PER_CHAT):
                    body = f"message {number}"
                    request = send_request(chat_ids[index], body)
                    for attempt in range(50):
                        try:
                            message = await agent.chat.SendChatMessage(request, timeout=10)
                            break
                        except HelpdeskError as error:
                            # Not retried by the client (a send is not idempotent by itself): the
                            # same request_id makes this retry safe, the server stores it once.
                            if attempt == 49 or not (
                                error.status_code == grpc.StatusCode.UNAVAILABLE or _transport_reset(error)
                            ):
                                raise
                            await asyncio.sleep(0.1)
                    acknowledged[index].append((message.seq, body))
                    sent += 1
                    await asyncio.sleep(0.02)

            reads = CallLog()
            failed_reads: list[HelpdeskError] = []

            async def read_all(customer: HelpdeskClient, ticket_id: str) -> None:
                # Idempotent calls only, with no retry here: the client's own policy must cope.
                while not killed.is_set() or time.monotonic() - killed_at < 4.0:
                    for kind, call in (
                        ("me", lambda: customer.auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest())),
                        ("get", lambda: customer.tickets.GetTicket(ticket_service_pb2.GetTicketRequest(id=ticket_id))),
                        ("list", lambda: customer.tickets.ListTickets(ticket_service_pb2.ListTicketsRequest())),
                    ):
                        try:
                            await reads.attempt(kind, call)
                        except HelpdeskError as error:
                            failed_reads.append(error)
                    await asyncio.sleep(0.02)

            killed_at = 0.0
            senders = [asyncio.create_task(send_all(i)) for i in range(CUSTOMERS)]
            readers_of_tickets = [
                asyncio.create_task(read_all(c, t)) for c, t in zip(customers, ticket_ids, strict=True)
            ]
            workers = [*senders, *readers_of_tickets, *readers]
            await eventually(
                lambda: sent >= CUSTOMERS * MESSAGES_PER_CHAT // 3, within=60, what="a third sent", workers=workers
            )
            victim.kill()
            killed_at = time.monotonic()
            killed.set()
            async with asyncio.timeout(90):
                await asyncio.gather(*senders, *readers_of_tickets)
            total = CUSTOMERS * MESSAGES_PER_CHAT
            await eventually(
                lambda: sum(len(r) for r in received) >= total,
                within=30,
                what="every acknowledged message delivered",
                workers=readers,
            )
            assert survivor.alive
        finally:
            for stream in streams:
                stream.close()
            for task in readers:
                task.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
            await agent.close()
            for customer in customers:
                await customer.close()

    # Reads that started once the replica was dead all succeeded: Envoy sends a request that cannot
    # reach the dead replica to the survivor (its route retries connect failures on another host),
    # and the client's retry policy covers the UNAVAILABLE answers left.
    after_kill = reads.between(killed_at, float("inf"))
    assert len(after_kill) >= 20
    assert [c for c in after_kill if c.code != grpc.StatusCode.OK] == []
    # Unary answers carry no headers before the response, so a read cut off by the kill is still
    # retryable, and the client's policy retries it on the surviving replica.
    assert failed_reads == []
    for index in range(CUSTOMERS):
        assert sorted(acknowledged[index]) == [(seq, f"message {seq - 1}") for seq in range(1, MESSAGES_PER_CHAT + 1)]
        # Exactly once, in order: what the stream delivered is what the senders were acknowledged.
        assert received[index] == sorted(acknowledged[index])
    # At least one stream was on the killed replica and came back through the gateway.
    assert sum(stream.reconnects for stream in streams) >= 1
