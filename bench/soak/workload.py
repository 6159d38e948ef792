"""The soak's operation mix over seeded accounts and objects, open and closed loop, and its chat streams."""

from __future__ import annotations

import asyncio
import collections
import itertools
import math
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import grpc
import grpc.aio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bench.scenarios.auth import BENCH_PASSWORD, account_email, sign_in
from bench.scenarios.knowledge_seed import QUERIES, seed_articles
from bench.scenarios.tickets import seed_tickets
from bench.soak.options import CALL_TIMEOUT_S
from bench.soak.recorder import Recorder
from bench.soak.report import ChatCheck
from helpdesk.v1 import (
    auth_service_pb2,
    auth_service_pb2_grpc,
    chat_service_pb2,
    chat_service_pb2_grpc,
    knowledge_service_pb2,
    knowledge_service_pb2_grpc,
    ticket_pb2,
    ticket_service_pb2,
    ticket_service_pb2_grpc,
)

# Operation -> weight in the mix.
MIX: dict[str, int] = {
    "GetTicket": 20,
    "ListTickets": 10,
    "CreateTicket": 10,
    "AddTicketMessage": 10,
    "SearchArticles": 25,
    "SendChatMessage": 25,
}

# Each agent follows at most this many streams, under the server's per-user stream limit (16).
_STREAMS_PER_AGENT = 12

_TICKET_CUSTOMERS = 20


@dataclass(slots=True)
class Chat:
    """A started, accepted chat: its two participants and the seqs acknowledged to senders."""

    id: str
    customer: tuple[tuple[str, str], ...]
    agent: tuple[tuple[str, str], ...]
    acknowledged: set[int] = field(default_factory=set)


@dataclass(slots=True)
class Follower:
    """One StreamChat subscriber and what it has seen."""

    chat: Chat
    metadata: tuple[tuple[str, str], ...]
    last: int = 0
    delivered: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    ends: collections.Counter[str] = field(default_factory=collections.Counter)


async def _some_ticket_ids(database_url: str, limit: int = 2000) -> list[str]:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT id FROM tickets LIMIT :n"), {"n": limit})
            return [str(row[0]) for row in rows]
    finally:
        await engine.dispose()


class Workload:
    """The seeded accounts and objects, and one coroutine per operation of the mix."""

    def __init__(self, channels: Sequence[grpc.aio.Channel], recorder: Recorder) -> None:
        self._tickets = [ticket_service_pb2_grpc.TicketServiceStub(c) for c in channels]
        self._knowledge = [knowledge_service_pb2_grpc.KnowledgeServiceStub(c) for c in channels]
        self._chat = [chat_service_pb2_grpc.ChatServiceStub(c) for c in channels]
        self._auth = auth_service_pb2_grpc.AuthServiceStub(channels[0])
        self._recorder = recorder
        self._rng = random.Random(7)
        self._ops = list(MIX)
        self._weights = list(MIX.values())
        self._turn = itertools.count()
        self._cold = itertools.count()
        self.ticket_ids: list[str] = []
        self.agent: tuple[tuple[str, str], ...] = ()
        self.customers: list[tuple[tuple[str, str], ...]] = []
        self.own_tickets: list[collections.deque[str]] = []
        self.chats: list[Chat] = []
        self.followers: list[Follower] = []

    def _index(self, count: int) -> int:
        # Round robin over the channels.
        return next(self._turn) % count

    async def setup(self, database_url: str, *, tickets: int, articles: int, chats: int, streams: int) -> None:
        """Seeds tickets and articles in bulk and signs in the accounts; starts the chats."""
        self.ticket_ids, agent_email = await seed_tickets(database_url, tickets=tickets)
        if len(self.ticket_ids) < 100:
            # Block sampling of a small table can return next to nothing: take ids directly.
            self.ticket_ids = await _some_ticket_ids(database_url)
        await seed_articles(database_url, articles=articles)
        login = await self._auth.Login(
            auth_service_pb2.LoginRequest(email=agent_email, password=BENCH_PASSWORD), timeout=CALL_TIMEOUT_S
        )
        self.agent = (("authorization", f"Bearer {login.access_token}"),)
        tokens = await asyncio.gather(
            *(
                sign_in(self._auth, email=account_email("SoakTickets", i), timeout_s=30)
                for i in range(_TICKET_CUSTOMERS)
            )
        )
        self.customers = [(("authorization", f"Bearer {t}"),) for t in tokens]
        self.own_tickets = [collections.deque(maxlen=50) for _ in self.customers]
        await self._start_chats(chats=chats, streams=streams)

    async def _start_chats(self, *, chats: int, streams: int) -> None:
        per_chat = max(2, streams // chats)
        customer_streams = per_chat // 2
        agent_streams = per_chat - customer_streams
        chats_per_agent = max(1, _STREAMS_PER_AGENT // agent_streams)
        agents = math.ceil(chats / chats_per_agent)
        customer_tokens = await asyncio.gather(
            *(sign_in(self._auth, email=account_email("SoakChat", i), timeout_s=30) for i in range(chats))
        )
        agent_tokens = await asyncio.gather(
            *(self._staff_token(f"bench-seed-agent-{2 + i}@bench.example.com") for i in range(agents))
        )
        stub = self._chat[0]
        for index, token in enumerate(customer_tokens):
            customer = (("authorization", f"Bearer {token}"),)
            agent = (("authorization", f"Bearer {agent_tokens[index // chats_per_agent]}"),)
            chat = (await stub.StartChat(chat_service_pb2.StartChatRequest(topic="soak"), metadata=customer)).chat
            await stub.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat.id), metadata=agent)
            state = Chat(chat.id, customer, agent)
            self.chats.append(state)
            self.followers += [Follower(state, customer) for _ in range(customer_streams)]
            self.followers += [Follower(state, agent) for _ in range(agent_streams)]

    async def _staff_token(self, email: str) -> str:
        response = await self._auth.Login(
            auth_service_pb2.LoginRequest(email=email, password=BENCH_PASSWORD), timeout=CALL_TIMEOUT_S
        )
        return response.access_token

    async def greet(self, chat: Chat) -> None:
        """The customer's first message: every stream of the chat delivers it (setup, not measured)."""
        message = await self._chat[0].SendChatMessage(
            chat_service_pb2.SendChatMessageRequest(chat_id=chat.id, body="hello", request_id=str(uuid.uuid4())),
            metadata=chat.customer,
            timeout=CALL_TIMEOUT_S,
        )
        chat.acknowledged.add(message.seq)

    async def follow(self, follower: Follower, ready: asyncio.Event) -> None:
        """One StreamChat subscriber: checks seqs, resumes with after_seq when the stream breaks."""
        stub = self._chat[id(follower) % len(self._chat)]
        while True:
            stream = stub.StreamChat(
                chat_service_pb2.StreamChatRequest(chat_id=follower.chat.id, after_seq=follower.last),
                metadata=follower.metadata,
            )
            try:
                async for event in stream:
                    ready.set()
                    if event.WhichOneof("event") != "message":
                        continue
                    seq = event.message.seq
                    if seq <= follower.last:
                        follower.duplicates += 1
                        continue
                    if seq != follower.last + 1:
                        follower.out_of_order += 1
                    follower.last = seq
                    follower.delivered += 1
                    self._recorder.chat_event(sent=False)
                follower.ends["OK"] += 1
            except grpc.aio.AioRpcError as error:
                follower.ends[error.code().name] += 1
            # Like a real client: back off a little, then resume after the last seq seen.
            await asyncio.sleep(0.5)

    def next_op(self) -> str:
        """An operation drawn from the mix."""
        return self._rng.choices(self._ops, self._weights)[0]

    async def run(self, op: str) -> None:
        """Performs one call of `op`, recording its outcome."""
        began = time.monotonic()
        try:
            await self._call(op)
        except grpc.aio.AioRpcError as error:
            self._recorder.record(op, began, error.code().name)
            return
        self._recorder.record(op, began, None)

    async def _call(self, op: str) -> None:
        rng = self._rng
        tickets = self._tickets[self._index(len(self._tickets))]
        if op == "GetTicket":
            request = ticket_service_pb2.GetTicketRequest(id=rng.choice(self.ticket_ids))
            await tickets.GetTicket(request, metadata=self.agent, timeout=CALL_TIMEOUT_S)
        elif op == "ListTickets":
            await tickets.ListTickets(
                ticket_service_pb2.ListTicketsRequest(
                    statuses=[ticket_pb2.TICKET_STATUS_OPEN, ticket_pb2.TICKET_STATUS_IN_PROGRESS],
                    assignee_id="none",
                    order_by="priority desc, create_time",
                    page_size=50,
                ),
                metadata=self.agent,
                timeout=CALL_TIMEOUT_S,
            )
        elif op in ("CreateTicket", "AddTicketMessage"):
            customer = rng.randrange(len(self.customers))
            own = self.own_tickets[customer]
            if op == "AddTicketMessage" and own:
                await tickets.AddTicketMessage(
                    ticket_service_pb2.AddTicketMessageRequest(
                        ticket_id=rng.choice(own), body="Any news on this?", request_id=str(uuid.uuid4())
                    ),
                    metadata=self.customers[customer],
                    timeout=CALL_TIMEOUT_S,
                )
                return
            created = await tickets.CreateTicket(
                ticket_service_pb2.CreateTicketRequest(
                    ticket=ticket_pb2.Ticket(
                        subject="Soak: the export button spins forever",
                        description="Since this morning the monthly export never finishes.",
                        tags=["soak"],
                    ),
                    request_id=str(uuid.uuid4()),
                ),
                metadata=self.customers[customer],
                timeout=CALL_TIMEOUT_S,
            )
            own.append(created.id)
        elif op == "SearchArticles":
            knowledge = self._knowledge[self._index(len(self._knowledge))]
            query = rng.choice(QUERIES)
            if rng.random() < 0.5:
                # A term found nowhere changes the cache key, not the results: a cache miss.
                query = f"{query} -zzsoak{next(self._cold)}"
            search = knowledge_service_pb2.SearchArticlesRequest(query=query, page_size=10)
            await knowledge.SearchArticles(search, timeout=CALL_TIMEOUT_S)
        elif op == "SendChatMessage":
            chat_stub = self._chat[self._index(len(self._chat))]
            chat = rng.choice(self.chats)
            sender = chat.customer if rng.random() < 0.5 else chat.agent
            message = await chat_stub.SendChatMessage(
                chat_service_pb2.SendChatMessageRequest(
                    chat_id=chat.id, body="soak message", request_id=str(uuid.uuid4())
                ),
                metadata=sender,
                timeout=CALL_TIMEOUT_S,
            )
            chat.acknowledged.add(message.seq)
            self._recorder.chat_event(sent=True)
        else:
            raise ValueError(f"unknown operation {op!r}")


async def closed_loop(workload: Workload, *, callers: int, until: float) -> None:
    """`callers` callers, each starting its next call when the last returns, until `until`."""

    async def caller() -> None:
        while time.monotonic() < until:
            await workload.run(workload.next_op())

    await asyncio.gather(*(caller() for _ in range(callers)))


async def open_loop(workload: Workload, recorder: Recorder, *, rate: float, until: float, max_in_flight: int) -> None:
    """Starts a call every 1/`rate` s until `until`, whatever earlier calls do; sheds beyond `max_in_flight`."""
    in_flight: set[asyncio.Task[None]] = set()
    start = time.monotonic()
    for n in itertools.count():
        due = start + n / rate
        if due >= until:
            break
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(in_flight) >= max_in_flight:
            recorder.shed()
            continue
        task = asyncio.create_task(workload.run(workload.next_op()))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    if in_flight:
        await asyncio.gather(*in_flight, return_exceptions=True)


def check_chats(workload: Workload) -> ChatCheck:
    """Whether every stream received every acknowledged message of its chat exactly once, in order."""
    check = ChatCheck(streams=len(workload.followers), chats=len(workload.chats))
    check.acknowledged = sum(len(chat.acknowledged) for chat in workload.chats)
    ends: collections.Counter[str] = collections.Counter()
    for follower in workload.followers:
        acknowledged = follower.chat.acknowledged
        check.expected_deliveries += len(acknowledged)
        # Seqs arrive gap-free (out_of_order counts any jump), so everything up to `last` was received.
        check.missing += sum(1 for seq in acknowledged if seq > follower.last)
        check.delivered += follower.delivered
        check.duplicates += follower.duplicates
        check.out_of_order += follower.out_of_order
        ends.update(follower.ends)
    check.stream_ends = dict(ends)
    return check


async def drain(workload: Workload, *, within: float) -> None:
    """Waits (at most `within` s) until every stream has delivered its chat's last acknowledged message."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if all(follower.last >= max(follower.chat.acknowledged, default=0) for follower in workload.followers):
            return
        await asyncio.sleep(0.2)
