"""Chat handovers reaching the receiving agent's console (WatchQueue's `my_chats`), under message load.

Run on its own: `python -m bench.chat_handover` (`--duration 20` for a short try). `--agents`
agents (seeded into PostgreSQL, signed in through the API) each hold a WatchQueue stream, as their
consoles do. `--chats` customers' chats are accepted by the first agents; then, open loop, chats are
handed over at `--rate` per second, each from its agent to another at random, while customers send
`--messages` messages per second into their chats (each wakes its agent's list). Latency runs from
just before the TransferChat call to the moment the receiving agent's stream delivers a `my_chats`
list holding the chat. Also reported: handovers that never arrived and streams that broke (both
must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import random
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import grpc
import grpc.aio

from bench.scenarios.auth import account_email, sign_in
from bench.scenarios.watch_agents import agent_email, bearer, login, seed_agents
from bench.stack import DATABASE_URL_ENV
from bench.stats import sample_percentile
from helpdesk.v1 import auth_service_pb2_grpc, chat_service_pb2, chat_service_pb2_grpc

# Long enough for a handover stuck behind a reconnect to still count as late rather than lost.
ARRIVAL_GRACE_S = 5.0


@dataclass
class HandoverResult:
    """One measured run."""

    agents: int
    chats: int
    target_rate: float
    message_rate: float
    duration_s: float
    handovers: int
    arrived: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    messages: int
    stream_errors: int
    # Failed calls and broken streams by kind (`transfer: DEADLINE_EXCEEDED`, `agent stream: ...`).
    error_kinds: dict[str, int]


async def measure(
    address: str, *, agents: int, chats: int, rate: float, message_rate: float, duration_s: float
) -> HandoverResult:
    """Opens one WatchQueue per agent, then hands chats over at `rate`/s beside `message_rate` messages/s."""
    database_url = os.environ.get(DATABASE_URL_ENV)
    if not database_url:
        raise RuntimeError(f"{DATABASE_URL_ENV} is not set: run through bench.stack")
    await seed_agents(database_url, agents)
    channels = [grpc.aio.insecure_channel(address) for _ in range(4)]
    try:
        auth = auth_service_pb2_grpc.AuthServiceStub(channels[0])
        stubs = [chat_service_pb2_grpc.ChatServiceStub(channel) for channel in channels]
        logins: list[tuple[str, str]] = []
        for start in range(0, agents, 25):
            logins += await asyncio.gather(
                *(login(auth, agent_email(i)) for i in range(start, min(agents, start + 25)))
            )
        customer_tokens = await asyncio.gather(
            *(sign_in(auth, email=account_email("ChatHandover", i), timeout_s=30) for i in range(chats))
        )
        waiting: dict[tuple[int, str], float] = {}  # (agent, chat id) -> when its handover was called
        latencies: list[float] = []
        errors: list[str] = []
        ready = 0
        all_ready = asyncio.Event()
        drained = asyncio.Event()

        async def follow(agent: int) -> None:
            nonlocal ready
            call: Any = stubs[agent % len(stubs)].WatchQueue(
                chat_service_pb2.WatchQueueRequest(), metadata=bearer(logins[agent][0])
            )
            counted = False
            try:
                async for event in call:
                    if event.WhichOneof("event") != "my_chats":
                        continue
                    if not counted:
                        counted = True
                        ready += 1
                        if ready == agents:
                            all_ready.set()
                    now = time.perf_counter()
                    for chat in event.my_chats.chats:
                        started = waiting.pop((agent, chat.id), None)
                        if started is not None:
                            latencies.append(now - started)
                    if not waiting:
                        drained.set()
            except grpc.aio.AioRpcError as error:
                if error.code() is not grpc.StatusCode.CANCELLED:
                    errors.append(f"agent stream: {error.code().name}")

        followers = [asyncio.create_task(follow(agent)) for agent in range(agents)]
        await asyncio.wait_for(all_ready.wait(), 120)

        # Each customer's chat, accepted by one of the first agents.
        holder: dict[str, int] = {}
        customers: dict[str, tuple[tuple[str, str], ...]] = {}
        for index, token in enumerate(customer_tokens):
            metadata = bearer(token)
            chat = (await stubs[0].StartChat(chat_service_pb2.StartChatRequest(), metadata=metadata)).chat
            agent = index % agents
            await stubs[0].AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat.id), metadata=bearer(logins[agent][0]))
            holder[chat.id] = agent
            customers[chat.id] = metadata
        await asyncio.sleep(1.0)
        waiting.clear()

        handovers = 0
        messages = 0
        busy: set[str] = set()
        tasks: set[asyncio.Task[None]] = set()

        async def hand_over(chat_id: str) -> None:
            nonlocal handovers
            source = holder[chat_id]
            target = random.choice([a for a in range(agents) if a != source])
            waiting[(target, chat_id)] = time.perf_counter()
            try:
                await stubs[target % len(stubs)].TransferChat(
                    chat_service_pb2.TransferChatRequest(id=chat_id, agent_id=logins[target][1]),
                    metadata=bearer(logins[source][0]),
                    timeout=10,
                )
                holder[chat_id] = target
                handovers += 1
            except grpc.aio.AioRpcError as error:
                waiting.pop((target, chat_id), None)
                errors.append(f"transfer: {error.code().name}")
            finally:
                busy.discard(chat_id)

        async def say(chat_id: str) -> None:
            nonlocal messages
            request = chat_service_pb2.SendChatMessageRequest(
                chat_id=chat_id, body="still there?", request_id=str(uuid.uuid4())
            )
            try:
                await stubs[0].SendChatMessage(request, metadata=customers[chat_id], timeout=10)
                messages += 1
            except grpc.aio.AioRpcError as error:
                errors.append(f"send: {error.code().name}")

        def launch(work: Any) -> None:
            task = asyncio.create_task(work)
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        chat_ids = list(holder)
        began = time.perf_counter()
        next_handover = next_message = began
        while (now := time.perf_counter()) - began < duration_s:
            if now >= next_handover:
                free = [c for c in chat_ids if c not in busy]
                if free:
                    chat_id = random.choice(free)
                    busy.add(chat_id)
                    launch(hand_over(chat_id))
                next_handover += 1.0 / rate
            if message_rate > 0 and now >= next_message:
                launch(say(random.choice(chat_ids)))
                next_message += 1.0 / message_rate
            await asyncio.sleep(max(0.0, min(next_handover, next_message if message_rate > 0 else next_handover) - now))
        elapsed = time.perf_counter() - began
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if waiting:
            drained.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(drained.wait(), ARRIVAL_GRACE_S)
        for task in followers:
            task.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
        return HandoverResult(
            agents=agents,
            chats=chats,
            target_rate=rate,
            message_rate=message_rate,
            duration_s=elapsed,
            handovers=handovers,
            arrived=len(latencies),
            p50_ms=sample_percentile(latencies, 0.5) * 1000,
            p99_ms=sample_percentile(latencies, 0.99) * 1000,
            max_ms=max(latencies, default=float("nan")) * 1000,
            messages=messages,
            stream_errors=len(errors),
            error_kinds=dict(collections.Counter(errors)),
        )
    finally:
        for channel in channels:
            await channel.close()


async def _main(args: argparse.Namespace) -> HandoverResult:
    from bench.stack import HelpdeskStack

    stack = HelpdeskStack(server_env={"HELPDESK_BCRYPT_COST": "4", "HELPDESK_LOG_LEVEL": "WARNING"})
    await asyncio.to_thread(stack.start)
    try:
        return await measure(
            stack.address,
            agents=args.agents,
            chats=args.chats,
            rate=args.rate,
            message_rate=args.messages,
            duration_s=args.duration,
        )
    finally:
        await asyncio.to_thread(stack.stop)


def main() -> None:
    """`python -m bench.chat_handover`: handover latency to the receiving console, as text and JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.chat_handover")
    parser.add_argument("--agents", type=int, default=200, help="agents, each with a WatchQueue stream")
    parser.add_argument("--chats", type=int, default=50, help="ACTIVE chats handed between them")
    parser.add_argument("--rate", type=float, default=5.0, help="handovers per second")
    parser.add_argument("--messages", type=float, default=50.0, help="customer messages per second beside them")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of handovers")
    args = parser.parse_args()
    result = asyncio.run(_main(args))
    print(
        f"Handovers: {result.agents} agents' consoles, {result.chats} chats, {result.handovers} handovers in "
        f"{result.duration_s:.0f} s beside {result.messages} customer messages: {result.arrived}/{result.handovers} "
        f"reached the receiving console, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
        f"max {result.max_ms:.0f} ms; stream or call errors: {result.stream_errors} {result.error_kinds or ''}"
    )
    print(json.dumps(asdict(result)))
