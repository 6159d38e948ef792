"""Live-chat benchmarks.

- `SendChatMessage` (registered in `SCENARIOS`, closed loop like every scenario): each caller is a
  customer sending into their own chat; one call = lock the chat row, take the next seq, insert,
  commit, publish the wake-up to Redis.
- The fan-out benchmark (run on its own: `python -m bench.chat_fanout`): many `StreamChat`
  subscribers spread over chats on one server process, senders at a steady (open-loop) rate,
  send -> receive latency p50/p99 and deliveries per second; beside it, in the same run, the same
  shape delivered in-process through bounded asyncio queues (the floor the server cannot beat).
  Server RSS is read at the start and the end of each window.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import grpc
import grpc.aio
import psutil

from bench.profile import LoadProfile
from bench.scenarios.auth import SETUP_CALL_TIMEOUT_S, account_email, sign_in
from bench.scenarios.base import CallFn, Target
from bench.scenarios.echo import ECHO_POSTGRES
from bench.stats import sample_percentile
from helpdesk.v1 import auth_service_pb2_grpc, chat_service_pb2, chat_service_pb2_grpc

SEND_PROFILE = LoadProfile(concurrency=16, channels=4, warmup_s=2.0, duration_s=10.0)


class SendChatMessageScenario:
    """`SendChatMessage` into the caller's own chat: one committed, gap-free seq per call."""

    name = "SendChatMessage"
    target = Target.HELPDESK
    profile = SEND_PROFILE
    # A loose floor: a send makes several round trips (lock, insert, commit) and a Redis PUBLISH.
    floor = ECHO_POSTGRES

    async def setup(
        self, channels: Sequence[grpc.aio.Channel], *, callers: range, call_timeout_s: float
    ) -> list[CallFn]:
        """Signs in one customer per caller and opens (or reuses) their chat."""
        auth = auth_service_pb2_grpc.AuthServiceStub(channels[0])
        stubs = [chat_service_pb2_grpc.ChatServiceStub(channel) for channel in channels]
        tokens = await asyncio.gather(
            *(
                sign_in(auth, email=account_email(self.name, caller), timeout_s=SETUP_CALL_TIMEOUT_S)
                for caller in callers
            )
        )
        calls: list[CallFn] = []
        for index, (caller, token) in enumerate(zip(callers, tokens, strict=True)):
            stub = stubs[caller % len(stubs)]
            metadata = (("authorization", f"Bearer {token}"),)
            chat = (await stub.StartChat(chat_service_pb2.StartChatRequest(), metadata=metadata)).chat
            calls.append(functools.partial(_send, stub, chat.id, metadata, call_timeout_s, index))
        return calls


async def _send(
    stub: chat_service_pb2_grpc.ChatServiceAsyncStub,
    chat_id: str,
    metadata: tuple[tuple[str, str], ...],
    timeout_s: float,
    caller: int,
) -> object:
    request = chat_service_pb2.SendChatMessageRequest(
        chat_id=chat_id, body=f"bench message from caller {caller}", request_id=str(uuid.uuid4())
    )
    return await stub.SendChatMessage(request, metadata=metadata, timeout=timeout_s)


# --- fan-out benchmark ------------------------------------------------------------------------


@dataclass
class FanoutResult:
    """One measured window."""

    mode: str
    subscribers: int
    chats: int
    target_rate: float
    sent_per_s: float
    deliveries_per_s: float
    expected_deliveries: int
    received_deliveries: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    server_rss_start_mib: float
    server_rss_end_mib: float
    # Streams that broke with UNAVAILABLE and resumed with after_seq (set-up included).
    stream_reconnects: int = 0
    # Server CPU (user + system) over the window, and per delivery.
    server_cpu_s: float = 0.0
    server_cpu_us_per_delivery: float = 0.0


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


async def measure_in_process(*, subscribers: int, chats: int, rate: float, duration_s: float) -> FanoutResult:
    """The same fan-out shape through bounded asyncio queues in one process: the floor."""
    queues = [[asyncio.Queue[int](maxsize=512) for _ in range(subscribers // chats)] for _ in range(chats)]
    latencies: list[float] = []
    received = 0

    async def consume(queue: asyncio.Queue[int]) -> None:
        nonlocal received
        while True:
            sent_ns = await queue.get()
            latencies.append((time.perf_counter_ns() - sent_ns) / 1e6)
            received += 1

    consumers = [asyncio.create_task(consume(q)) for chat in queues for q in chat]

    async def send(i: int) -> None:
        stamp = time.perf_counter_ns()
        for queue in queues[i % chats]:
            queue.put_nowait(stamp)

    sent = await _paced(rate, duration_s, send)
    await asyncio.sleep(0.2)
    elapsed = duration_s
    for consumer in consumers:
        consumer.cancel()
    per_chat = subscribers // chats
    return FanoutResult(
        "in-process",
        per_chat * chats,
        chats,
        rate,
        sent / elapsed,
        received / elapsed,
        sent * per_chat,
        received,
        sample_percentile(latencies, 0.5),
        sample_percentile(latencies, 0.99),
        max(latencies, default=float("nan")),
        0.0,
        0.0,
    )


async def measure_server(
    address: str, *, server_pid: int, subscribers: int, chats: int, rate: float, duration_s: float
) -> FanoutResult:
    """`subscribers` StreamChat streams over `chats` chats; customers send at `rate` messages/s in total."""
    process = psutil.Process(server_pid)
    channel_count = max(1, min(8, subscribers // 100))
    channels = [grpc.aio.insecure_channel(address) for _ in range(channel_count)]
    try:
        auth = auth_service_pb2_grpc.AuthServiceStub(channels[0])
        stubs = [chat_service_pb2_grpc.ChatServiceStub(c) for c in channels]
        tokens = []
        for batch in range(0, chats, 20):
            tokens += await asyncio.gather(
                *(
                    sign_in(auth, email=account_email("ChatFanout", i), timeout_s=30)
                    for i in range(batch, min(chats, batch + 20))
                )
            )
        metadata = [(("authorization", f"Bearer {t}"),) for t in tokens]
        chat_ids = [
            (await stubs[0].StartChat(chat_service_pb2.StartChatRequest(), metadata=m)).chat.id for m in metadata
        ]
        latencies: list[float] = []
        received = 0
        ready = 0
        per_chat = subscribers // chats
        all_ready = asyncio.Event()
        reconnects: list[str] = []

        async def follow(index: int) -> None:
            nonlocal received, ready
            chat = index % chats
            stub = stubs[index % len(stubs)]
            last = -1
            first = True
            while True:
                # Like a real client: resume with after_seq after UNAVAILABLE (overload, restart).
                try:
                    if last < 0:
                        request = chat_service_pb2.GetChatRequest(id=chat_ids[chat])
                        last = (await stub.GetChat(request, metadata=metadata[chat])).last_seq
                    stream = stub.StreamChat(
                        chat_service_pb2.StreamChatRequest(chat_id=chat_ids[chat], after_seq=last),
                        metadata=metadata[chat],
                    )
                    async for event in stream:
                        if event.WhichOneof("event") != "message":
                            continue
                        last = event.message.seq
                        if first:
                            # Ready once the server has set the stream up and delivered through it.
                            first = False
                            ready += 1
                            if ready == per_chat * chats:
                                all_ready.set()
                        sent_ns = int(event.message.body.split(":", 1)[0])
                        latencies.append((time.perf_counter_ns() - sent_ns) / 1e6)
                        received += 1
                except grpc.aio.AioRpcError as error:
                    if error.code() != grpc.StatusCode.UNAVAILABLE:
                        raise
                    reconnects.append(error.details() or "")
                    await asyncio.sleep(0.5)

        followers = [asyncio.create_task(follow(i)) for i in range(per_chat * chats)]
        errors = 0

        async def send(i: int) -> None:
            nonlocal errors
            chat = i % chats
            body = f"{time.perf_counter_ns()}:fan-out bench"
            try:
                await stubs[i % len(stubs)].SendChatMessage(
                    chat_service_pb2.SendChatMessageRequest(
                        chat_id=chat_ids[chat], body=body, request_id=str(uuid.uuid4())
                    ),
                    metadata=metadata[chat],
                    timeout=10,
                )
            except grpc.aio.AioRpcError:
                errors += 1

        # Warm-up at the same rate (stream set-up, connection pools), not measured: until every
        # stream has delivered a message, and at least 3 s.
        async with asyncio.timeout(120):
            while not all_ready.is_set():
                await _paced(rate, 3.0, send)
        await asyncio.sleep(1.0)
        rss_start = process.memory_info().rss / 2**20
        cpu_start = process.cpu_times()
        latencies.clear()
        received = 0
        errors = 0
        sent = await _paced(rate, duration_s, send)
        await asyncio.sleep(1.0)
        elapsed = duration_s
        rss_end = process.memory_info().rss / 2**20
        cpu_end = process.cpu_times()
        cpu = (cpu_end.user + cpu_end.system) - (cpu_start.user + cpu_start.system)
        for follower in followers:
            follower.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
        return FanoutResult(
            "server",
            per_chat * chats,
            chats,
            rate,
            (sent - errors) / elapsed,
            received / elapsed,
            (sent - errors) * per_chat,
            received,
            sample_percentile(latencies, 0.5),
            sample_percentile(latencies, 0.99),
            max(latencies, default=float("nan")),
            rss_start,
            rss_end,
            len(reconnects),
            round(cpu, 2),
            round(cpu / received * 1e6, 1) if received else float("nan"),
        )
    finally:
        for channel in channels:
            await channel.close()


async def _main(args: argparse.Namespace) -> list[FanoutResult]:
    from bench.stack import HelpdeskStack

    stack = HelpdeskStack(server_env={"HELPDESK_BCRYPT_COST": "4", "HELPDESK_LOG_LEVEL": "WARNING"})
    await asyncio.to_thread(stack.start)
    results = []
    try:
        for rate in args.rates:
            results.append(
                await measure_in_process(
                    subscribers=args.subscribers, chats=args.chats, rate=rate, duration_s=args.duration
                )
            )
            results.append(
                await measure_server(
                    stack.address,
                    server_pid=stack.server_pid,
                    subscribers=args.subscribers,
                    chats=args.chats,
                    rate=rate,
                    duration_s=args.duration,
                )
            )
    finally:
        await asyncio.to_thread(stack.stop)
    return results


def main() -> None:
    """`python -m bench.chat_fanout`: the fan-out benchmark, printed as a table and JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.chat_fanout")
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--rates", type=lambda raw: [float(x) for x in raw.split(",")], default=[50.0, 150.0])
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    results = asyncio.run(_main(args))
    header = (
        f"{'mode':<11} {'subs':>5} {'chats':>5} {'msg/s':>7} {'deliv/s':>8} {'recv/exp':>13} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'RSS MiB':>13}"
    )
    print(header)
    for r in results:
        print(
            f"{r.mode:<11} {r.subscribers:>5} {r.chats:>5} {r.sent_per_s:>7.0f} {r.deliveries_per_s:>8.0f} "
            f"{r.received_deliveries:>6}/{r.expected_deliveries:<6} {r.p50_ms:>7.2f} {r.p99_ms:>7.2f} {r.max_ms:>7.1f} "
            f"{r.server_rss_start_mib:>6.0f}->{r.server_rss_end_mib:<6.0f} reconnects={r.stream_reconnects}"
        )
    print(json.dumps([asdict(r) for r in results]))
