"""Soak: mixed load at a steady fraction of capacity for a long time, watching for drift.

`python -m bench.soak --duration 1200` (`make soak`) starts the same production-shaped stack as
`python -m bench` (bench/stack.py: `helpdesk serve` on embedded PostgreSQL and Redis), seeds
tickets and articles in bulk, opens `--streams` StreamChat streams (spread over `--chats` chats:
the customer and the accepting agent of each chat follow it, on several streams each, like several
devices) and then:

1. measures capacity briefly: the same operation mix, closed loop (`--capacity-concurrency`
   callers), for `--capacity-seconds` (skipped when `--rate` is given);
2. warms up at the target rate (`--load-fraction` of capacity, 60% by default) for `--warmup`
   seconds, then reads the server's RSS: the baseline of the drift;
3. drives the mix open loop at the target rate for `--duration` seconds, in windows of
   `--window` seconds: successful calls per second, errors by status code, p50/p99 latency,
   chat messages sent and delivered, the server's RSS and CPU at the end of each window;
4. stops sending, waits for the streams to catch up and checks every stream received every
   acknowledged message of its chat exactly once, in order (a stream cut off as a slow
   consumer resumes with `after_seq`, as a real client does).

The operation mix (weights): GetTicket 20, ListTickets (agent queue) 10, CreateTicket 10,
AddTicketMessage 10, SearchArticles 25 (half cache hits, half misses), SendChatMessage 25.
Load is open loop: a call starts every 1/rate seconds whether or not earlier ones returned, so a
server that slows down shows it as latency and errors, not as a politely lower rate; at most
`--max-in-flight` calls are outstanding, beyond that a due call is counted as shed.

The report is printed as a table and written to `bench/results/soak-<UTC time>-<commit>.json`.
The goal is an RSS drift under 5% between the end of warm-up and the end of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import math
import os
import random
import signal
import sys
import time
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import grpc
import grpc.aio
import psutil
import uvloop
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bench.environment import describe_environment
from bench.scenarios.auth import BENCH_PASSWORD, account_email, sign_in
from bench.scenarios.knowledge import QUERIES, seed_articles
from bench.scenarios.tickets import seed_tickets
from bench.stack import HelpdeskStack
from bench.stats import percentile
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

RESULTS_DIR = Path(__file__).resolve().parent / "results"
CALL_TIMEOUT_S = 10.0
# Operation -> weight in the mix.
MIX: dict[str, int] = {
    "GetTicket": 20,
    "ListTickets": 10,
    "CreateTicket": 10,
    "AddTicketMessage": 10,
    "SearchArticles": 25,
    "SendChatMessage": 25,
}
# Codes a client can never cause: a server bug whenever they appear.
SERVER_FAULT_CODES = frozenset({"INTERNAL", "UNKNOWN", "DATA_LOSS"})
# Codes a stream may end with that a client answers by resuming with after_seq.
RESUMABLE_STREAM_CODES = frozenset({"UNAVAILABLE", "ABORTED"})
_CHANNEL_OPTIONS = [("grpc.use_local_subchannel_pool", 1)]
# Each agent follows at most this many streams, under the server's per-user stream limit (16).
_STREAMS_PER_AGENT = 12
_TICKET_CUSTOMERS = 20


@dataclass(frozen=True, slots=True)
class SoakOptions:
    """How long, how hard and how wide a soak runs."""

    duration_s: float = 1200.0
    window_s: float = 30.0
    warmup_s: float = 60.0
    # Calls per second for the whole mix; None = measure capacity and use `load_fraction` of it.
    rate: float | None = None
    load_fraction: float = 0.6
    capacity_s: float = 10.0
    capacity_concurrency: int = 32
    streams: int = 200
    chats: int = 50
    tickets: int = 20_000
    articles: int = 5_000
    max_in_flight: int = 1_000
    # How long the streams get to deliver what was sent before the end, after the load stops.
    drain_s: float = 30.0
    channels: int = 4
    results_dir: Path | None = RESULTS_DIR
    # Print each window as it closes.
    verbose: bool = True


@dataclass(slots=True)
class Window:
    """What happened in one window of the measured run (calls counted when they complete)."""

    index: int
    start_s: float
    end_s: float
    ok: int = 0
    ok_by_op: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    shed: int = 0
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    max_ms: float = math.nan
    chat_sent: int = 0
    chat_delivered: int = 0
    server_rss_mib: float = math.nan
    server_cpu_cores: float = math.nan
    client_cpu_cores: float = math.nan

    @property
    def throughput(self) -> float:
        """Successful calls per second."""
        return self.ok / (self.end_s - self.start_s)

    @property
    def error_count(self) -> int:
        """Failed calls of every code."""
        return sum(self.errors.values())


@dataclass(slots=True)
class ChatCheck:
    """Whether every stream received every acknowledged message of its chat exactly once, in order."""

    streams: int
    chats: int
    acknowledged: int = 0
    expected_deliveries: int = 0
    delivered: int = 0
    missing: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    # Stream ends by status code: resumable ones (slow consumer) are expected now and then.
    stream_ends: dict[str, int] = field(default_factory=dict)

    @property
    def lossless(self) -> bool:
        """Nothing missing, doubled or reordered."""
        return self.missing == 0 and self.duplicates == 0 and self.out_of_order == 0


@dataclass(slots=True)
class SoakReport:
    """Everything a soak measured."""

    options: dict[str, object]
    environment: dict[str, object]
    capacity_ops_s: float | None
    target_rate: float
    windows: list[Window]
    chat: ChatCheck
    server_rss_start_mib: float
    server_rss_end_mib: float
    setup_s: float
    # Operation -> {"calls", "p50_ms", "p99_ms"} over the measured run.
    operations: dict[str, dict[str, float]] = field(default_factory=dict)
    # "<operation> <code>" -> failed calls over the measured run.
    errors_by_operation: dict[str, int] = field(default_factory=dict)
    # The first ERROR lines of the server's log.
    server_errors: list[str] = field(default_factory=list)

    @property
    def rss_drift_percent(self) -> float:
        """Server RSS growth from the end of warm-up to the end of the run, in percent."""
        return 100.0 * (self.server_rss_end_mib - self.server_rss_start_mib) / self.server_rss_start_mib

    @property
    def errors(self) -> dict[str, int]:
        """Failed calls over the whole measured run, by status code."""
        total: collections.Counter[str] = collections.Counter()
        for window in self.windows:
            total.update(window.errors)
        return dict(total)

    @property
    def server_faults(self) -> dict[str, int]:
        """INTERNAL/UNKNOWN/DATA_LOSS answers and stream ends: must be empty."""
        faults = {code: n for code, n in self.errors.items() if code in SERVER_FAULT_CODES}
        for code, n in self.chat.stream_ends.items():
            if code in SERVER_FAULT_CODES:
                faults[f"stream:{code}"] = n
        return faults

    def to_json(self) -> dict[str, object]:
        """The report as plain JSON data."""
        return {
            "options": self.options,
            "environment": self.environment,
            "capacity_ops_s": self.capacity_ops_s,
            "target_rate": self.target_rate,
            "setup_s": self.setup_s,
            "server_rss_start_mib": self.server_rss_start_mib,
            "server_rss_end_mib": self.server_rss_end_mib,
            "rss_drift_percent": self.rss_drift_percent,
            "rss_drift_goal_met": self.rss_drift_percent < 5.0,
            "errors": self.errors,
            "server_faults": self.server_faults,
            "chat": {**asdict(self.chat), "lossless": self.chat.lossless},
            "operations": self.operations,
            "errors_by_operation": self.errors_by_operation,
            "server_errors": self.server_errors,
            "windows": [{**asdict(w), "throughput": w.throughput} for w in self.windows],
        }


class _Recorder:
    """Routes each finished call to the window it completed in (or to nowhere outside the run)."""

    def __init__(self) -> None:
        self.origin = math.inf
        self.window_s = 1.0
        self.windows: list[Window] = []
        self.latencies: list[list[float]] = []
        # Every successful call of the measured run by operation: which part of the mix is slow.
        self.by_op: dict[str, list[float]] = collections.defaultdict(list)
        self.errors_by_op: collections.Counter[str] = collections.Counter()
        self.capacity_ok = 0
        self.counting_capacity = False

    def start(self, *, origin: float, window_s: float, count: int) -> None:
        self.origin, self.window_s = origin, window_s
        self.windows = [Window(i, i * window_s, (i + 1) * window_s) for i in range(count)]
        self.latencies = [[] for _ in range(count)]

    def window_at(self, now: float) -> int | None:
        if now < self.origin:
            return None
        index = math.floor((now - self.origin) / self.window_s)
        return index if 0 <= index < len(self.windows) else None

    def record(self, op: str, began: float, code: str | None) -> None:
        now = time.monotonic()
        if self.counting_capacity and code is None:
            self.capacity_ok += 1
        index = self.window_at(now)
        if index is None:
            return
        window = self.windows[index]
        if code is None:
            window.ok += 1
            window.ok_by_op[op] = window.ok_by_op.get(op, 0) + 1
            self.latencies[index].append(now - began)
            self.by_op[op].append(now - began)
        else:
            window.errors[code] = window.errors.get(code, 0) + 1
            self.errors_by_op[f"{op} {code}"] += 1

    def shed(self) -> None:
        index = self.window_at(time.monotonic())
        if index is not None:
            self.windows[index].shed += 1

    def chat_event(self, *, sent: bool) -> None:
        index = self.window_at(time.monotonic())
        if index is not None:
            if sent:
                self.windows[index].chat_sent += 1
            else:
                self.windows[index].chat_delivered += 1

    def close(self, index: int) -> None:
        ordered = sorted(self.latencies[index])
        window = self.windows[index]
        window.p50_ms = percentile(ordered, 0.50) * 1000
        window.p99_ms = percentile(ordered, 0.99) * 1000
        window.max_ms = (ordered[-1] * 1000) if ordered else math.nan
        self.latencies[index] = []


@dataclass(slots=True)
class _Chat:
    id: str
    customer: tuple[tuple[str, str], ...]
    agent: tuple[tuple[str, str], ...]
    acknowledged: set[int] = field(default_factory=set)


@dataclass(slots=True)
class _Follower:
    chat: _Chat
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


class _Workload:
    """The seeded accounts and objects, and one coroutine per operation of the mix."""

    def __init__(self, channels: Sequence[grpc.aio.Channel], recorder: _Recorder) -> None:
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
        self.chats: list[_Chat] = []
        self.followers: list[_Follower] = []

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
            state = _Chat(chat.id, customer, agent)
            self.chats.append(state)
            self.followers += [_Follower(state, customer) for _ in range(customer_streams)]
            self.followers += [_Follower(state, agent) for _ in range(agent_streams)]

    async def _staff_token(self, email: str) -> str:
        response = await self._auth.Login(
            auth_service_pb2.LoginRequest(email=email, password=BENCH_PASSWORD), timeout=CALL_TIMEOUT_S
        )
        return response.access_token

    async def greet(self, chat: _Chat) -> None:
        """The customer's first message: every stream of the chat delivers it (setup, not measured)."""
        message = await self._chat[0].SendChatMessage(
            chat_service_pb2.SendChatMessageRequest(chat_id=chat.id, body="hello", request_id=str(uuid.uuid4())),
            metadata=chat.customer,
            timeout=CALL_TIMEOUT_S,
        )
        chat.acknowledged.add(message.seq)

    async def follow(self, follower: _Follower, ready: asyncio.Event) -> None:
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


async def _closed_loop(workload: _Workload, *, callers: int, until: float) -> None:
    async def caller() -> None:
        while time.monotonic() < until:
            await workload.run(workload.next_op())

    await asyncio.gather(*(caller() for _ in range(callers)))


async def _open_loop(
    workload: _Workload, recorder: _Recorder, *, rate: float, until: float, max_in_flight: int
) -> None:
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


def _rss_mib(process: psutil.Process) -> float:
    return float(process.memory_info().rss) / 2**20


def _cpu_s(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


async def _watch_windows(recorder: _Recorder, server: psutil.Process, *, verbose: bool) -> None:
    """Closes each window at its end: latency percentiles, RSS and CPU of the server, client CPU."""
    cpu_before, client_before = _cpu_s(server), time.process_time()
    for window in recorder.windows:
        delay = recorder.origin + window.end_s - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        cpu_after, client_after = _cpu_s(server), time.process_time()
        span = window.end_s - window.start_s
        window.server_cpu_cores = (cpu_after - cpu_before) / span
        window.client_cpu_cores = (client_after - client_before) / span
        window.server_rss_mib = _rss_mib(server)
        cpu_before, client_before = cpu_after, client_after
        # Calls finishing right at the edge still land in this window: give them a moment.
        await asyncio.sleep(min(1.0, span / 10))
        recorder.close(window.index)
        if verbose:
            print(_window_line(window), flush=True)


_HEADER = (
    f"{'t s':>9} {'calls/s':>8} {'errors':>7} {'shed':>5} {'p50 ms':>7} {'p99 ms':>8} {'chat tx':>7} "
    f"{'chat rx':>8} {'srv RSS MiB':>11} {'srv CPU':>7} {'cli CPU':>7}  error codes"
)


def _window_line(w: Window) -> str:
    codes = ", ".join(f"{code} {n}" for code, n in sorted(w.errors.items())) or "-"
    return (
        f"{w.start_s:>4.0f}-{w.end_s:<4.0f} {w.throughput:>8.1f} {w.error_count:>7} {w.shed:>5} {w.p50_ms:>7.1f} "
        f"{w.p99_ms:>8.1f} {w.chat_sent:>7} {w.chat_delivered:>8} {w.server_rss_mib:>11.1f} "
        f"{w.server_cpu_cores:>7.2f} {w.client_cpu_cores:>7.2f}  {codes}"
    )


def _check_chats(workload: _Workload) -> ChatCheck:
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


async def _drain(workload: _Workload, *, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if all(follower.last >= max(follower.chat.acknowledged, default=0) for follower in workload.followers):
            return
        await asyncio.sleep(0.2)


async def run_soak(options: SoakOptions, *, log: Callable[[str], None] = print) -> SoakReport:
    """Starts a stack, runs the soak described by `options` and returns (and saves) its report."""
    began = time.monotonic()
    environment = describe_environment()
    stack = HelpdeskStack(
        server_env={
            # Sign-ins are setup, not what is measured.
            "HELPDESK_BCRYPT_COST": "4",
            "HELPDESK_LOG_LEVEL": "WARNING",
            # Tokens must outlive the run: the load does not refresh them.
            "HELPDESK_ACCESS_TOKEN_TTL": str(int(options.duration_s + options.warmup_s + 3600)),
        }
    )
    await asyncio.to_thread(stack.start)
    try:
        report = await _run(stack, options, environment, began, log)
        report.server_errors = _server_errors(stack.server_log)
    finally:
        await asyncio.to_thread(stack.stop)
    if options.results_dir is not None:
        path = save_report(report, options.results_dir)
        log(f"report written to {path}")
    return report


def _server_errors(log_path: Path | None, limit: int = 20) -> list[str]:
    """The first ERROR lines of the server's log (it runs at WARNING): what an INTERNAL came from."""
    if log_path is None or not log_path.exists():
        return []
    found = []
    with log_path.open(errors="replace") as lines:
        for line in lines:
            if '"level": "ERROR"' in line or '"level": "CRITICAL"' in line:
                found.append(line.strip()[:2000])
                if len(found) >= limit:
                    break
    return found


async def _run(
    stack: HelpdeskStack,
    options: SoakOptions,
    environment: dict[str, object],
    began: float,
    log: Callable[[str], None],
) -> SoakReport:
    database_url = os.environ["HELPDESK_BENCH_DATABASE_URL"]
    server = psutil.Process(stack.server_pid)
    recorder = _Recorder()
    channels = [grpc.aio.insecure_channel(stack.address, options=_CHANNEL_OPTIONS) for _ in range(options.channels)]
    followers: list[asyncio.Task[None]] = []
    try:
        workload = _Workload(channels, recorder)
        log(f"seeding {options.tickets} tickets, {options.articles} articles; starting {options.chats} chats")
        await workload.setup(
            database_url,
            tickets=options.tickets,
            articles=options.articles,
            chats=options.chats,
            streams=options.streams,
        )
        readiness = [asyncio.Event() for _ in workload.followers]
        followers = [
            asyncio.create_task(workload.follow(follower, ready))
            for follower, ready in zip(workload.followers, readiness, strict=True)
        ]
        # A stream is ready once it has delivered something: send one message into every chat.
        for chat in workload.chats:
            await workload.greet(chat)
        async with asyncio.timeout(120):
            await asyncio.gather(*(ready.wait() for ready in readiness))
        setup_s = time.monotonic() - began
        log(f"{len(workload.followers)} streams over {len(workload.chats)} chats ready after {setup_s:.0f} s")

        capacity: float | None = None
        if options.rate is None:
            warm = time.monotonic() + 3.0
            await _closed_loop(workload, callers=options.capacity_concurrency, until=warm)
            recorder.counting_capacity, recorder.capacity_ok = True, 0
            await _closed_loop(
                workload, callers=options.capacity_concurrency, until=time.monotonic() + options.capacity_s
            )
            recorder.counting_capacity = False
            capacity = recorder.capacity_ok / options.capacity_s
            rate = max(1.0, capacity * options.load_fraction)
            log(f"capacity {capacity:.0f} calls/s (closed loop, c={options.capacity_concurrency}); target {rate:.0f}")
        else:
            rate = options.rate
            log(f"target rate {rate:.0f} calls/s (given)")

        await _open_loop(
            workload,
            recorder,
            rate=rate,
            until=time.monotonic() + options.warmup_s,
            max_in_flight=options.max_in_flight,
        )
        rss_start = _rss_mib(server)
        windows = max(1, round(options.duration_s / options.window_s))
        origin = time.monotonic()
        recorder.start(origin=origin, window_s=options.duration_s / windows, count=windows)
        log(f"warm-up done ({options.warmup_s:.0f} s); server RSS {rss_start:.1f} MiB")
        log(f"measuring {options.duration_s:.0f} s in {windows} windows:")
        if options.verbose:
            log(_HEADER)
        watcher = asyncio.create_task(_watch_windows(recorder, server, verbose=options.verbose))
        await _open_loop(
            workload,
            recorder,
            rate=rate,
            until=origin + options.duration_s,
            max_in_flight=options.max_in_flight,
        )
        await watcher
        rss_end = recorder.windows[-1].server_rss_mib
        await _drain(workload, within=options.drain_s)
        chat_check = _check_chats(workload)
    finally:
        for task in followers:
            task.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
        await asyncio.gather(*(channel.close() for channel in channels))

    report = SoakReport(
        options={k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(options).items()},
        environment=environment,
        capacity_ops_s=capacity,
        target_rate=rate,
        windows=recorder.windows,
        chat=chat_check,
        server_rss_start_mib=rss_start,
        server_rss_end_mib=rss_end,
        setup_s=setup_s,
        operations={op: _latency_summary(latencies) for op, latencies in sorted(recorder.by_op.items())},
        errors_by_operation=dict(sorted(recorder.errors_by_op.items())),
    )
    return report


def _latency_summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "calls": len(ordered),
        "p50_ms": percentile(ordered, 0.50) * 1000,
        "p99_ms": percentile(ordered, 0.99) * 1000,
    }


def save_report(report: SoakReport, directory: Path) -> Path:
    """Writes the report as `soak-<UTC time>-<commit>[-dirty].json` under `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    commit = str(report.environment.get("git_commit") or "nogit")[:10]
    dirty = "-dirty" if report.environment.get("git_dirty") else ""
    path = directory / f"soak-{stamp}-{commit}{dirty}.json"
    path.write_text(json.dumps(report.to_json(), indent=2, default=str) + "\n")
    return path


def summary(report: SoakReport) -> str:
    """The closing lines of the printed report."""
    first, last = report.windows[0], report.windows[-1]
    errors = ", ".join(f"{key} {n}" for key, n in report.errors_by_operation.items()) or "none"
    total_ok = sum(w.ok for w in report.windows)
    chat = report.chat
    lines = [
        f"calls ok {total_ok}, errors: {errors}; shed {sum(w.shed for w in report.windows)}",
        f"throughput first/last window: {first.throughput:.1f} / {last.throughput:.1f} calls/s "
        f"(target {report.target_rate:.1f}"
        + (f", capacity {report.capacity_ops_s:.1f}" if report.capacity_ops_s is not None else "")
        + ")",
        f"p99 first/last window: {first.p99_ms:.1f} / {last.p99_ms:.1f} ms; "
        f"worst window p99 {max(w.p99_ms for w in report.windows):.1f} ms",
        f"server RSS {report.server_rss_start_mib:.1f} MiB after warm-up -> {report.server_rss_end_mib:.1f} MiB "
        f"at the end: drift {report.rss_drift_percent:+.2f}% (goal < 5%: "
        f"{'met' if report.rss_drift_percent < 5.0 else 'NOT met'})",
        "by operation: "
        + "; ".join(
            f"{op} {s['calls']:.0f} calls p50 {s['p50_ms']:.1f} p99 {s['p99_ms']:.1f} ms"
            for op, s in report.operations.items()
        ),
        f"chat: {chat.streams} streams over {chat.chats} chats, {chat.acknowledged} messages acknowledged, "
        f"{chat.delivered}/{chat.expected_deliveries} deliveries; missing {chat.missing}, duplicates "
        f"{chat.duplicates}, out of order {chat.out_of_order}; stream ends {chat.stream_ends or 'none'}",
    ]
    return "\n".join(lines)


async def _interruptible(run: Coroutine[object, object, SoakReport]) -> SoakReport:
    # SIGTERM cancels the run like Ctrl-C does, so the stack's processes are stopped, not orphaned.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await run


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m bench.soak`: runs the soak and prints the table and the summary."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    defaults = SoakOptions()
    parser.add_argument("--duration", type=float, default=defaults.duration_s, help="measured seconds")
    parser.add_argument("--window", type=float, default=defaults.window_s, help="seconds per reported window")
    parser.add_argument("--warmup", type=float, default=defaults.warmup_s, help="seconds at the target rate first")
    parser.add_argument("--rate", type=float, default=None, help="calls/s of the mix (default: measured)")
    parser.add_argument("--load-fraction", type=float, default=defaults.load_fraction)
    parser.add_argument("--capacity-seconds", type=float, default=defaults.capacity_s)
    parser.add_argument("--capacity-concurrency", type=int, default=defaults.capacity_concurrency)
    parser.add_argument("--streams", type=int, default=defaults.streams)
    parser.add_argument("--chats", type=int, default=defaults.chats)
    parser.add_argument("--tickets", type=int, default=defaults.tickets)
    parser.add_argument("--articles", type=int, default=defaults.articles)
    parser.add_argument("--drain", type=float, default=defaults.drain_s, help="seconds for streams to catch up")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="where the JSON report goes")
    args = parser.parse_args(argv)
    options = SoakOptions(
        duration_s=args.duration,
        window_s=args.window,
        warmup_s=args.warmup,
        rate=args.rate,
        load_fraction=args.load_fraction,
        capacity_s=args.capacity_seconds,
        capacity_concurrency=args.capacity_concurrency,
        streams=args.streams,
        chats=args.chats,
        tickets=args.tickets,
        articles=args.articles,
        drain_s=args.drain,
        results_dir=args.results_dir,
    )
    # uvloop, like the load generators of `python -m bench`: the client shares 2 cores with the server.
    try:
        report = uvloop.run(_interruptible(run_soak(options)))
    except (asyncio.CancelledError, KeyboardInterrupt):
        print("interrupted; the stack was stopped", file=sys.stderr)
        sys.exit(130)
    print(summary(report))
    if report.server_faults or not report.chat.lossless:
        sys.exit(1)


if __name__ == "__main__":
    main()
