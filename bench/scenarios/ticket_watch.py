"""The WatchTickets benchmark: many open streams (agents' views) while tickets change at a steady rate.

Run on its own: `python -m bench.ticket_watch` (defaults: 1,000 streams, 50 changes/s, 5 minutes;
`--duration 30` for a short try). One agent per stream, seeded straight into PostgreSQL (agents
cannot register) and signed in through the API. Views: `--queue-views` agents watch the queue
(open or in progress, unassigned); every other agent watches their own tickets (`assignee_id=me`).
Changes, open loop at `--rate`: one in ten is a customer opening a ticket (it enters every queue
view); the others are an agent's reply or priority change on one of their assigned tickets (it
reaches that agent's view). Every change's expected receivers are known, so the run checks that
each stream received exactly what it should.

Measured from the moment every stream is caught up until the last change is delivered (or 10 s
after the last commit): delivery latency from commit (the change's `change_time`, stamped in
PostgreSQL just before commit; same machine, same clock) to receipt; changes and deliveries per
second; server RSS sampled every 5 s; server CPU seconds per delivery. Beside it, the chat fan-out
(`bench.scenarios.chat.measure_server`) on the same server gives its CPU per delivery.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import grpc
import grpc.aio
import psutil
from google.protobuf import field_mask_pb2

from bench.scenarios.auth import account_email, sign_in
from bench.scenarios.chat import measure_server as measure_chat
from bench.scenarios.watch_agents import agent_email, bearer, login, seed_agents
from bench.stack import DATABASE_URL_ENV
from bench.stats import sample_percentile
from helpdesk.v1 import (
    auth_service_pb2_grpc,
    ticket_change_pb2,
    ticket_pb2,
    ticket_service_pb2,
    ticket_service_pb2_grpc,
)

CUSTOMERS = 20
# Agents with assigned tickets that the writer changes (their views get those changes).
AGENTS_WITH_TICKETS = 300
QUEUE_STATUSES = [ticket_pb2.TICKET_STATUS_OPEN, ticket_pb2.TICKET_STATUS_IN_PROGRESS]
PRIORITY_MASK = field_mask_pb2.FieldMask(paths=["priority"])
MARKERS = {ticket_change_pb2.TICKET_CHANGE_KIND_CAUGHT_UP, ticket_change_pb2.TICKET_CHANGE_KIND_HEARTBEAT}


@dataclass
class WatchResult:
    """One measured run."""

    streams: int
    queue_views: int
    target_rate: float
    duration_s: float
    changes: int
    change_errors: int
    changes_per_s: float
    expected_deliveries: int
    received_deliveries: int
    duplicates_or_strays: int
    deliveries_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    server_rss_mib: list[float] = field(default_factory=list)
    server_cpu_s: float = 0.0
    server_cpu_us_per_delivery: float = 0.0
    stream_errors: int = 0
    # Changes a stream received twice, or out of log order (must be 0; "extra" above also counts
    # changes that committed after their writer's call had timed out, which nobody expected).
    out_of_order_or_repeated: int = 0


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


async def measure(
    address: str, *, server_pid: int, streams: int, queue_views: int, rate: float, duration_s: float
) -> WatchResult:
    """`streams` WatchTickets streams, one per agent; changes at `rate` per second for `duration_s`."""
    database_url = os.environ.get(DATABASE_URL_ENV)
    if not database_url:
        raise RuntimeError(f"{DATABASE_URL_ENV} is not set: run under bench.stack")
    process = psutil.Process(server_pid)
    await seed_agents(database_url, streams)
    channels = [grpc.aio.insecure_channel(address) for _ in range(max(1, min(8, streams // 125)))]
    try:
        auth = auth_service_pb2_grpc.AuthServiceStub(channels[0])
        stubs = [ticket_service_pb2_grpc.TicketServiceStub(c) for c in channels]
        agents: list[tuple[str, str]] = []
        for start in range(0, streams, 50):
            agents += await asyncio.gather(
                *(login(auth, agent_email(i)) for i in range(start, min(streams, start + 50)))
            )
        customers = [await sign_in(auth, email=account_email("TicketWatch", i), timeout_s=30) for i in range(CUSTOMERS)]
        writer = stubs[0]
        # Agents watching their own tickets, each with an assigned ticket the writer will change.
        owners = list(range(queue_views, min(streams, queue_views + AGENTS_WITH_TICKETS)))
        assigned: dict[int, str] = {}
        for start in range(0, len(owners), 25):

            async def assign(agent: int) -> None:
                ticket = await writer.CreateTicket(
                    ticket_service_pb2.CreateTicketRequest(
                        ticket=ticket_pb2.Ticket(subject=f"Agent {agent}'s ticket", description="Assigned")
                    ),
                    metadata=bearer(customers[agent % CUSTOMERS]),
                    timeout=30,
                )
                await writer.AssignTicket(
                    ticket_service_pb2.AssignTicketRequest(id=ticket.id, assignee_id="me"),
                    metadata=bearer(agents[agent][0]),
                    timeout=30,
                )
                assigned[agent] = ticket.id

            await asyncio.gather(*(assign(agent) for agent in owners[start : start + 25]))

        latencies: list[float] = []
        received = [0] * streams
        last_position = [0] * streams
        repeated: list[int] = []
        caught_up = 0
        all_caught_up = asyncio.Event()
        errors: list[str] = []

        async def follow(index: int) -> None:
            nonlocal caught_up
            token, _ = agents[index]
            if index < queue_views:
                request = ticket_service_pb2.WatchTicketsRequest(statuses=QUEUE_STATUSES, assignee_id="none")
            else:
                request = ticket_service_pb2.WatchTicketsRequest(assignee_id="me")
            call = stubs[index % len(stubs)].WatchTickets(request, metadata=bearer(token))
            try:
                async for change in call:
                    if change.kind in MARKERS:
                        if change.kind == ticket_change_pb2.TICKET_CHANGE_KIND_CAUGHT_UP:
                            caught_up += 1
                            if caught_up == streams:
                                all_caught_up.set()
                        continue
                    position = int(change.cursor)
                    if position <= last_position[index]:
                        repeated.append(position)
                    last_position[index] = position
                    latencies.append(time.time() * 1000 - change.change_time.ToMilliseconds())
                    received[index] += 1
            except grpc.aio.AioRpcError as error:
                if error.code() != grpc.StatusCode.CANCELLED:
                    errors.append(f"{error.code().name}: {error.details()}")

        followers = [asyncio.create_task(follow(i)) for i in range(streams)]
        async with asyncio.timeout(300):
            await all_caught_up.wait()

        expected = [0] * streams
        change_errors = 0
        owner_list = list(assigned)
        priorities = dict.fromkeys(assigned, int(ticket_pb2.TICKET_PRIORITY_MEDIUM))

        async def change(i: int) -> None:
            nonlocal change_errors
            try:
                if i % 10 == 0:
                    await writer.CreateTicket(
                        ticket_service_pb2.CreateTicketRequest(
                            ticket=ticket_pb2.Ticket(subject=f"New ticket {i}", description="For the queue")
                        ),
                        metadata=bearer(customers[i % CUSTOMERS]),
                        timeout=10,
                    )
                    for view in range(queue_views):
                        expected[view] += 1
                    return
                agent = random.choice(owner_list)
                token = agents[agent][0]
                if i % 2:
                    await writer.AddTicketMessage(
                        ticket_service_pb2.AddTicketMessageRequest(ticket_id=assigned[agent], body=f"Reply {i}"),
                        metadata=bearer(token),
                        timeout=10,
                    )
                else:
                    # Always another priority than the last one set: an unchanged field is no change.
                    priorities[agent] = priorities[agent] % 4 + 1
                    level = ticket_pb2.TicketPriority.ValueType(priorities[agent])
                    ticket = ticket_pb2.Ticket(id=assigned[agent], priority=level)
                    await writer.UpdateTicket(
                        ticket_service_pb2.UpdateTicketRequest(ticket=ticket, update_mask=PRIORITY_MASK),
                        metadata=bearer(token),
                        timeout=10,
                    )
                expected[agent] += 1
            except grpc.aio.AioRpcError:
                change_errors += 1

        rss: list[float] = []
        sampling = True

        async def sample_rss() -> None:
            while sampling:
                rss.append(round(process.memory_info().rss / 2**20, 1))
                await asyncio.sleep(5.0)

        sampler = asyncio.create_task(sample_rss())
        latencies.clear()
        received = [0] * streams
        cpu_start = _cpu_seconds(process)
        began = time.perf_counter()
        sent = await _paced(rate, duration_s, change)
        # Until everything expected has arrived, or 10 s after the last commit (then some is missing).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                while sum(received) < sum(expected):  # noqa: ASYNC110 - counters of many readers
                    await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - began
        cpu = _cpu_seconds(process) - cpu_start
        sampling = False
        await sampler
        rss.append(round(process.memory_info().rss / 2**20, 1))
        for follower in followers:
            follower.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
        total = sum(received)
        strays = sum(max(0, r - e) for r, e in zip(received, expected, strict=True))
        return WatchResult(
            streams=streams,
            queue_views=queue_views,
            target_rate=rate,
            duration_s=round(elapsed, 1),
            changes=sent,
            change_errors=change_errors,
            changes_per_s=round((sent - change_errors) / duration_s, 1),
            expected_deliveries=sum(expected),
            received_deliveries=total,
            duplicates_or_strays=strays,
            deliveries_per_s=round(total / duration_s, 1),
            p50_ms=round(sample_percentile(latencies, 0.5), 2),
            p99_ms=round(sample_percentile(latencies, 0.99), 2),
            max_ms=round(max(latencies, default=float("nan")), 1),
            server_rss_mib=rss,
            server_cpu_s=round(cpu, 2),
            server_cpu_us_per_delivery=round(cpu / total * 1e6, 1) if total else float("nan"),
            stream_errors=len(errors),
            out_of_order_or_repeated=len(repeated),
        )
    finally:
        for channel in channels:
            await channel.close()


async def _paced(rate: float, duration_s: float, send: object) -> int:
    """Calls `send(i)` at a steady rate for `duration_s`; returns how many were started."""
    assert callable(send)
    interval = 1.0 / rate
    start = time.perf_counter()
    count = 0
    tasks: set[asyncio.Task[object]] = set()
    while (now := time.perf_counter()) - start < duration_s:
        due = start + count * interval
        if due > now:
            await asyncio.sleep(due - now)
        task = asyncio.ensure_future(send(count))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        count += 1
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
    return count


async def _main(args: argparse.Namespace) -> tuple[WatchResult, dict[str, object]]:
    from bench.stack import HelpdeskStack

    stack = HelpdeskStack(server_env={"HELPDESK_BCRYPT_COST": "4", "HELPDESK_LOG_LEVEL": "WARNING"})
    await asyncio.to_thread(stack.start)
    try:
        result = await measure(
            stack.address,
            server_pid=stack.server_pid,
            streams=args.streams,
            queue_views=args.queue_views,
            rate=args.rate,
            duration_s=args.duration,
        )
        chat: dict[str, object] = {}
        if args.chat_duration > 0:
            chat_result = await measure_chat(
                stack.address,
                server_pid=stack.server_pid,
                subscribers=200,
                chats=20,
                rate=50.0,
                duration_s=args.chat_duration,
            )
            chat = asdict(chat_result)
    finally:
        await asyncio.to_thread(stack.stop)
    return result, chat


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m bench.ticket_watch`: the WatchTickets benchmark, printed as text and JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.ticket_watch")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--queue-views", type=int, default=100, help="streams watching the unassigned queue")
    parser.add_argument("--rate", type=float, default=50.0, help="ticket changes per second")
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of changes (30 for a short try)")
    parser.add_argument(
        "--chat-duration", type=float, default=20.0, help="seconds of the chat fan-out beside it (0: skip)"
    )
    args = parser.parse_args(argv)
    result, chat = asyncio.run(_main(args))
    print(
        f"WatchTickets: {result.streams} streams ({result.queue_views} queue views), "
        f"{result.changes_per_s:.1f} changes/s for {result.duration_s:.0f} s: "
        f"{result.received_deliveries}/{result.expected_deliveries} deliveries "
        f"({result.duplicates_or_strays} extra, {result.out_of_order_or_repeated} repeated), "
        f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
        f"max {result.max_ms:.0f} ms; server CPU {result.server_cpu_us_per_delivery:.0f} us/delivery; "
        f"RSS MiB {result.server_rss_mib[0]:.0f} -> {result.server_rss_mib[-1]:.0f} "
        f"(max {max(result.server_rss_mib):.0f})"
    )
    if chat:
        print(
            f"chat fan-out beside it: {chat['deliveries_per_s']:.0f} deliveries/s, p99 {chat['p99_ms']:.1f} ms, "
            f"server CPU {chat.get('server_cpu_us_per_delivery', float('nan')):.0f} us/delivery"
        )
    print(json.dumps({"watch_tickets": asdict(result), "chat_fanout": chat}))
